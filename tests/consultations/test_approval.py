"""The chair approves (sends, with a deadline in working days) or returns a consultation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db
from ecabinet.consultations import access, approval, prepare, replies, views
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.workdays import VIETNAM
from tests.conftest import World
from tests.consultations.conftest import answers, draft_input, question_ids, sent

# Thursday 3 December 2026, 10:00 in Hà Nội.
THURSDAY = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)


def test_the_deadline_counts_working_days_past_a_weekend_and_a_holiday(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECABINET_HOLIDAYS", "")
    # Fri 4, (weekend), Mon 7, Tue 8: the third working day is Tuesday.
    assert approval.deadline_after(THURSDAY, 3) == datetime(2026, 12, 8, 17, tzinfo=VIETNAM)
    monkeypatch.setenv("ECABINET_HOLIDAYS", "2026-12-07")
    assert approval.deadline_after(THURSDAY, 3) == datetime(2026, 12, 9, 17, tzinfo=VIETNAM)
    # 30 April and 1 May are holidays by law: sent on Wednesday 29 April 2026, one working
    # day is Monday 4 May.
    wednesday = datetime(2026, 4, 29, 2, tzinfo=UTC)
    assert approval.deadline_after(wednesday, 1) == datetime(2026, 5, 4, 17, tzinfo=VIETNAM)


async def test_approving_sends_it_to_every_member_asked_with_its_deadline(
        sessions: async_sessionmaker[AsyncSession], world: World,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECABINET_HOLIDAYS", "2026-12-07")
    async with db.transaction(sessions) as s:
        draft = await prepare.create(s, world["secretary"], draft_input(world, working_days=3))
    # Members do not see a draft.
    async with sessions() as s:
        assert await views.listing(s, world["delegate"]) == []
        with pytest.raises(NotFound):
            await access.get_consultation(s, world["delegate"], draft.id)
    consultation = await sent(sessions, world, now=THURSDAY, working_days=3)
    assert consultation.status == "sent"
    assert consultation.deadline == datetime(2026, 12, 9, 17, tzinfo=VIETNAM)
    async with sessions() as s:
        [line] = [x for x in await views.listing(s, world["delegate"])
                  if x["id"] == consultation.id]
    assert line["asked_me"] and line["replied_at"] is None and line["status"] == "sent"


async def test_only_the_chair_named_approves_and_a_return_says_why(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    async with db.transaction(sessions) as s:
        made = await prepare.create(s, world["secretary"], draft_input(world))
    with pytest.raises(Conflict):  # not yet submitted
        async with db.transaction(sessions) as s:
            await approval.approve(s, world["chair"], made.id)
    async with db.transaction(sessions) as s:
        await approval.submit(s, world["secretary"], made.id)
    # Another chair does not see a consultation before it is sent; the office cannot approve.
    for other, refusal in (("chair2", NotFound), ("secretary", Forbidden)):
        with pytest.raises(refusal):
            async with db.transaction(sessions) as s:
                await approval.approve(s, world[other], made.id)
    with pytest.raises(Invalid) as refused:
        async with db.transaction(sessions) as s:
            await approval.send_back(s, world["chair"], made.id, "  ")
    assert refused.value.code == "consultation_return_needs_comment"
    async with db.transaction(sessions) as s:
        returned = await approval.send_back(s, world["chair"], made.id, "Bổ sung câu hỏi 3.")
        assert returned.status == "draft" and returned.return_comment == "Bổ sung câu hỏi 3."
        assert (await views.detail(s, world["secretary"], returned))["actions"] == [
            "edit", "submit", "delete"]
        # The office's list marks it as sent back, so it is not mistaken for a new draft.
        [line] = await views.listing(s, world["secretary"])
        assert line["returned"] is True


async def test_each_person_lists_what_they_may_see(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    async with db.transaction(sessions) as s:
        draft = await prepare.create(s, world["secretary"], draft_input(world))
        waiting = await prepare.create(s, world["secretary"], draft_input(
            world, member_ids=[world["delegate"].id]))
        await approval.submit(s, world["secretary"], waiting.id)
    narrow = await sent(sessions, world, member_ids=[world["delegate"].id])
    wide = await sent(sessions, world)
    expected = {
        "admin": [wide.id, narrow.id, waiting.id, draft.id],
        "secretary": [wide.id, narrow.id, waiting.id, draft.id],
        "chair": [wide.id, narrow.id, waiting.id, draft.id],  # the chair named on each
        "delegate": [wide.id, narrow.id],
        "delegate2": [wide.id],
        "chair2": [wide.id],
        "district_secretary": [],
        "outsider": [],
    }
    async with sessions() as s:
        for name, ids in expected.items():
            assert [c["id"] for c in await views.listing(s, world[name])] == ids, name


async def test_the_list_says_what_waits_for_the_user_and_names_unit_and_chair(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    async with db.transaction(sessions) as s:
        waiting = await prepare.create(s, world["secretary"], draft_input(world))
        await approval.submit(s, world["secretary"], waiting.id)
    answered = await sent(sessions, world, member_ids=[world["delegate"].id])
    ids = await question_ids(sessions, answered.id)
    async with db.transaction(sessions) as s:
        await replies.reply(s, world["delegate"], answered.id, answers(ids, 0, 0), "reply-0001")
    open_one = await sent(sessions, world, member_ids=[world["delegate"].id])
    async with sessions() as s:
        chair = {c["id"]: c["awaits_me"] for c in await views.listing(s, world["chair"])}
        delegate = {c["id"]: c["awaits_me"] for c in await views.listing(s, world["delegate"])}
        [line] = [c for c in await views.listing(s, world["admin"]) if c["id"] == waiting.id]
    assert chair == {waiting.id: "approval", answered.id: None, open_one.id: None}
    assert delegate == {answered.id: None, open_one.id: "reply"}
    assert line["unit"] == {"id": world.province, "name": "UBND tỉnh Thừa Thiên Huế"}
    assert line["chair"] == {"id": world["chair"].id, "name": world["chair"].full_name,
                             "title": world["chair"].title}


async def test_the_office_withdraws_a_submission_and_discards_a_draft(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    async with db.transaction(sessions) as s:
        made = await prepare.create(s, world["secretary"], draft_input(world))
        await approval.submit(s, world["secretary"], made.id)
        assert "withdraw" in views.actions(world["secretary"], made, True)
    with pytest.raises(Forbidden):  # the chair returns it; taking it back is the office's
        async with db.transaction(sessions) as s:
            await approval.withdraw(s, world["chair"], made.id)
    async with db.transaction(sessions) as s:
        back = await approval.withdraw(s, world["secretary"], made.id)
        assert back.status.value == "draft"
    with pytest.raises(Conflict):  # nothing to take back now
        async with db.transaction(sessions) as s:
            await approval.withdraw(s, world["secretary"], made.id)
    with pytest.raises(Forbidden):
        async with db.transaction(sessions) as s:
            await prepare.discard(s, world["chair"], made.id)
    async with db.transaction(sessions) as s:
        await prepare.discard(s, world["secretary"], made.id)
    with pytest.raises(NotFound):
        async with sessions() as s:
            await access.get_consultation(s, world["secretary"], made.id)
    # Once sent, the members were asked: it is kept.
    kept = await sent(sessions, world)
    with pytest.raises(Conflict) as refused:
        async with db.transaction(sessions) as s:
            await prepare.discard(s, world["secretary"], kept.id)
    assert refused.value.code == "consultation_not_draft"
