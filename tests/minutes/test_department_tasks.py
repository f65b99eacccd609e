"""Departments are units: the demo's signed notice gives a task to a Sở, sends the notice to
it, and the Sở's director finds the task as her unit's and reports on it."""

from __future__ import annotations

import pymupdf
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import conclusions, db, demo, minutes, tasks
from ecabinet.models import MeetingStatus, TaskStatus, Unit, User
from ecabinet.units import UnitKind

DEPARTMENT = "Sở Thông tin và Truyền thông"
TASK = "Rà soát, cập nhật danh mục thủ tục hành chính thực hiện trực tuyến toàn trình"


async def _user(session: AsyncSession, username: str) -> User:
    user = await session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


async def test_the_demo_notice_gives_a_department_its_task(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    async with db.transaction(sessions) as s:
        await demo.load(s)
    async with db.transaction(sessions) as s:
        director = await _user(s, "daibieu3")
        department = await s.get(Unit, director.unit_id)
        assert department is not None
        assert (department.name, department.kind) == (DEPARTMENT, UnitKind.department)
        closed = await demo.meeting_by_status(s, MeetingStatus.closed)
        assert closed is not None
        notice, pdf = await conclusions.pdf_of(s, director, closed.id)
        _, minutes_pdf = await minutes.pdf_of(s, director, closed.id)
        assert department.id in (notice.recipient_unit_ids or [])

        # Her department's task, not hers by name: she reports on it as its director.
        mine = await tasks.list_tasks(s, director, tasks.TaskFilter(scope="mine"))
        [task] = [v for v in mine if v["content"] == TASK]
        assert task["responsible_unit"] == {"id": department.id, "name": DEPARTMENT}
        assert task["responsible_user"] is None
        reported = await tasks.report_progress(s, director, task["id"], progress=40,
                                               note="Đã rà soát 120/300 thủ tục.")
        assert (reported.status, reported.progress) == (TaskStatus.in_progress, 40)

    with pymupdf.open("pdf", pdf) as document:
        text = " ".join(" ".join(page.get_text().split()) for page in document)
    # The task table of the first item names the department; "Nơi nhận" lists it too.
    first_item = text[text.index(f"1. {demo.AGENDA[0][0]}"):text.index(f"2. {demo.AGENDA[1][0]}")]
    assert TASK in first_item and DEPARTMENT in first_item
    assert director.full_name not in text
    assert DEPARTMENT in text[text.index("Nơi nhận"):]

    # The minutes name the presenter once: the department is in the title already.
    with pymupdf.open("pdf", minutes_pdf) as document:
        said = " ".join(" ".join(page.get_text().split()) for page in document)
    assert f"Trình bày: Giám đốc {DEPARTMENT}." in said
    assert f"({DEPARTMENT})" not in said
