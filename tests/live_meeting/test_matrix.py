"""Authorisation: every role against every live action.

Two tables. `ACTIONS` tries the domain functions behind the live actions directly. `EVENTS`
is the table of who may send each socket.io event: `test_every_live_event_has_an_entry` fails
for an event the hub handles that it does not list (or one it lists that the hub no longer
handles), and `test_every_role_against_every_live_event` sends every event as every role over
a real socket:

* a role not in the entry's `who` is refused (`forbidden`, `not_invited`, `..._not_found`...);
* a role in `hidden` (by default the outsiders: a delegate of another meeting, a secretary of
  another unit) gets exactly the acknowledgement the same event gets with the object's id
  replaced by one that names nothing: "not found" alike for absent and not-yours, and no data;
* a role in `who` is not refused (it may be told the state or the data does not allow it).

To add a live action: register it, then add `"feature:verb": live(WHO, data, ...)` to `EVENTS`.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import socketio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import attendance, live_state, meetings, questions, speakers, voting
from ecabinet.consultations import approval, prepare
from ecabinet.errors import DomainError, Forbidden, NotFound
from ecabinet.models import ConsultationQuestion, ParticipantRole, Poll, User
from ecabinet.models.voting import PollStatus
from tests.conftest import LiveServer, future
from tests.live import LiveClient
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
    # Those who may not see the meeting are not told it exists (nor that its poll does).
    assert outcomes[("cast a ballot", "outsider")] == "refused:poll_not_found"
    assert outcomes[("open a poll", "chair2")] == "refused:poll_not_found"
    assert outcomes[("set current item", "district_secretary")] == "refused:meeting_not_found"


# -- every live event over the socket ---------------------------------------------------

# Logged-in accounts of tests.conftest.build_world (a socket needs a login to connect at all).
LIVE_ROLES = ("outsider", "district_secretary", "admin", "observer", "room", "delegate2",
              "delegate", "chair", "secretary")
EVERYONE = frozenset(LIVE_ROLES)
HALL_MEMBERS = frozenset({"secretary", "chair", "delegate", "delegate2", "room", "observer"})
VIEWERS = HALL_MEMBERS | {"admin"}  # meetings.can_view
PRESIDING = frozenset(PRESIDERS)
PARTAKERS = frozenset({"chair", "delegate", "delegate2", "room"})
VOTERS = frozenset({"chair", "delegate", "delegate2"})  # voting members, checked in
OUTSIDERS = frozenset({"outsider", "district_secretary"})
CONSULTED = frozenset({"chair", "delegate", "delegate2"})
ABSENT = 999_999
# Acknowledgement codes that refuse the caller (Forbidden, NotFound, Unauthenticated), as
# opposed to those saying the state or the data does not allow the action.
REFUSAL_CODES = {"forbidden", "not_invited", "not_eligible", "not_checked_in", "not_logged_in",
                 "session_expired", "video_hall_only_office", "video_remote_rooms_only",
                 "consultation_not_asked"}
# The socket.io events that are not live actions.
NOT_ACTIONS = {"connect", "disconnect"}


def is_refusal(code: str) -> bool:
    return code in REFUSAL_CODES or code == "not_found" or code.endswith("_not_found")


@dataclass
class Live:
    """The hall meeting's objects, and one connected socket per role."""

    hall: Hall
    ids: dict[str, int] = field(default_factory=dict)
    clients: dict[str, LiveClient] = field(default_factory=dict)
    counter: Any = field(default_factory=itertools.count)

    def __getattr__(self, name: str) -> int:
        try:
            return self.__dict__["ids"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def m(self) -> int:
        return self.hall.meeting_id

    def uid(self, name: str) -> int:
        return self.hall[name].id


Data = Callable[[Live], Any]  # -> the event's data (or an awaitable of it)


@dataclass(frozen=True)
class LiveCase:
    """Who may send an event with this data; `probe` names the id field to ask about."""

    who: frozenset[str]
    data: Data
    probe: str | None
    hidden: frozenset[str]
    after: Callable[[Live, str], Awaitable[Any]] | None = None
    label: str = ""


def live(who: frozenset[str] | set[str], data: Data, *, probe: str | None = "",
         hidden: frozenset[str] | None = None,
         after: Callable[[Live, str], Awaitable[Any]] | None = None,
         label: str = "") -> LiveCase:
    """An entry; `probe` defaults to the first `..._id` field of the data."""
    who = frozenset(who)
    return LiveCase(who, data, probe, OUTSIDERS - who if hidden is None else hidden, after,
                    label)


async def checked_in_again(fx: Live, role: str) -> None:
    await fx.hall.run(role, lambda s, u: attendance.check_in(s, u, fx.m, remote=role == "room"))


async def waiting(fx: Live) -> dict[str, Any]:
    return {"meeting_id": fx.m, "order": await waiting_order(fx.hall)}


EVENTS: dict[str, LiveCase | list[LiveCase]] = {
    "meeting:join": live(VIEWERS, lambda fx: {"meeting_id": fx.m}),
    "meeting:sync": live(VIEWERS, lambda fx: {"meeting_id": fx.m, "last_seq": 0}),
    "meeting:leave": live(EVERYONE, lambda fx: {"meeting_id": fx.m}),
    "attendance:checkin": live(PARTAKERS, lambda fx: {"meeting_id": fx.m}),
    "attendance:checkout": live(PARTAKERS, lambda fx: {"meeting_id": fx.m},
                                after=checked_in_again),
    "question:support": live(PARTAKERS, lambda fx: {"question_id": fx.q}),
    "speaker:request": live(PARTAKERS, lambda fx: {"meeting_id": fx.m}),
    "speaker:withdraw": live(PRESIDING | {"delegate2"},
                             lambda fx: {"meeting_id": fx.m, "request_id": fx.hand}),
    "speaker:grant": live(PRESIDING, lambda fx: {"meeting_id": fx.m,
                                                 "user_id": fx.uid("delegate")}),
    "speaker:end": live(PRESIDING, lambda fx: {"meeting_id": fx.m}),
    "speaker:reorder": live(PRESIDING, waiting),
    "live:item": live(PRESIDING, lambda fx: {"meeting_id": fx.m, "item_id": fx.hall.items[0]}),
    "vote:cast": live(VOTERS, lambda fx: {
        "poll_id": fx.open_poll, "choice": 0,
        "client_ballot_id": f"live-matrix-{next(fx.counter):08d}"}),
    # Any screen of the meeting whose countdown ran out may ask; nobody else may even learn
    # that the poll exists, let alone read its result.
    "vote:close_due": [
        live(VIEWERS, lambda fx: {"poll_id": fx.named_closed}, label="closed named poll"),
        live(VIEWERS, lambda fx: {"poll_id": fx.secret_closed}, label="closed secret poll"),
        live(VIEWERS, lambda fx: {"poll_id": fx.draft}, label="draft poll"),
        live(VIEWERS, lambda fx: {"poll_id": fx.open_poll}, label="open poll"),
    ],
    "vote:close": live(PRESIDING, lambda fx: {"poll_id": fx.open_poll}),
    "poll:open": live(PRESIDING, lambda fx: {"poll_id": fx.draft}),
    "video:config": live(VIEWERS, lambda fx: {"meeting_id": fx.m}),
    "video:status": live(VIEWERS, lambda fx: {"meeting_id": fx.m}),
    # Without an offer: the role is checked first, the missing offer refused after.
    "video:join": [
        live(VIEWERS, lambda fx: {"meeting_id": fx.m, "role": "viewer"}, label="viewer"),
        live(PRESIDING, lambda fx: {"meeting_id": fx.m, "role": "hall"}, label="hall"),
        live({"room"}, lambda fx: {"meeting_id": fx.m, "role": "remote_room"},
             label="remote room"),
    ],
    "video:leave": live(EVERYONE, lambda fx: {}, probe=None),
    "video:floor": live(PRESIDING, lambda fx: {"meeting_id": fx.m, "participant_id": None}),
    "video:mute": live(PRESIDING, lambda fx: {"meeting_id": fx.m, "muted": True,
                                              "participant_id": f"user:{fx.uid('delegate')}"}),
    "video:record": live(PRESIDING, lambda fx: {"meeting_id": fx.m, "action": "neither"}),
    # A consultation of the province, asked of its chairs and delegates; its office and
    # admins know it (and are told they were not asked), nobody else learns it exists.
    "consultation:reply": live(CONSULTED, lambda fx: {
        "consultation_id": fx.consultation,
        "client_reply_id": f"live-matrix-{next(fx.counter):08d}",
        "answers": [{"question_id": fx.consultation_question, "choice": 0}]},
        hidden=EVERYONE - CONSULTED - {"secretary", "admin"}),
}


def live_cases(event: str) -> list[LiveCase]:
    entry = EVENTS[event]
    return entry if isinstance(entry, list) else [entry]


def handled_events(asgi: Any) -> set[str]:
    """The events the app's hub has a handler for."""
    return set(asgi.starlette.state.hub.sio.handlers["/"])


async def test_every_live_event_has_an_entry(app: Any) -> None:
    handled = handled_events(app) - NOT_ACTIONS
    missing = sorted(handled - set(EVENTS))
    stale = sorted(set(EVENTS) - handled)
    assert not missing, f"live events with no entry in EVENTS (who may send them?): {missing}"
    assert not stale, f"entries in EVENTS for events the hub no longer handles: {stale}"
    for event in EVENTS:
        for c in live_cases(event):
            assert not (c.who & c.hidden) and c.who <= EVERYONE, event


async def _prepare(hall: Hall) -> Live:
    fx = Live(hall)
    w = hall.world
    await hall.run("secretary", lambda s, u: meetings.create_meeting(s, u, meetings.MeetingInput(
        title="Họp giao ban huyện Phong Điền", unit_id=w.province, chair_id=w["chair2"].id,
        starts_at=future(12), participants=[(w["outsider"].id, ParticipantRole.delegate)])))
    await hall.check_in("chair", "delegate", "delegate2")
    await hall.check_in("room", remote=True)
    fx.ids["q"] = await question_of_delegate2(hall)
    hand = await hall.run("delegate2", lambda s, u: speakers.request(s, u, hall.meeting_id))
    fx.ids["hand"] = hand.id
    for key, visibility in (("named_closed", "named"), ("secret_closed", "secret")):
        poll = await hall.run("secretary", lambda s, u, v=visibility: voting.create_poll(
            s, u, hall.meeting_id, voting.PollInput(question=f"Thông qua ({v})?", visibility=v)))
        await hall.run("secretary", lambda s, u, p=poll.id: voting.open_poll(s, u, p))
        for n, name in enumerate(("chair", "delegate")):
            await hall.run(name, lambda s, u, p=poll.id, n=n, k=key: voting.cast(
                s, u, p, n, f"live-{k}-{u.id:06d}-ballot"))
        await hall.run("secretary", lambda s, u, p=poll.id: voting.close_poll(s, u, p))
        fx.ids[key] = poll.id
    fx.ids["draft"] = await draft_poll(hall)
    fx.ids["open_poll"] = await draft_poll(hall)
    await hall.run("secretary", lambda s, u: voting.open_poll(s, u, fx.open_poll))
    consultation = await hall.run("secretary", lambda s, u: prepare.create(
        s, u, prepare.ConsultationInput(
            title="Lấy ý kiến thành viên", unit_id=w.province, chair_id=w["chair"].id,
            questions=[prepare.QuestionInput("Thông qua dự thảo?")])))
    await hall.run("secretary", lambda s, u: approval.submit(s, u, consultation.id))
    await hall.run("chair", lambda s, u: approval.approve(s, u, consultation.id))
    fx.ids["consultation"] = consultation.id
    async with hall.sessions() as s:
        fx.ids["consultation_question"] = await s.scalar(select(ConsultationQuestion.id).where(
            ConsultationQuestion.consultation_id == consultation.id))
    return fx


def _probe(c: LiveCase, data: dict[str, Any]) -> str | None:
    if c.probe != "":
        return c.probe
    return next((k for k in data if k.endswith("_id")), None)


async def _send(fx: Live, role: str, event: str, data: dict[str, Any]) -> dict[str, Any]:
    try:
        ack = await fx.clients[role].call(event, data)
    except (TimeoutError, socketio.exceptions.TimeoutError):
        return {"ok": None, "error": {"code": "no acknowledgement"}}
    return ack


def _show(ack: dict[str, Any]) -> str:
    text = repr(ack)
    return text if len(text) < 160 else text[:157] + "..."


async def test_every_role_against_every_live_event(hall: Hall, live_server: LiveServer) -> None:
    fx = await _prepare(hall)
    stranger = LiveClient(live_server.url)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await stranger.connect()  # no login: no socket at all
    await stranger.close()
    for role in LIVE_ROLES:
        client = LiveClient(live_server.url)
        await client.login(role)
        await client.connect()
        fx.clients[role] = client
    problems: list[str] = []
    try:
        # Every refusal first, so nothing an allowed role changes can hide one.
        for event in EVENTS:
            for c in live_cases(event):
                for role in LIVE_ROLES:
                    if role in c.who:
                        continue
                    where = f"{event}{f' [{c.label}]' if c.label else ''} as {role}"
                    data = await _data(fx, c)
                    ack = await _send(fx, role, event, data)
                    code = str((ack.get("error") or {}).get("code", ""))
                    if ack.get("ok") is not False or not is_refusal(code):
                        problems.append(f"{where}: got {_show(ack)}, expected a refusal")
                    probe = _probe(c, data)
                    if role in c.hidden and probe is not None:
                        absent = await _send(fx, role, event, {**data, probe: ABSENT})
                        if ack != absent:
                            problems.append(f"{where}: got {_show(ack)} for an object it may "
                                            f"not see, but {_show(absent)} for none")
        for event in EVENTS:
            for c in live_cases(event):
                for role in LIVE_ROLES:
                    if role not in c.who:
                        continue
                    where = f"{event}{f' [{c.label}]' if c.label else ''} as {role}"
                    data = await _data(fx, c)
                    ack = await _send(fx, role, event, data)
                    if c.after is not None:
                        await c.after(fx, role)
                    if ack.get("ok") is True:
                        continue
                    code = str((ack.get("error") or {}).get("code", ""))
                    probe = _probe(c, data)
                    absent: dict[str, Any] | None = None
                    if probe is not None:
                        absent = await _send(fx, role, event, {**data, probe: ABSENT})
                    if ack.get("ok") is None or code in REFUSAL_CODES or ack == absent:
                        problems.append(f"{where}: got {_show(ack)}, expected to be allowed")
    finally:
        for client in fx.clients.values():
            await client.close()
    assert not problems, "\n  ".join(["live events:", *problems])


async def _data(fx: Live, c: LiveCase) -> dict[str, Any]:
    data = c.data(fx)
    if inspect.isawaitable(data):
        data = await data
    assert isinstance(data, dict)
    return data
