"""Meetings: list, create, edit, open, and take them through their life."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import meeting_search, meetings, payload, snapshot
from ecabinet.api.agenda import AGENDA_PART
from ecabinet.api.attendance import ATTENDANCE_PART
from ecabinet.api.conclusions import STATE as CONCLUSION_STATE
from ecabinet.api.context import authed, json_body, ok, views_of
from ecabinet.api.documents import DOCUMENT
from ecabinet.api.minutes import STATE as MINUTES_STATE
from ecabinet.api.questions import QUESTIONS
from ecabinet.api.speakers import LIVE, SPEAKERS
from ecabinet.api.spec import (
    BOOL,
    COUNT,
    DATE,
    ID,
    INT,
    STR,
    TIME,
    arr,
    enum_of,
    named,
    nullable,
    obj,
    one_of,
    operation,
    record,
)
from ecabinet.api.voting import POLLS
from ecabinet.errors import Invalid
from ecabinet.models import MeetingStatus, ParticipantRole
from ecabinet.workdays import VIETNAM

STATUS = enum_of(MeetingStatus)
ROLE = enum_of(ParticipantRole)
TRANSITION = enum_of(meetings.TRANSITIONS)
# postponed: moved from the start first announced (the meeting says from when and why).
SUMMARY = named("MeetingSummary", record(id=ID, title=STR, starts_at=TIME, place=STR,
                                         status=STATUS, urgent=BOOL, unit_id=ID,
                                         postponed=BOOL))
# Times are ISO 8601 with a time zone. A participant's role defaults to delegate.
MEETING_BODY = obj(
    ["title", "unit_id", "chair_id", "starts_at"],
    title=STR, description=nullable(STR), unit_id=ID, chair_id=ID, starts_at=TIME,
    ends_at=nullable(TIME), place=nullable(STR), urgent=BOOL,
    participants=arr(obj(["user_id"], user_id=ID, role=ROLE)),
    invited_units=arr(obj(["unit_id"], unit_id=ID, remote=BOOL)),
)
MEETING = named("Meeting", record(
    id=ID, title=STR, description=STR, unit=record(id=ID, name=STR),
    chair=record(id=ID, name=STR), created_by=ID, starts_at=TIME, ends_at=nullable(TIME),
    place=STR, urgent=BOOL, status=STATUS, return_comment=STR,
    # Why it was last postponed or why it was cancelled; the start first announced.
    change_reason=STR, postponed_from=nullable(TIME), participant_count=COUNT,
    invited_units=arr(record(unit_id=ID, name=STR, remote=BOOL))))
PARTICIPANT = named("Participant", record(user_id=ID, name=STR, title=STR, role=ROLE,
                                          voting=BOOL, unit_id=nullable(ID)))
# Everything a meeting screen shows, as this user may see it, current to `seq`.
SNAPSHOT = named("MeetingSnapshot", record(
    seq=COUNT, meeting=MEETING, transitions=arr(TRANSITION), live=LIVE, attendance=ATTENDANCE_PART,
    questions=QUESTIONS, speakers=SPEAKERS, polls=POLLS, agenda=AGENDA_PART,
    documents=arr(DOCUMENT), minutes=MINUTES_STATE, conclusion=CONCLUSION_STATE))
# An event of the meeting's log (docs/protocol.md, docs/events/); outside its audience, a
# `hidden` placeholder with empty data and no time that keeps `seq` continuous.
EVENT = named("MeetingEvent", obj(
    ["meeting_id", "seq", "type", "data"], meeting_id=ID, seq=ID, type=STR,
    data={"type": "object"}, at=TIME))
CATCH_UP = one_of(record(events=arr(EVENT)), record(snapshot=SNAPSHOT))


def _meeting_input(body: dict[str, object]) -> meetings.MeetingInput:
    data = dict(body)
    people = []
    for row in payload.items(data, "participants"):
        try:
            role = ParticipantRole(row.get("role", "delegate"))
        except ValueError as exc:
            raise Invalid("field_invalid", field="participants.role") from exc
        people.append((payload.required_int(row, "user_id"), role))
    invited = [
        (payload.required_int(row, "unit_id"), payload.boolean(row, "remote"))
        for row in payload.items(data, "invited_units")
    ]
    starts_at = payload.moment(data, "starts_at")
    assert starts_at is not None
    return meetings.MeetingInput(
        title=payload.text(data, "title", max_length=300),
        description=payload.text(data, "description", required=False, max_length=5000),
        unit_id=payload.required_int(data, "unit_id"),
        chair_id=payload.required_int(data, "chair_id"),
        starts_at=starts_at,
        ends_at=payload.moment(data, "ends_at", required=False),
        place=payload.text(data, "place", required=False, max_length=300),
        urgent=payload.boolean(data, "urgent"),
        participants=people,
        invited_units=invited,
    )


# Every filter is optional; `q` matches title, place, agenda and documents' titles,
# diacritics ignored; days are Vietnam's.
SEARCH = obj(q=STR, status=enum_of(MeetingStatus), since=DATE, until=DATE, unit_id=ID,
             role=enum_of(meeting_search.ROLES), waiting=enum_of(meeting_search.WAITING),
             offset={**COUNT, "maximum": 100_000},
             limit={**COUNT, "minimum": 1, "maximum": meeting_search.MAX_LIMIT})


def _search(request: Request) -> meeting_search.MeetingQuery:
    query = request.query_params
    since = payload.day({"since": query.get("since")}, "since", required=False)
    until = payload.day({"until": query.get("until")}, "until", required=False)
    start = time(tzinfo=VIETNAM)
    status = query.get("status") or None
    if status is not None and status not in {s.value for s in MeetingStatus}:
        raise Invalid("field_invalid", field="status")
    return meeting_search.MeetingQuery(
        text=(query.get("q") or "")[:200], status=MeetingStatus(status) if status else None,
        since=datetime.combine(since, start) if since else None,
        until=datetime.combine(until + timedelta(days=1), start) if until else None,
        unit_id=payload.query_int(query.get("unit_id"), "unit_id"),
        role=query.get("role") or "", waiting=query.get("waiting") or "",
        offset=payload.query_int(query.get("offset"), "offset") or 0,
        limit=payload.query_int(query.get("limit"), "limit") or meeting_search.MAX_LIMIT)


@operation("Meetings the user may see, newest first; searched and filtered, a page at a "
           "time (X-Total-Count: how many match)", tag="meetings", response=arr(SUMMARY),
           query=SEARCH, scope="meetings:read")
async def list_meetings(request: Request) -> Response:
    """Without filters: every meeting the user may see."""
    wanted = _search(request)
    async with authed(request) as ctx:
        found = await meeting_search.search(ctx.db, ctx.user, wanted)
        answer = ok([meetings.summary(m) for m in found.meetings])
    answer.headers["x-total-count"] = str(found.total)
    return answer


@operation("Create a draft meeting (secretary)", tag="meetings", body=MEETING_BODY,
           response=SNAPSHOT, status=201, scope="meetings:write")
async def create_meeting(request: Request) -> Response:
    """A new meeting; 3 working days' notice unless urgent."""
    data = _meeting_input(await json_body(request))
    async with authed(request) as ctx:
        meeting = await meetings.create_meeting(ctx.db, ctx.user, data)
        return ok(await snapshot.meeting_snapshot(ctx.db, ctx.user, meeting.id), 201)


@operation("Open a meeting: its full state and seq", tag="meetings", response=SNAPSHOT,
           scope="meetings:read")
async def get_meeting(request: Request) -> Response:
    """The meeting's snapshot for this user."""
    async with authed(request) as ctx:
        return ok(await snapshot.meeting_snapshot(ctx.db, ctx.user, request.path_params["id"],
                                                  views_of(request)))


@operation("Everyone invited to the meeting by name, with their role and vote",
           tag="meetings", response=arr(PARTICIPANT), scope="meetings:read")
async def participants(request: Request) -> Response:
    """The meeting's people, for the screens that list them."""
    async with authed(request) as ctx:
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await meetings.participants_of(ctx.db, meeting))


@operation("Edit a meeting before it starts (secretary)", tag="meetings", body=MEETING_BODY,
           response=SNAPSHOT, errors=[409], scope="meetings:write")
async def update_meeting(request: Request) -> Response:
    """Change title, time, place or people."""
    data = _meeting_input(await json_body(request))
    async with authed(request) as ctx:
        meeting = await meetings.update_meeting(ctx.db, ctx.user, request.path_params["id"], data)
        return ok(await snapshot.meeting_snapshot(ctx.db, ctx.user, meeting.id))


@operation("Take a transition: submit, approve, return, publish, start, adjourn, close",
           tag="meetings", body=obj(comment=nullable(STR), confirm_day=BOOL), response=SNAPSHOT,
           errors=[409],
           path={"name": TRANSITION})
async def transition(request: Request) -> Response:
    """Move the meeting along its life."""
    body = await json_body(request)
    async with authed(request) as ctx:
        meeting = await meetings.transition(
            ctx.db, ctx.user, request.path_params["id"], request.path_params["name"],
            comment=payload.text(body, "comment", required=False, max_length=5000),
            # "start" on another day than scheduled: refused (409 start_other_day) unless
            # the person confirmed it.
            confirm_day=payload.boolean(body, "confirm_day"),
        )
        return ok(await snapshot.meeting_snapshot(ctx.db, ctx.user, meeting.id))


@operation("Postpone a meeting not yet started to a later time, with the reason everyone "
           "invited is told (its office or chair)", tag="meetings",
           body=obj(["starts_at", "reason"], starts_at=TIME, ends_at=nullable(TIME),
                    reason=STR),
           response=SNAPSHOT, errors=[409])
async def postpone(request: Request) -> Response:
    """Its screens and lists show the new time, the first one and why."""
    body = await json_body(request)
    starts_at = payload.moment(body, "starts_at")
    assert starts_at is not None
    async with authed(request) as ctx:
        meeting = await meetings.postpone(
            ctx.db, ctx.user, request.path_params["id"], starts_at=starts_at,
            ends_at=payload.moment(body, "ends_at", required=False),
            reason=payload.text(body, "reason", required=False, max_length=2000))
        return ok(await snapshot.meeting_snapshot(ctx.db, ctx.user, meeting.id))


@operation("Events after a seq, or a fresh snapshot when the gap is too old", tag="meetings",
           response=CATCH_UP, query=obj(after=INT))
async def events(request: Request) -> Response:
    """Catch-up for clients that poll instead of holding a socket, as `meeting:sync`."""
    after = payload.query_int(request.query_params.get("after"), "after") or 0
    async with authed(request) as ctx:
        return ok(await snapshot.catch_up(ctx.db, ctx.user, request.path_params["id"], after,
                                          views_of(request)))


routes = [
    Route("/api/meetings", list_meetings, methods=["GET"]),
    Route("/api/meetings", create_meeting, methods=["POST"]),
    Route("/api/meetings/{id:int}", get_meeting, methods=["GET"]),
    Route("/api/meetings/{id:int}", update_meeting, methods=["PUT"]),
    Route("/api/meetings/{id:int}/participants", participants, methods=["GET"]),
    Route("/api/meetings/{id:int}/transitions/{name}", transition, methods=["POST"]),
    Route("/api/meetings/{id:int}/postpone", postpone, methods=["POST"]),
    Route("/api/meetings/{id:int}/events", events, methods=["GET"]),
]
