"""The `ecabinet` command: help, migrations, the first admin, the demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ECABINET = [sys.executable, "-m", "ecabinet.cli"]


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECABINET_DATA_DIR": str(data_dir), "ECABINET_ARGON2_TIME_COST": "2",
           "ECABINET_ARGON2_MEMORY_KIB": "19456"}
    env.pop("ECABINET_DATABASE_URL", None)
    return subprocess.run(ECABINET + args, env=env, capture_output=True, text=True, timeout=120)


def test_help_explains_every_command(tmp_path: Path) -> None:
    out = run(["--help"], tmp_path).stdout
    for command in ("serve", "demo", "db", "user", "sfu"):
        assert command in out
    assert "--upstream" in run(["sfu", "--help"], tmp_path).stdout
    assert "--role" in run(["user", "add", "--help"], tmp_path).stdout


def test_user_add_and_demo_on_a_fresh_data_dir(tmp_path: Path) -> None:
    upgraded = run(["db", "upgrade"], tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "ecabinet.sqlite").exists()
    added = run(["user", "add", "quantri", "--name", "Quản trị viên", "--role", "admin",
                 "--password", "mat-khau-du-dai"], tmp_path)
    assert added.returncode == 0, added.stderr
    again = run(["user", "add", "quantri", "--name", "X", "--role", "admin",
                 "--password", "mat-khau-du-dai"], tmp_path)
    assert again.returncode == 2 and "đã tồn tại" in again.stderr
    short = run(["user", "add", "x", "--name", "X", "--role", "admin", "--password", "123"],
                tmp_path)
    assert short.returncode == 2 and "ít nhất 8" in short.stderr
    demo = run(["demo"], tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "thuky" in demo.stdout and "demo12345" in demo.stdout
    # Loading the demo twice changes nothing and still prints the logins.
    assert "chutich" in run(["demo"], tmp_path).stdout
