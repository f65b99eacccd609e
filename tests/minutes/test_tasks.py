"""Task follow-up: states against deadlines, overdue first, the unit's report and deliverable."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from ecabinet import conclusions, db, reminders, tasks
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.models import (
    Conclusion,
    ConclusionItem,
    ConclusionStatus,
    Meeting,
    Task,
    TaskStatus,
    User,
)
from ecabinet.workdays import VIETNAM
from tests.conftest import World

S = TaskStatus
TODAY = dt.date(2026, 12, 9)  # a Wednesday


@pytest.mark.parametrize(("deadline", "status", "completed", "state", "left"), [
    (dt.date(2026, 12, 31), S.assigned, None, "on_track", 16),
    (dt.date(2026, 12, 11), S.in_progress, None, "due_soon", 2),
    (dt.date(2026, 12, 9), S.assigned, None, "due_soon", 0),
    (dt.date(2026, 12, 8), S.in_progress, None, "overdue", -1),
    (dt.date(2026, 12, 4), S.assigned, None, "overdue", -3),
    (dt.date(2026, 12, 4), S.done, dt.date(2026, 12, 3), "done", -3),
    (dt.date(2026, 12, 4), S.done, dt.date(2026, 12, 7), "done_late", -3),
    (dt.date(2026, 12, 4), S.planned, None, "planned", -3),
])
def test_deadline_states(deadline: dt.date, status: TaskStatus, completed: dt.date | None,
                         state: str, left: int) -> None:
    assert tasks.deadline_state(deadline, status, completed, TODAY) == (state, left)


async def issued_notice(sessions: Any, world: World, meeting_id: int,
                        spec: list[tuple[str, dt.date, TaskStatus, int | None, int | None]]
                        ) -> list[int]:
    """An issued notice with tasks (content, deadline, status, unit, person); their ids."""
    async with db.transaction(sessions) as s:
        notice = Conclusion(meeting_id=meeting_id, unit_id=world.province,
                            status=ConclusionStatus.issued, number="07/TB-UBND",
                            summary="Kết luận", due_date=TODAY)
        s.add(notice)
        await s.flush()
        item = ConclusionItem(conclusion_id=notice.id, title="Giải ngân vốn đầu tư công")
        s.add(item)
        await s.flush()
        rows = []
        for position, (content, deadline, status, unit, person) in enumerate(spec):
            done = status == S.done
            rows.append(Task(
                meeting_id=meeting_id, conclusion_id=notice.id, item_id=item.id,
                position=position, content=content, deadline=deadline, status=status,
                deliverable="Báo cáo", responsible_unit_id=unit, responsible_user_id=person,
                progress=100 if done else 0,
                completed_at=(dt.datetime(2026, 12, position + 1, 9, tzinfo=VIETNAM)
                              if done else None),
            ))
        s.add_all(rows)
        await s.flush()
        return [r.id for r in rows]


async def as_user(s: Any, world: World, name: str) -> User:
    user = await s.get(User, world[name].id)
    assert user is not None
    return user


async def test_office_sees_overdue_first_then_by_deadline_then_done(
        sessions: Any, world: World, adjourned: int) -> None:
    district, other = world.district, world.other_district
    ids = await issued_notice(sessions, world, adjourned, [
        ("Đúng hạn, còn xa", dt.date(2026, 12, 31), S.assigned, district, None),
        ("Quá hạn ít", dt.date(2026, 12, 8), S.in_progress, other, None),
        ("Đã xong sớm", dt.date(2026, 12, 20), S.done, district, None),
        ("Quá hạn lâu", dt.date(2026, 12, 1), S.assigned, district, None),
        ("Sắp đến hạn", dt.date(2026, 12, 10), S.assigned, None, world["delegate"].id),
        ("Đã xong muộn", dt.date(2026, 12, 1), S.done, other, None),
    ])
    async with db.transaction(sessions) as s:
        office = await tasks.list_tasks(s, await as_user(s, world, "secretary"), on=TODAY)
        assert [v["content"] for v in office] == [
            "Quá hạn lâu", "Quá hạn ít", "Sắp đến hạn", "Đúng hạn, còn xa",
            "Đã xong muộn", "Đã xong sớm",  # latest completion (6 Dec, 3 Dec) first
        ]
        assert [v["state"] for v in office] == [
            "overdue", "overdue", "due_soon", "on_track", "done_late", "done"]
        # The chair of the meeting follows the same list; an admin sees everything.
        chair = await tasks.list_tasks(s, await as_user(s, world, "chair"), on=TODAY)
        assert [v["id"] for v in chair] == [v["id"] for v in office]
        # A responsible unit sees only its own tasks; a person their own.
        mine = await tasks.list_tasks(s, await as_user(s, world, "district_secretary"),
                                      on=TODAY)
        assert [v["content"] for v in mine] == ["Quá hạn lâu", "Đúng hạn, còn xa",
                                                "Đã xong sớm"]
        personal = await tasks.list_tasks(s, await as_user(s, world, "delegate"), on=TODAY)
        assert [v["content"] for v in personal] == ["Sắp đến hạn"]
        # A remote-room account of a unit does not act for it; an outsider sees nothing.
        assert await tasks.list_tasks(s, await as_user(s, world, "room"), on=TODAY) == []
        assert await tasks.list_tasks(s, await as_user(s, world, "observer"), on=TODAY) == []
        # Filters: by unit, by state, open only.
        by_unit = await tasks.list_tasks(s, await as_user(s, world, "secretary"),
                                         tasks.TaskFilter(scope="office", unit_id=other),
                                         on=TODAY)
        assert [v["content"] for v in by_unit] == ["Quá hạn ít", "Đã xong muộn"]
        open_ = await tasks.list_tasks(s, await as_user(s, world, "secretary"),
                                       tasks.TaskFilter(state="open"), on=TODAY)
        assert len(open_) == 4
        with pytest.raises(NotFound):
            await tasks.get_task(s, await as_user(s, world, "outsider"), ids[0])

    units = tasks.summarise(office, "unit")
    assert [(g["name"], g["total"], g["overdue"], g["done"]) for g in units] == [
        ("UBND huyện Phong Điền", 2, 1, 1),
        ("UBND huyện Phú Lộc", 3, 1, 1),
        (world["delegate"].full_name, 1, 0, 0),
    ]
    rows = list(csv.reader(io.StringIO(tasks.csv_export(office).lstrip("\ufeff"))))
    assert rows[0][:5] == ["STT", "Cuộc họp, lấy ý kiến", "Số văn bản", "Nội dung kết luận",
                           "Nhiệm vụ"]
    assert rows[1][4:9] == ["Quá hạn lâu", "UBND huyện Phú Lộc", "01/12/2026", "Báo cáo",
                            "Quá hạn"]
    assert rows[1][2] == "07/TB-UBND"


async def test_unit_reports_progress_and_hands_in_its_deliverable(
        sessions: Any, world: World, adjourned: int, tmp_path: Path) -> None:
    [task_id] = await issued_notice(sessions, world, adjourned, [
        ("Rà soát quy hoạch khu dân cư Lộc An", TODAY + dt.timedelta(days=20), S.assigned,
         world.district, None),
    ])
    files = tmp_path / "task_files"
    async with db.transaction(sessions) as s:
        for name in ("delegate", "secretary", "chair", "room"):
            with pytest.raises((Forbidden, NotFound)):
                await tasks.report_progress(s, await as_user(s, world, name), task_id,
                                            progress=50)
        unit = await as_user(s, world, "district_secretary")
        with pytest.raises(Invalid):
            await tasks.report_progress(s, unit, task_id, progress=100)
        reported = await tasks.report_progress(s, unit, task_id, progress=60,
                                               note="Đã rà soát 3/5 khu vực")
        assert (reported.status, reported.progress) == (S.in_progress, 60)
    async with db.transaction(sessions) as s:
        unit = await as_user(s, world, "district_secretary")
        with pytest.raises(Invalid):
            await tasks.submit_deliverable(s, unit, task_id, note="  ")
        pdf = b"%PDF-1.7\n% Bao cao ket qua ra soat\n"
        done = await tasks.submit_deliverable(
            s, unit, task_id, note="Gửi báo cáo kết quả rà soát",
            upload=tasks.Upload("../../Báo cáo rà soát.pdf", "application/pdf", pdf),
            files_dir=files, max_bytes=1024)
        assert done.status == S.done and done.completed_at is not None
        with pytest.raises(Conflict):
            await tasks.submit_deliverable(s, unit, task_id, note="lần hai")
    async with db.transaction(sessions) as s:
        detail = await tasks.detail(s, await as_user(s, world, "secretary"), task_id)
        assert detail["can_reopen"] and not detail["can_report"]
        kinds = [(r["kind"], r["progress"]) for r in detail["reports"]]
        assert kinds == [("progress", 60), ("deliverable", 100)]
        handed_in = detail["reports"][1]
        assert handed_in["file"] == {"name": "Báo cáo rà soát.pdf", "size": len(pdf),
                                     "type": "application/pdf"}
        path, name, kind = await tasks.report_file(
            s, await as_user(s, world, "chair"), task_id, handed_in["id"], files)
        assert path.read_bytes() == pdf and path.is_relative_to(files)
        assert (name, kind) == ("Báo cáo rà soát.pdf", "application/pdf")
        with pytest.raises(NotFound):
            await tasks.report_file(s, await as_user(s, world, "outsider"), task_id,
                                    handed_in["id"], files)
    async with db.transaction(sessions) as s:
        with pytest.raises(Forbidden):
            await tasks.reopen(s, await as_user(s, world, "district_secretary"), task_id, "x")
        reopened = await tasks.reopen(s, await as_user(s, world, "secretary"), task_id,
                                      "Bổ sung số liệu khu vực Lộc Trì")
        assert reopened.status == S.in_progress and reopened.completed_at is None


async def test_a_deliverable_larger_than_the_limit_is_refused(
        sessions: Any, world: World, adjourned: int, tmp_path: Path) -> None:
    [task_id] = await issued_notice(sessions, world, adjourned, [
        ("Báo cáo", TODAY, S.assigned, world.district, None)])
    async with db.transaction(sessions) as s:
        from ecabinet.errors import TooLarge

        with pytest.raises(TooLarge):
            await tasks.submit_deliverable(
                s, await as_user(s, world, "district_secretary"), task_id,
                upload=tasks.Upload("lon.bin", "application/zip", b"x" * 2048),
                files_dir=tmp_path, max_bytes=1024)
    assert not list(await asyncio.to_thread(lambda: list(tmp_path.iterdir())))


async def test_reminders_count_what_is_late_or_near_for_each_person(
        sessions: Any, world: World, adjourned: int) -> None:
    district, other = world.district, world.other_district
    await issued_notice(sessions, world, adjourned, [
        ("Đúng hạn, còn xa", dt.date(2026, 12, 31), S.assigned, district, None),
        ("Quá hạn ít", dt.date(2026, 12, 8), S.in_progress, other, None),
        ("Đã xong sớm", dt.date(2026, 12, 20), S.done, district, None),
        ("Quá hạn lâu", dt.date(2026, 12, 1), S.assigned, district, None),
        ("Sắp đến hạn", dt.date(2026, 12, 10), S.assigned, None, world["delegate"].id),
    ])
    expected = {  # (my overdue, my due soon, followed overdue, total)
        "district_secretary": (1, 0, 0, 1),  # its unit's late task
        "delegate": (0, 1, 0, 1),  # their own task, two working days left
        "secretary": (0, 0, 2, 2),  # the office follows every late task of its meeting
        "chair": (0, 0, 2, 2),
        "observer": (0, 0, 0, 0),
    }
    async with db.transaction(sessions) as s:
        for name, counts in expected.items():
            found = await reminders.reminders(s, await as_user(s, world, name), on=TODAY)
            assert (found["my_overdue"], found["my_due_soon"], found["followed_overdue"],
                    found["total"]) == counts, name
            assert found["notices_due"] == 0  # this meeting's notice is issued


async def test_a_notice_nearing_its_due_date_reminds_the_office_and_the_chair(
        sessions: Any, world: World, adjourned: int) -> None:
    async with db.transaction(sessions) as s:
        meeting = await s.get(Meeting, adjourned)
        assert meeting is not None
        due = conclusions.due_date(meeting)
        for name, on, counted in (("secretary", due - dt.timedelta(days=1), 1),
                                  ("chair", due + dt.timedelta(days=3), 1),  # overdue
                                  ("secretary", due - dt.timedelta(days=20), 0),  # far off
                                  ("delegate", due, 0)):  # not theirs to issue
            found = await reminders.reminders(s, await as_user(s, world, name), on=on)
            assert found["notices_due"] == counted, (name, on)
            if counted:
                assert found["notices"][0]["meeting"]["id"] == adjourned
