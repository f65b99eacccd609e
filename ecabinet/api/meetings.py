"""Meetings: list, create, edit, open, and take them through their life."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import meetings, payload, snapshot
from ecabinet.api.context import authed, json_body, ok
from ecabinet.api.spec import ANY, BOOL, INT, STR, TIME, arr, obj, operation
from ecabinet.errors import Invalid
from ecabinet.models import ParticipantRole

SUMMARY = obj(id=INT, title=STR, starts_at=TIME, place=STR, status=STR, urgent=BOOL, unit_id=INT)
MEETING_BODY = obj(
    ["title", "unit_id", "chair_id", "starts_at"],
    title=STR, description=STR, unit_id=INT, chair_id=INT, starts_at=TIME, ends_at=TIME,
    place=STR, urgent=BOOL,
    participants=arr(obj(["user_id", "role"], user_id=INT, role=STR)),
    invited_units=arr(obj(["unit_id"], unit_id=INT, remote=BOOL)),
)
SNAPSHOT = obj(seq=INT, meeting=ANY, transitions=arr(STR))


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


@operation("Meetings the user may see", tag="meetings", response=arr(SUMMARY))
async def list_meetings(request: Request) -> Response:
    """The user's meetings, newest first."""
    async with authed(request) as ctx:
        rows = await meetings.list_meetings(ctx.db, ctx.user)
        return ok([meetings.summary(m) for m in rows])


@operation("Create a draft meeting (secretary)", tag="meetings", body=MEETING_BODY,
           response=SNAPSHOT, status=201)
async def create_meeting(request: Request) -> Response:
    """A new meeting; 3 working days' notice unless urgent."""
    data = _meeting_input(await json_body(request))
    async with authed(request) as ctx:
        meeting = await meetings.create_meeting(ctx.db, ctx.user, data)
        return ok(await snapshot.meeting_snapshot(ctx.db, ctx.user, meeting.id), 201)


@operation("Open a meeting: its full state and seq", tag="meetings", response=SNAPSHOT)
async def get_meeting(request: Request) -> Response:
    """The meeting's snapshot for this user."""
    async with authed(request) as ctx:
        return ok(await snapshot.meeting_snapshot(ctx.db, ctx.user, request.path_params["id"]))


@operation("Edit a meeting before it starts (secretary)", tag="meetings", body=MEETING_BODY,
           response=SNAPSHOT)
async def update_meeting(request: Request) -> Response:
    """Change title, time, place or people."""
    data = _meeting_input(await json_body(request))
    async with authed(request) as ctx:
        meeting = await meetings.update_meeting(ctx.db, ctx.user, request.path_params["id"], data)
        return ok(await snapshot.meeting_snapshot(ctx.db, ctx.user, meeting.id))


@operation("Take a transition: submit, approve, return, publish, start, adjourn, close",
           tag="meetings", body=obj(comment=STR), response=SNAPSHOT)
async def transition(request: Request) -> Response:
    """Move the meeting along its life."""
    body = await json_body(request)
    async with authed(request) as ctx:
        meeting = await meetings.transition(
            ctx.db, ctx.user, request.path_params["id"], request.path_params["name"],
            comment=payload.text(body, "comment", required=False, max_length=5000),
        )
        return ok(await snapshot.meeting_snapshot(ctx.db, ctx.user, meeting.id))


@operation("Events after a seq, or a fresh snapshot when the gap is too old", tag="meetings",
           response=obj(events=arr(ANY), snapshot=SNAPSHOT))
async def events(request: Request) -> Response:
    """Catch-up for clients that poll instead of holding a socket, as `meeting:sync`."""
    after = _query_int(request, "after")
    async with authed(request) as ctx:
        return ok(await snapshot.catch_up(ctx.db, ctx.user, request.path_params["id"], after))


def _query_int(request: Request, name: str) -> int:
    try:
        return int(request.query_params.get(name, "0"))
    except ValueError as exc:
        raise Invalid("field_invalid", field=name) from exc


routes = [
    Route("/api/meetings", list_meetings, methods=["GET"]),
    Route("/api/meetings", create_meeting, methods=["POST"]),
    Route("/api/meetings/{id:int}", get_meeting, methods=["GET"]),
    Route("/api/meetings/{id:int}", update_meeting, methods=["PUT"]),
    Route("/api/meetings/{id:int}/transitions/{name}", transition, methods=["POST"]),
    Route("/api/meetings/{id:int}/events", events, methods=["GET"]),
]
