"""Code loading: a handed-in file lies where nobody can guess, can never run, and downloads
as an attachment."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import stat
from typing import Any

from ecabinet.config import Settings
from ecabinet.models import TaskStatus
from tests.conftest import World
from tests.minutes.conftest import adjourned  # noqa: F401  (fixture)
from tests.minutes.test_tasks import issued_notice

SCRIPT = b"#!/bin/sh\necho 'chay tu tep nop len'\n"


async def test_handed_in_files_get_unguessable_names_and_no_execute_bit(
        world: World, sessions: Any, adjourned: int,  # noqa: F811
        settings: Settings, client_factory: Any) -> None:
    deadline = dt.date.today() + dt.timedelta(days=30)
    task_ids = await issued_notice(sessions, world, adjourned, [
        ("Báo cáo rà soát A", deadline, TaskStatus.assigned, world.district, None),
        ("Báo cáo rà soát B", deadline, TaskStatus.assigned, world.district, None),
    ])
    unit = await client_factory("district_secretary")
    for task_id in task_ids:
        handed = await unit.post(f"/api/tasks/{task_id}/deliverable", data={"note": "Gửi kèm"},
                                 files={"file": ("chay.sh", SCRIPT, "application/x-sh")})
        assert handed.status_code == 200, handed.text
    files_dir = settings.data_dir / "task_files"
    stored = sorted(p for p in files_dir.rglob("*") if p.is_file())
    assert len(stored) == 2  # the same content twice: two files, two names
    digest = hashlib.sha256(SCRIPT).hexdigest()
    for path in stored:
        assert path.read_bytes() == SCRIPT
        assert path.resolve().is_relative_to(settings.data_dir.resolve())
        # Not the content's hash (anyone holding the file could compute that), not the
        # name it was sent with: 256 random bits.
        assert re.fullmatch(r"[0-9a-f]{64}", path.name) and path.name != digest
        assert "chay" not in str(path.relative_to(files_dir))
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o111 == 0 and mode & 0o077 == 0, oct(mode)
    assert stored[0].name != stored[1].name

    chair = await client_factory("chair")
    detail = (await chair.get(f"/api/tasks/{task_ids[0]}")).json()
    report = next(r for r in detail["reports"] if r["file"])
    download = await chair.get(f"/api/tasks/{task_ids[0]}/reports/{report['id']}/file")
    assert download.status_code == 200 and download.content == SCRIPT
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    # A type the server does not know to be harmless is served as opaque bytes.
    assert download.headers["content-type"] == "application/octet-stream"

