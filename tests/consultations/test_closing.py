"""Closing and tallying: a question passes on the agreement of more than half (or two
thirds) of all members asked; a member who did not reply never counts as agreeing."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db
from ecabinet.consultations import closing, replies, views
from ecabinet.errors import Conflict
from ecabinet.models import Consultation, ConsultationRule
from tests.conftest import World
from tests.consultations.conftest import answers, question_ids, sent

HALF, TWO_THIRDS = ConsultationRule.half, ConsultationRule.two_thirds


@pytest.mark.parametrize(("rule", "asked", "needed"), [
    (HALF, 4, 3), (HALF, 5, 3), (HALF, 1, 1), (HALF, 10, 6),
    (TWO_THIRDS, 3, 2), (TWO_THIRDS, 4, 3), (TWO_THIRDS, 6, 4), (TWO_THIRDS, 7, 5),
    (TWO_THIRDS, 9, 6), (TWO_THIRDS, 10, 7),
])
def test_how_many_must_agree(rule: ConsultationRule, asked: int, needed: int) -> None:
    assert closing.needed(rule, asked) == needed


def test_the_tally_counts_all_members_asked() -> None:
    question = SimpleNamespace(id=7, options=["Đồng ý", "Không đồng ý", "Ý kiến khác"])
    # 9 asked, 6 agree, 1 disagrees, 2 silent: 6 of 9 is two thirds, and more than half.
    given = [(7, 0)] * 6 + [(7, 1)]
    for rule, passed in ((HALF, True), (TWO_THIRDS, True)):
        result = closing.tally(rule, 9, [question], given)  # type: ignore[list-item]
        assert result["questions"] == [{"question_id": 7, "counts": [6, 1, 0], "replied": 7,
                                        "not_replied": 2, "passed": passed}]
    # 10 asked, the same 6 agree: more than half, but short of two thirds (7).
    assert closing.tally(HALF, 10, [question], given)["questions"][0]["passed"]  # type: ignore[list-item]
    assert not closing.tally(TWO_THIRDS, 10, [question], given)["questions"][0]["passed"]  # type: ignore[list-item]


async def _reply(sessions: async_sessionmaker[AsyncSession], world: World, who: str,
                 consultation: Consultation, *choices: int) -> None:
    ids = await question_ids(sessions, consultation.id)
    async with db.transaction(sessions) as s:
        await replies.reply(s, world[who], consultation.id,
                            answers(ids, *choices, opinion="Ý kiến của thành viên."),
                            f"reply-{who}")


async def _close_due(sessions: async_sessionmaker[AsyncSession], consultation: Consultation
                     ) -> list[int]:
    assert consultation.deadline is not None
    async with db.transaction(sessions) as s:
        return await closing.close_due(s, consultation.deadline + timedelta(minutes=1))


async def _result(sessions: async_sessionmaker[AsyncSession], world: World,
                  consultation: Consultation) -> dict[str, Any]:
    async with sessions() as s:
        fresh = await s.get(Consultation, consultation.id)
        assert fresh is not None
        return await views.detail(s, world["delegate"], fresh)


async def test_silence_is_not_agreement(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    # Four asked; two agree and two never reply: 2 of 4 is not more than half.
    consultation = await sent(sessions, world)
    for who in ("delegate", "delegate2"):
        await _reply(sessions, world, who, consultation, 0, 0)
    assert await _close_due(sessions, consultation) == [consultation.id]
    shown = await _result(sessions, world, consultation)
    assert shown["status"] == "closed"
    assert [(q["counts"], q["not_replied"], q["passed"]) for q in shown["result"]["questions"]
            ] == [([2, 0, 0], 2, False), ([2, 0], 2, False)]
    # Closed, everyone sees every reply.
    assert sum(m["answers"] is not None for m in shown["members"]) == 2


async def test_two_thirds_with_three_of_four_agreeing(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world, rule="two_thirds")
    for who, choices in (("delegate", (0, 0)), ("delegate2", (0, 1)), ("chair", (0, 1)),
                         ("chair2", (2, 0))):
        await _reply(sessions, world, who, consultation, *choices)
    await _close_due(sessions, consultation)
    result = (await _result(sessions, world, consultation))["result"]
    assert result["needed"] == 3 and result["asked"] == 4
    assert [(q["counts"], q["passed"]) for q in result["questions"]] == [
        ([3, 0, 1], True), ([2, 2], False)]


async def test_it_closes_once_and_not_before_its_deadline(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world)
    assert consultation.deadline is not None
    async with db.transaction(sessions) as s:
        assert await closing.close_due(s, consultation.deadline - timedelta(minutes=1)) == []
    assert await _close_due(sessions, consultation) == [consultation.id]
    assert await _close_due(sessions, consultation) == []
    assert (await _result(sessions, world, consultation))["result"]["why"] == "deadline"
    with pytest.raises(Conflict):
        async with db.transaction(sessions) as s:
            await closing.close_early(s, world["secretary"], consultation.id)


async def test_it_closes_when_everyone_has_replied_where_so_set(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world, close_when_all=True,
                              member_ids=[world["delegate"].id, world["delegate2"].id])
    await _reply(sessions, world, "delegate", consultation, 0, 0)
    assert (await _result(sessions, world, consultation))["status"] == "sent"
    await _reply(sessions, world, "delegate2", consultation, 0, 1)
    result = (await _result(sessions, world, consultation))["result"]
    assert [q["passed"] for q in result["questions"]] == [True, False]
    assert result["why"] == "all_replied"


async def test_the_office_closing_early_is_told_as_such(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world)
    async with db.transaction(sessions) as s:
        await closing.close_early(s, world["secretary"], consultation.id)
    assert (await _result(sessions, world, consultation))["result"]["why"] == "early"
