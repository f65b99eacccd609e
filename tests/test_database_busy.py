"""A database that cannot take an action now is no server error: the user is told to retry.

SQLite's write lock held past the busy timeout (here by another process's transaction, as a
backup or a long import would) answers HTTP 503 with Retry-After and a translated message,
and a live action acknowledges the same refusal instead of "internal_error"; once the lock
is free, the same actions succeed.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from ecabinet import accounts, db, units
from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.errors import Unavailable, unavailable_of
from ecabinet.models import Role
from ecabinet.schema import upgrade_async
from tests.conftest import PASSWORD, TEST_ARGON2, LiveServer, start_server, stop_server
from tests.live import LiveClient


@pytest.fixture
async def busy_server(tmp_path: Path) -> AsyncIterator[tuple[LiveServer, Path]]:
    """A node on its own SQLite file that waits only 200 ms for the write lock."""
    path = tmp_path / "busy.sqlite"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    engine = db.create_engine(url)
    async with db.transaction(db.sessionmaker(engine)) as s:
        unit = await units.create_unit(s, name="UBND tỉnh", kind="province")
        await accounts.create_user(s, username="daibieu", full_name="Nguyễn Văn A",
                                   password=PASSWORD, role=Role.delegate, unit_id=unit.id)
    await engine.dispose()
    settings = Settings(data_dir=tmp_path / "data", database_url=url, database_busy_ms=200,
                        secret_key=secrets.token_hex(16), **TEST_ARGON2)
    live = await start_server(create_app(settings))
    yield live, path
    await stop_server(live)


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's transaction holding SQLite's one write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_a_locked_database_answers_try_again_on_both_transports(
        busy_server: tuple[LiveServer, Path]) -> None:
    live, path = busy_server
    client = LiveClient(live.url)
    await client.login("daibieu")
    await client.connect()
    try:
        other = hold_write_lock(path)
        async with httpx.AsyncClient(base_url=live.url) as http:
            refused = await http.post("/api/login", json={"username": "daibieu",
                                                          "password": PASSWORD})
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "2"
        assert refused.json()["error"] == {
            "code": "database_busy",
            "message": "Hệ thống đang bận, xin thử lại sau giây lát."}
        ack = await client.call("attendance:checkin", {"meeting_id": 1})
        assert ack["ok"] is False and ack["error"]["code"] == "database_busy"
        # A screen catching up only reads: the writer holding the lock does not stop it.
        ack = await client.call("meeting:sync", {"meeting_id": 1})
        assert ack["error"]["code"] == "meeting_not_found"

        other.execute("ROLLBACK")
        async with httpx.AsyncClient(base_url=live.url) as http:
            again = await http.post("/api/login", json={"username": "daibieu",
                                                        "password": PASSWORD})
        assert again.status_code == 200
        ack = await client.call("attendance:checkin", {"meeting_id": 1})
        assert ack["error"]["code"] == "meeting_not_found"  # reached the database this time
        other.close()
    finally:
        await client.close()


def test_only_a_database_out_of_reach_is_taken_for_one() -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    locked = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError(
        "database is locked"))
    gone = OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
    busy, down = unavailable_of(locked), unavailable_of(gone)
    assert isinstance(busy, Unavailable) and busy.code == "database_busy"
    assert isinstance(down, Unavailable) and down.code == "database_unavailable"
    # A broken rule or a bug stays what it is.
    assert unavailable_of(IntegrityError("INSERT", {}, Exception("UNIQUE failed"))) is None
    assert unavailable_of(ValueError("bug")) is None
