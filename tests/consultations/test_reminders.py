"""A consultation waiting for a member's reply is in their reminders until they reply,
marked on its last day."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db, reminders
from ecabinet.consultations import approval, prepare, replies
from tests.conftest import World
from tests.consultations.conftest import answers, draft_input, question_ids, sent

# Monday 7 December 2026, 09:00 in Hà Nội: three working days run to Thursday the 10th.
MONDAY = datetime(2026, 12, 7, 2, tzinfo=UTC)


async def test_a_member_is_reminded_until_they_reply_and_on_the_last_day_more(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world, now=MONDAY, working_days=3)
    assert consultation.deadline is not None
    last_day = consultation.deadline.date()
    async with sessions() as s:
        early = await reminders.reminders(s, world["delegate"], on=MONDAY.date())
        late = await reminders.reminders(s, world["delegate"], on=last_day)
        after = await reminders.reminders(s, world["delegate"],
                                          on=last_day.replace(day=last_day.day + 1))
        office = await reminders.reminders(s, world["secretary"], on=MONDAY.date())
    assert (early["consultations_waiting"], early["consultations_last_day"]) == (1, 0)
    assert (late["consultations_waiting"], late["consultations_last_day"]) == (1, 1)
    assert late["consultations"] == [{"id": consultation.id, "title": consultation.title,
                                      "deadline": "2026-12-10T10:00:00+00:00",
                                      "awaits": "reply", "last_day": True}]
    assert after["consultations_waiting"] == 0  # past its deadline: nothing left to do
    assert office["consultations_waiting"] == 0  # the office was not asked
    # Not part of the follow-up's badge.
    assert early["total"] == 0

    ids = await question_ids(sessions, consultation.id)
    async with db.transaction(sessions) as s:
        await replies.reply(s, world["delegate"], consultation.id, answers(ids, 0, 0),
                            "reply-0001", now=MONDAY)
    async with sessions() as s:
        replied = await reminders.reminders(s, world["delegate"], on=MONDAY.date())
        other = await reminders.reminders(s, world["delegate2"], on=MONDAY.date())
    assert replied["consultations_waiting"] == 0 and other["consultations_waiting"] == 1


async def test_the_chair_is_reminded_of_what_waits_for_approval(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    async with db.transaction(sessions) as s:
        made = await prepare.create(s, world["secretary"], draft_input(world))
        await approval.submit(s, world["secretary"], made.id)
    async with sessions() as s:
        chair = await reminders.reminders(s, world["chair"], on=MONDAY.date())
        other = await reminders.reminders(s, world["chair2"], on=MONDAY.date())
    assert [(c["id"], c["awaits"]) for c in chair["consultations"]] == [(made.id, "approval")]
    assert chair["consultations_waiting"] == 1 and chair["consultations_last_day"] == 0
    assert other["consultations_waiting"] == 0
