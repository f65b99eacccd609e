"""A member's reply: every question answered, on time, once; changed only where allowed;
nobody else's reply shown before the close unless the consultation is open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db
from ecabinet.consultations import access, replies, views
from ecabinet.errors import Conflict, Invalid, NotFound
from ecabinet.models import AuditEntry, ConsultationAnswer
from tests.conftest import World
from tests.consultations.conftest import answers, question_ids, sent


async def _reply(sessions: async_sessionmaker[AsyncSession], world: World, who: str,
                 consultation_id: int, *choices: int, client_id: str = "reply-0001",
                 opinion: str = "", **kw: object) -> replies.ReplyOutcome:
    ids = await question_ids(sessions, consultation_id)
    async with db.transaction(sessions) as s:
        return await replies.reply(s, world[who], consultation_id,
                                   answers(ids, *choices, opinion=opinion), client_id,
                                   **kw)  # type: ignore[arg-type]


async def _count(sessions: async_sessionmaker[AsyncSession], model: type, **where: object
                 ) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model).filter_by(**where))
                   or 0)


async def test_a_resent_reply_is_acknowledged_and_counted_once(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world)
    first = await _reply(sessions, world, "delegate", consultation.id, 0, 1,
                         opinion="Đề nghị bổ sung kinh phí.")
    again = await _reply(sessions, world, "delegate", consultation.id, 0, 1)
    assert not first.already and again.already and again.replied_at == first.replied_at
    assert await _count(sessions, ConsultationAnswer, consultation_id=consultation.id) == 2
    assert await _count(sessions, AuditEntry, action="consultation.reply") == 1
    async with sessions() as s:
        mine = (await views.detail(s, world["delegate"], consultation))["mine"]
    assert [a["choice"] for a in mine["answers"]] == [0, 1]
    assert mine["answers"][0]["opinion"] == "Đề nghị bổ sung kinh phí."


async def test_a_reply_changes_before_the_deadline_and_never_after(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world)
    await _reply(sessions, world, "delegate", consultation.id, 0, 0)
    changed = await _reply(sessions, world, "delegate", consultation.id, 1, 0,
                           client_id="reply-0002")
    assert changed.changed
    assert await _count(sessions, ConsultationAnswer, consultation_id=consultation.id,
                        user_id=world["delegate"].id, choice=1) == 1
    assert consultation.deadline is not None
    with pytest.raises(Conflict) as late:
        await _reply(sessions, world, "delegate", consultation.id, 0, 0,
                     client_id="reply-0003", now=consultation.deadline + timedelta(seconds=1))
    assert late.value.code == "consultation_closed"
    # A first reply after the deadline is refused the same way.
    with pytest.raises(Conflict):
        await _reply(sessions, world, "delegate2", consultation.id, 0, 0,
                     now=consultation.deadline)


async def test_a_final_reply_cannot_change(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world, changeable=False)
    await _reply(sessions, world, "delegate", consultation.id, 0, 0)
    with pytest.raises(Conflict) as refused:
        await _reply(sessions, world, "delegate", consultation.id, 1, 1, client_id="reply-0002")
    assert refused.value.code == "consultation_reply_final"


async def test_a_member_not_asked_is_refused(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world, member_ids=[world["delegate"].id])
    for who in ("delegate2", "outsider", "chair2"):
        with pytest.raises(NotFound):
            await _reply(sessions, world, who, consultation.id, 0, 0)
    # The chair sees it (to approve it) but was not asked.
    with pytest.raises(NotFound) as refused:
        await _reply(sessions, world, "chair", consultation.id, 0, 0)
    assert refused.value.code == "consultation_not_asked"
    assert await _count(sessions, ConsultationAnswer) == 0


async def test_a_reply_must_answer_every_question_with_an_option(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world)
    ids = await question_ids(sessions, consultation.id)
    for given, code in ((answers(ids[:1], 0), "consultation_answer_every_question"),
                        (answers([ids[0], ids[0]], 0, 1), "consultation_answer_every_question"),
                        (answers(ids, 0, 2), "field_invalid"),
                        # "Ý kiến khác" without the opinion it announces.
                        (answers(ids, 2, 0, opinion="  "), "consultation_opinion_needed")):
        with pytest.raises(Invalid) as refused:
            async with db.transaction(sessions) as s:
                await replies.reply(s, world["delegate"], consultation.id, given, "reply-0001")
        assert refused.value.code == code
    assert await _count(sessions, ConsultationAnswer) == 0


async def test_nobody_sees_anothers_reply_before_the_close_unless_it_is_open(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    closed_book = await sent(sessions, world)
    open_book = await sent(sessions, world, open_replies=True)
    for consultation in (closed_book, open_book):
        await _reply(sessions, world, "delegate", consultation.id, 1, 1, opinion="Chưa đồng ý.")
    async with sessions() as s:
        hidden = await views.detail(s, world["delegate2"], closed_book)
        office = await views.detail(s, world["secretary"], closed_book)
        shown = await views.detail(s, world["delegate2"], open_book)
        assert await access.is_asked(s, world["delegate2"], closed_book.id)
    assert hidden["members"] is None and hidden["replied"] == 1
    # The office follows who has replied, not what.
    [line] = [m for m in office["members"] if m["user_id"] == world["delegate"].id]
    assert line["replied_at"] is not None and line["answers"] is None
    [line] = [m for m in shown["members"] if m["user_id"] == world["delegate"].id]
    assert [a["choice"] for a in line["answers"]] == [1, 1]


async def test_replies_written_together_are_each_stored_or_refused_on_their_own(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world, member_ids=[world["delegate"].id,
                                                           world["delegate2"].id])
    ids = await question_ids(sessions, consultation.id)
    async with db.transaction(sessions) as s:
        outcomes = await replies.reply_many(s, [
            replies.ReplyRequest(world["delegate"], consultation.id, answers(ids, 0, 0),
                                 "group-reply-1"),
            replies.ReplyRequest(world["outsider"], consultation.id, answers(ids, 0, 0),
                                 "group-reply-2"),
            replies.ReplyRequest(world["delegate2"], consultation.id, answers(ids[:1], 1),
                                 "group-reply-3"),
            replies.ReplyRequest(world["delegate"], consultation.id, answers(ids, 0, 0),
                                 "group-reply-1"),  # the tablet's resend, in the same group
            replies.ReplyRequest(world["delegate2"], consultation.id, answers(ids, 1, 1),
                                 "group-reply-4"),
        ])
    assert isinstance(outcomes[0], replies.ReplyOutcome) and not outcomes[0].already
    assert isinstance(outcomes[1], NotFound) and outcomes[1].code == "consultation_not_found"
    assert isinstance(outcomes[2], Invalid)
    assert isinstance(outcomes[3], replies.ReplyOutcome) and outcomes[3].already
    assert isinstance(outcomes[4], replies.ReplyOutcome) and not outcomes[4].changed
    assert await _count(sessions, ConsultationAnswer, consultation_id=consultation.id) == 4
    assert await _count(sessions, AuditEntry, action="consultation.reply") == 2
    async with sessions() as s:
        office = await views.detail(s, world["secretary"], consultation)
    assert office["replied"] == 2
