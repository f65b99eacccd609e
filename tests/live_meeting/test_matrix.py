"""Authorisation: every role against every live action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import attendance, live_state, questions, speakers, voting
from ecabinet.errors import DomainError, Forbidden, NotFound
from ecabinet.models import Poll, User
from ecabinet.models.voting import PollStatus
from tests.live_meeting.conftest import Hall

ROLES = ["admin", "secretary", "chair", "chair2", "delegate", "outsider", "room", "observer",
         "district_secretary"]
PRESIDERS = {"chair", "secretary"}
TAKE_PART = {"chair", "delegate", "room"}
MEMBERS = {"admin", "secretary", "chair", "delegate", "room", "observer"}

Setup = Callable[[Hall], Awaitable[Any]]
Act = Callable[[AsyncSession, User, Hall, Any], Awaitable[Any]]


async def nothing(hall: Hall) -> None:
    return None


async def question_of_delegate2(hall: Hall) -> int:
    q = await hall.run("delegate2", lambda s, u: questions.ask(
        s, u, hall.meeting_id, text="Đề nghị báo cáo thêm số liệu", item_id=hall.items[0]))
    return q.id


async def two_questions(hall: Hall) -> tuple[int, int]:
    return await question_of_delegate2(hall), await question_of_delegate2(hall)


async def hand_of_delegate2(hall: Hall) -> int:
    async def ask(s: AsyncSession, u: User) -> int:
        await speakers.end(s, u, hall.meeting_id)  # the floor is free for each attempt
        return 0
    await hall.run("chair", ask)
    row = await hall.run("delegate2", lambda s, u: speakers.request(s, u, hall.meeting_id))
    return row.id


async def waiting_order(hall: Hall) -> list[int]:
    state = await hall.run("chair", lambda s, u: speakers.state(s, hall.meeting_id))
    return [r["id"] for r in state["queue"]]


async def open_polls(hall: Hall) -> list[int]:
    async with hall.sessions() as s:
        return list((await s.scalars(select(Poll.id).where(
            Poll.meeting_id == hall.meeting_id, Poll.status == PollStatus.open))).all())


async def draft_poll(hall: Hall) -> int:
    for poll_id in await open_polls(hall):
        await hall.run("secretary", lambda s, u, p=poll_id: voting.close_poll(s, u, p))
    poll = await hall.run("secretary", lambda s, u: voting.create_poll(
        s, u, hall.meeting_id, voting.PollInput(question="Biểu quyết thử")))
    return poll.id


async def an_open_poll(hall: Hall) -> int:
    found = await open_polls(hall)
    if found:
        return found[0]
    poll_id = await draft_poll(hall)
    await hall.run("secretary", lambda s, u: voting.open_poll(s, u, poll_id))
    return poll_id


async def a_closed_poll(hall: Hall) -> int:
    poll_id = await an_open_poll(hall)
    await hall.run("secretary", lambda s, u: voting.close_poll(s, u, poll_id))
    return poll_id


ACTIONS: dict[str, tuple[Setup, Act, set[str]]] = {
    "set current item": (nothing, lambda s, u, h, _: live_state.set_current_item(
        s, u, h.meeting_id, h.items[1]), PRESIDERS),
    "set quorum rule": (nothing, lambda s, u, h, _: attendance.set_quorum_rule(
        s, u, h.meeting_id, "majority"), PRESIDERS),
    "show entrance code": (nothing, lambda s, u, h, _: attendance.entrance_token(
        s, u, h.meeting_id, "secret"), PRESIDERS | {"observer"}),
    "answer invitation": (nothing, lambda s, u, h, _: attendance.respond(
        s, u, h.meeting_id, response="attend"), TAKE_PART),
    "check in oneself": (nothing, lambda s, u, h, _: attendance.check_in(
        s, u, h.meeting_id), TAKE_PART),
    "check in another": (nothing, lambda s, u, h, _: attendance.check_in(
        s, u, h.meeting_id, user_id=h["delegate2"].id), {"secretary"}),
    "send a question": (nothing, lambda s, u, h, _: questions.ask(
        s, u, h.meeting_id, text="Câu hỏi", item_id=None), TAKE_PART),
    "+1 a question": (question_of_delegate2, lambda s, u, h, q: questions.support(s, u, q),
                      TAKE_PART),
    "merge questions": (two_questions, lambda s, u, h, q: questions.merge(s, u, q[0], q[1]),
                        {"secretary"}),
    "mark answered": (question_of_delegate2, lambda s, u, h, q: questions.set_answered(
        s, u, q), PRESIDERS),
    "export questions": (nothing, lambda s, u, h, _: questions.export_csv(
        s, u, h.meeting_id, h.items[0]), PRESIDERS),
    "ask to speak": (nothing, lambda s, u, h, _: speakers.request(s, u, h.meeting_id),
                     TAKE_PART),
    "give the floor": (hand_of_delegate2, lambda s, u, h, r: speakers.grant(
        s, u, h.meeting_id, request_id=r), PRESIDERS),
    "reorder speakers": (waiting_order, lambda s, u, h, order: speakers.reorder(
        s, u, h.meeting_id, order), PRESIDERS),
    "prepare a poll": (nothing, lambda s, u, h, _: voting.create_poll(
        s, u, h.meeting_id, voting.PollInput(question="Q")), PRESIDERS),
    "open a poll": (draft_poll, lambda s, u, h, p: voting.open_poll(s, u, p), PRESIDERS),
    "close a poll": (an_open_poll, lambda s, u, h, p: voting.close_poll(s, u, p), PRESIDERS),
    "cast a ballot": (an_open_poll, lambda s, u, h, p: voting.cast(
        s, u, p, 0, f"matrix-ballot-{u.id:08d}"), {"chair", "delegate"}),
    "read published ballots": (a_closed_poll, lambda s, u, h, p: voting.published_ballots(
        s, u, p), MEMBERS),
}


async def test_every_role_against_every_live_action(hall: Hall) -> None:
    await hall.check_in("chair", "delegate")
    outcomes: dict[tuple[str, str], str] = {}
    for action, (setup, act, allowed) in ACTIONS.items():
        for role in ROLES:
            context = await setup(hall)
            try:
                await hall.run(role, lambda s, u, a=act, c=context: a(s, u, hall, c))
                outcome = "allowed"
            except (Forbidden, NotFound) as exc:
                outcome = f"refused:{exc.code}"
            except DomainError as exc:  # a set-up mistake, not an authorisation answer
                outcome = f"error:{exc.code}"
            outcomes[(action, role)] = outcome
            expected_allowed = role in allowed
            assert (outcome == "allowed") == expected_allowed, (action, role, outcome)
    # Those who may not see the meeting are not told it exists.
    assert outcomes[("cast a ballot", "outsider")] == "refused:not_eligible"
    assert outcomes[("open a poll", "chair2")] == "refused:poll_not_found"
    assert outcomes[("set current item", "district_secretary")] == "refused:meeting_not_found"
