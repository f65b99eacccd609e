"""Conclusion notices: the 5-working-day rule, numbering per unit and year, issuing by signature."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pymupdf
import pytest
from sqlalchemy import select

from ecabinet import conclusions, db, meetings, signatures
from ecabinet.conclusions import ConclusionInput, ItemInput, TaskInput
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.models import ConclusionStatus, Meeting, Task, TaskStatus, User
from ecabinet.models.base import utcnow
from ecabinet.workdays import VIETNAM, local_date
from tests.conftest import World
from tests.minutes.conftest import PASSPHRASE, Pki, give_keys
from tests.minutes.signed import record_signed_minutes


def meeting_on(day: dt.date, hour: int = 8) -> Meeting:
    start = dt.datetime(day.year, day.month, day.day, hour, tzinfo=VIETNAM)
    return Meeting(starts_at=start, ends_at=start + dt.timedelta(hours=3))


def test_due_date_is_five_working_days_after_the_meeting() -> None:
    friday = dt.date(2026, 11, 20)
    assert conclusions.due_date(meeting_on(friday), frozenset()) == dt.date(2026, 11, 27)
    # A configured holiday (say, a day off the Government moved) pushes it one working day.
    holiday = frozenset({dt.date(2026, 11, 24)})
    assert conclusions.due_date(meeting_on(friday), holiday) == dt.date(2026, 11, 30)
    # National Day (1 and 2 September) is never a working day.
    assert conclusions.due_date(meeting_on(dt.date(2026, 8, 27)), frozenset()) == (
        dt.date(2026, 9, 7))
    # A meeting running late into the evening still counts from its own day, in Vietnam.
    late = dt.datetime(2026, 11, 20, 22, tzinfo=VIETNAM)
    evening = Meeting(starts_at=late - dt.timedelta(hours=3), ends_at=late)
    assert conclusions.due_date(evening, frozenset()) == dt.date(2026, 11, 27)


@pytest.mark.parametrize(("today", "issued", "state", "left"), [
    (dt.date(2026, 11, 23), None, "on_track", 4),
    (dt.date(2026, 11, 24), None, "on_track", 3),
    (dt.date(2026, 11, 25), None, "due_soon", 2),
    (dt.date(2026, 11, 27), None, "due_soon", 0),
    (dt.date(2026, 11, 28), None, "overdue", 0),  # Saturday: no working day lost yet
    (dt.date(2026, 11, 30), None, "overdue", -1),
    (dt.date(2026, 12, 2), dt.date(2026, 11, 26), "issued_on_time", 1),
    (dt.date(2026, 12, 2), dt.date(2026, 12, 1), "issued_late", 0),
])
def test_deadline_warns_as_it_nears_and_after(today: dt.date, issued: dt.date | None,
                                              state: str, left: int) -> None:
    due = dt.date(2026, 11, 27)
    info = conclusions.deadline(due, today, issued, frozenset())
    assert (info["state"], info["working_days_left"]) == (state, left)
    assert info["due_date"] == "2026-11-27"


async def test_numbers_run_per_unit_and_per_year(sessions: Any, world: World) -> None:
    async with db.transaction(sessions) as s:
        province = [await signatures.next_number(s, world.province, 2026, "TB") for _ in "abc"]
        district = await signatures.next_number(s, world.district, 2026, "TB")
        minutes_number = await signatures.next_number(s, world.province, 2026, "BB")
        next_year = await signatures.next_number(s, world.province, 2027, "TB")
        head = await signatures.letterhead(s, world.province)
    assert province == [1, 2, 3]
    assert (district, minutes_number, next_year) == (1, 1, 1)
    assert signatures.number_text(5, "TB", head.symbol) == "05/TB-UBND"
    assert signatures.number_text(12, "TB", head.symbol) == "12/TB-UBND"
    assert head.issuer == "ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ"
    assert head.place == "Thừa Thiên Huế"


async def as_user(s: Any, world: World, name: str) -> User:
    user = await s.get(User, world[name].id)
    assert user is not None
    return user


def notice_input(world: World, draft: dict[str, Any], deadline: dt.date) -> ConclusionInput:
    """The saved draft plus a task for the district on the first item."""
    items = [
        ItemInput(id=item["id"], agenda_item_id=item["agenda_item_id"], title=item["title"],
                  text="Đánh giá cao sự chủ động của các địa phương.\n"
                       "Yêu cầu đẩy nhanh tiến độ giải ngân.")
        for item in draft["items"]
    ]
    items[0].tasks = [TaskInput(
        content="Hoàn thành giải phóng mặt bằng dự án đường ven biển Phú Lộc",
        deadline=deadline, deliverable="Báo cáo kết quả bằng văn bản",
        responsible_unit_id=world.district,
    )]
    items[1].tasks = [TaskInput(
        content="Tham mưu Kế hoạch chuyển đổi số năm 2027", deadline=deadline,
        deliverable="Dự thảo Kế hoạch", responsible_user_id=world["delegate"].id,
    )]
    return ConclusionInput(summary=draft["summary"], opening=draft["opening"],
                           closing=draft["closing"], items=items,
                           recipient_unit_ids=[world.district, world.commune],
                           version=draft["version"])


async def test_secretary_drafts_chair_signs_notice_is_issued(
        sessions: Any, world: World, adjourned: int, pki: Pki) -> None:
    await give_keys(sessions, world, pki)
    deadline = dt.date.today() + dt.timedelta(days=30)
    async with db.transaction(sessions) as s:
        secretary = await as_user(s, world, "secretary")
        for name in ("delegate", "chair", "district_secretary"):
            with pytest.raises((Forbidden, NotFound)):
                await conclusions.create(s, await as_user(s, world, name), adjourned)
        created = await conclusions.create(s, secretary, adjourned)
        draft = await conclusions.view(s, created)
    assert [i["title"] for i in draft["items"]] == ["Tình hình giải ngân vốn đầu tư công",
                                                     "Kế hoạch chuyển đổi số năm 2027"]
    assert draft["summary"] == (
        f"Kết luận của {world['chair'].full_name} tại phiên họp thường kỳ tháng 12")
    # Due 5 working days after the day the meeting was held (today), not the scheduled day.
    assert draft["deadline"]["due_date"] == conclusions.due_date(
        await _meeting(sessions, adjourned), day=local_date(utcnow())).isoformat()

    data = notice_input(world, draft, deadline)
    async with db.transaction(sessions) as s:
        secretary = await as_user(s, world, "secretary")
        bad = notice_input(world, draft, dt.date(2000, 1, 1))
        with pytest.raises(Invalid) as early:
            await conclusions.save(s, secretary, adjourned, bad)
        assert early.value.code == "task_deadline_before_meeting"
        nobody = notice_input(world, draft, deadline)
        nobody.items[0].tasks[0].responsible_unit_id = None
        with pytest.raises(Invalid) as missing:
            await conclusions.save(s, secretary, adjourned, nobody)
        assert missing.value.code == "task_responsible_required"
    async with db.transaction(sessions) as s:
        saved = await conclusions.save(s, await as_user(s, world, "secretary"), adjourned, data)
        view = await conclusions.view(s, saved)
        assert [len(i["tasks"]) for i in view["items"]] == [1, 1]
        assert view["items"][0]["tasks"][0]["status"] == "planned"
        # Planned tasks are not in anyone's follow-up list until the notice is issued.
        district = await as_user(s, world, "district_secretary")
        from ecabinet import tasks

        assert await tasks.list_tasks(s, district) == []
    async with db.transaction(sessions) as s:
        submitted = await conclusions.submit(s, await as_user(s, world, "secretary"), adjourned,
                                             on=dt.date(2026, 11, 23))
        assert submitted.status == ConclusionStatus.signing
        assert submitted.number == "01/TB-UBND"
        with pytest.raises(Conflict):
            await conclusions.save(s, await as_user(s, world, "secretary"), adjourned, data)
    async with db.transaction(sessions) as s:
        # Only the chair signs; the secretary's key does not make her the signer.
        with pytest.raises(Forbidden):
            await conclusions.sign(s, await as_user(s, world, "secretary"), adjourned,
                                   secret=PASSPHRASE)
        issued = await conclusions.sign(s, await as_user(s, world, "chair"), adjourned,
                                        secret=PASSPHRASE, on=dt.date(2026, 11, 25))
        assert issued.status == ConclusionStatus.issued
        statuses = (await s.scalars(select(Task.status)
                                    .where(Task.conclusion_id == issued.id))).all()
        assert set(statuses) == {TaskStatus.assigned}
    async with db.transaction(sessions) as s:
        # The district carries a task: it reads the notice though not a member of the meeting.
        district = await as_user(s, world, "district_secretary")
        _, visible = await conclusions.get_conclusion(s, district, adjourned)
        assert visible is not None
        _, pdf = await conclusions.pdf_of(s, district, adjourned)
        with pytest.raises(NotFound):
            await conclusions.get_conclusion(s, await as_user(s, world, "outsider"), adjourned)
        roots = await signatures.trust_root_pems(s)

    report = await signatures.check_pdf(pdf, roots)
    assert report.verdict.value == "valid"
    [signature] = report.signatures
    assert signature.field_name == "signer" and signature.signer_common_name == (
        world["chair"].full_name)
    with pymupdf.open("pdf", pdf) as document:
        text = " ".join(" ".join(page.get_text().split()) for page in document)
    # Sent for signature on the 23rd, signed on the 25th: the notice bears the 25th.
    for expected in ("THÔNG BÁO", "Số: 01/TB-UBND", "Thừa Thiên Huế, ngày 25 tháng 11 năm 2026",
                     "ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ", data.summary,
                     "1. Tình hình giải ngân vốn đầu tư công",
                     "Hoàn thành giải phóng mặt bằng dự án đường ven biển Phú Lộc",
                     "UBND huyện Phú Lộc", deadline.strftime("%d/%m/%Y"),
                     "Báo cáo kết quả bằng văn bản", "Nơi nhận:", "- UBND xã Lộc An;",
                     "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", world["chair"].full_name,
                     "Yêu cầu đẩy nhanh tiến độ giải ngân."):
        assert " ".join(expected.split()) in text, expected


async def _meeting(sessions: Any, meeting_id: int) -> Meeting:
    async with sessions() as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting


async def test_returned_notice_keeps_its_number(sessions: Any, world: World, adjourned: int,
                                                 pki: Pki) -> None:
    async with db.transaction(sessions) as s:
        secretary = await as_user(s, world, "secretary")
        created = await conclusions.create(s, secretary, adjourned)
        draft = await conclusions.view(s, created)
        await conclusions.save(s, secretary, adjourned,
                               notice_input(world, draft, dt.date.today() + dt.timedelta(days=40)))
        first = await conclusions.submit(s, secretary, adjourned)
        number, first_pdf = first.number, first.pdf_id
    async with db.transaction(sessions) as s:
        chair = await as_user(s, world, "chair")
        back = await conclusions.send_back(s, chair, adjourned, "Bổ sung thời hạn cụ thể")
        assert back.status == ConclusionStatus.draft and back.return_comment
    async with db.transaction(sessions) as s:
        again = await conclusions.submit(s, await as_user(s, world, "secretary"), adjourned)
        assert again.number == number == "01/TB-UBND"
        assert again.pdf_id != first_pdf
    async with db.transaction(sessions) as s:
        # Without a configured key the chair is told so, and nothing is signed.
        with pytest.raises(Conflict) as nokey:
            await conclusions.sign(s, await as_user(s, world, "chair"), adjourned,
                                   secret=PASSPHRASE)
        assert nokey.value.code == "no_signing_key"
    async with db.transaction(sessions) as s:
        # Signed minutes are not enough to close while a started notice is unissued.
        await record_signed_minutes(s, adjourned)
        with pytest.raises(Conflict) as guard:
            await meetings.transition(s, await as_user(s, world, "secretary"), adjourned,
                                      "close")
        assert guard.value.code == "conclusion_not_issued"
        pending = await conclusions.pending_notices(s, await as_user(s, world, "secretary"))
        assert [p["meeting"]["id"] for p in pending] == [adjourned]
        assert pending[0]["deadline"]["state"] in ("on_track", "due_soon", "overdue")
        assert await conclusions.pending_notices(s, await as_user(s, world, "delegate")) == []
        assert await conclusions.pending_notices(s, await as_user(s, world, "chair2")) == []
