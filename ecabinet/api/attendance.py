"""Attendance: answer the invitation, check in (tablet, entrance code, secretary), quorum."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import attendance, meetings, payload
from ecabinet.api.context import authed, json_body, ok, settings_of
from ecabinet.api.spec import (
    BOOL,
    COUNT,
    ID,
    STR,
    TIME,
    arr,
    enum_of,
    named,
    nullable,
    obj,
    operation,
    record,
)
from ecabinet.live_state import QUORUM_RULES
from ecabinet.models import ParticipantRole
from ecabinet.models.attendance import AttendanceResponse, CheckInMethod

RULE = enum_of(QUORUM_RULES)
# How a presence was recorded; "" for nobody checked in yet.
METHOD = enum_of([""], CheckInMethod)
ENTRY = named("AttendanceEntry", record(
    user_id=ID, name=STR, title=STR, unit_id=nullable(ID), role=enum_of(ParticipantRole),
    voting=BOOL, response=enum_of(AttendanceResponse), reason=STR, substitute_name=STR,
    substitute_title=STR, present=BOOL, checked_in_at=nullable(TIME), method=METHOD,
    remote=BOOL))
COUNTS = named("AttendanceCounts", record(
    members=COUNT, present=COUNT, in_hall=COUNT, remote=COUNT, absent=COUNT, excused=COUNT,
    substitutes=COUNT, rooms=COUNT, rooms_connected=COUNT, attendees=COUNT, rule=RULE,
    needed=COUNT, quorum=BOOL))
# A meeting screen's part: the tally, and the user's own line (null if not an invitee).
ATTENDANCE_PART = named("AttendancePart", record(counts=COUNTS, manages=BOOL,
                                                 mine=nullable(ENTRY)))
# The whole list, current to `seq`: later `attendance.updated` events apply on top.
ATTENDANCE = named("Attendance", record(seq=COUNT, entries=arr(ENTRY), counts=COUNTS,
                                        manages=BOOL, mine=nullable(ENTRY)))
WHO = obj(user_id=nullable(ID))
# An invitation is answered with one of these ("pending" is where it starts).
ANSWER = enum_of([r for r in AttendanceResponse if r != AttendanceResponse.pending])


@operation("Who answered how, who is present, and the quorum", tag="attendance",
           response=ATTENDANCE)
async def get_attendance(request: Request) -> Response:
    """The attendance list and tally."""
    async with authed(request) as ctx:
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await attendance.roster_view(ctx.db, ctx.user, meeting))


@operation("Answer the invitation: attend, absent (reason) or substitute (name); the "
           "secretary may answer for an invitee (user_id)", tag="attendance",
           body=obj(["response"], response=ANSWER, reason=nullable(STR),
                    substitute_name=nullable(STR), substitute_title=nullable(STR),
                    user_id=nullable(ID)), response=ATTENDANCE, errors=[409])
async def respond(request: Request) -> Response:
    """Record an answer to the invitation."""
    body = await json_body(request)
    async with authed(request) as ctx:
        await attendance.respond(
            ctx.db, ctx.user, request.path_params["id"],
            response=payload.text(body, "response", max_length=20),
            user_id=payload.integer(body, "user_id", required=False),
            reason=payload.text(body, "reason", required=False, max_length=1000),
            substitute_name=payload.text(body, "substitute_name", required=False, max_length=200),
            substitute_title=payload.text(body, "substitute_title", required=False,
                                          max_length=200),
        )
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await attendance.roster_view(ctx.db, ctx.user, meeting))


@operation("Check in: oneself from the tablet (remote: from a remote site), or an invitee "
           "by the secretary (user_id)", tag="attendance",
           body=obj(user_id=nullable(ID), remote=BOOL), response=ATTENDANCE, errors=[409])
async def check_in(request: Request) -> Response:
    """Record a presence."""
    body = await json_body(request)
    async with authed(request) as ctx:
        await attendance.check_in(ctx.db, ctx.user, request.path_params["id"],
                                  user_id=payload.integer(body, "user_id", required=False),
                                  remote=payload.boolean(body, "remote"))
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await attendance.roster_view(ctx.db, ctx.user, meeting))


@operation("Record that an invitee left (oneself, or anyone by the secretary)",
           tag="attendance", body=WHO, response=ATTENDANCE, errors=[409])
async def check_out(request: Request) -> Response:
    """Record a departure."""
    body = await json_body(request)
    async with authed(request) as ctx:
        await attendance.check_out(ctx.db, ctx.user, request.path_params["id"],
                                   user_id=payload.integer(body, "user_id", required=False))
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await attendance.roster_view(ctx.db, ctx.user, meeting))


@operation("Set the quorum rule: majority (more than half) or two_thirds (chair, secretary)",
           tag="attendance", body=obj(["rule"], rule=RULE), response=COUNTS, errors=[409])
async def set_quorum(request: Request) -> Response:
    """Change the meeting's quorum rule."""
    body = await json_body(request)
    async with authed(request) as ctx:
        return ok(await attendance.set_quorum_rule(ctx.db, ctx.user, request.path_params["id"],
                                                   payload.text(body, "rule", max_length=20)))


@operation("A fresh entrance check-in code (hall display, chair, secretary); it expires "
           "within 90 s", tag="attendance",
           response=record(token=STR, path=STR, rotate_seconds=COUNT, max_age_seconds=COUNT),
           errors=[409])
async def entrance_code(request: Request) -> Response:
    """The code to show as a QR code at the hall entrance."""
    async with authed(request) as ctx:
        token = await attendance.entrance_token(ctx.db, ctx.user, request.path_params["id"],
                                                settings_of(request).secret_key)
    return ok({"token": token, "path": f"/checkin/{token}",
               "rotate_seconds": attendance.QR_ROTATE_SECONDS,
               "max_age_seconds": attendance.QR_MAX_AGE_SECONDS})


@operation("Check oneself in with the code scanned at the entrance", tag="attendance",
           body=obj(["token"], token=STR), errors=[404, 409],
           response=record(meeting_id=ID, entry=record(present=BOOL, method=METHOD)))
async def check_in_with_code(request: Request) -> Response:
    """The phone or tablet opened /checkin/<code>; its user is now present."""
    body = await json_body(request)
    token = payload.text(body, "token", max_length=500)
    async with authed(request) as ctx:
        meeting_id, row = await attendance.check_in_with_code(
            ctx.db, ctx.user, token, settings_of(request).secret_key)
        return ok({"meeting_id": meeting_id, "entry": {
            "present": row.checked_in_at is not None, "method": row.checkin_method}})


routes = [
    Route("/api/meetings/{id:int}/attendance", get_attendance, methods=["GET"]),
    Route("/api/meetings/{id:int}/attendance/response", respond, methods=["PUT"]),
    Route("/api/meetings/{id:int}/attendance/checkin", check_in, methods=["POST"]),
    Route("/api/meetings/{id:int}/attendance/checkout", check_out, methods=["POST"]),
    Route("/api/meetings/{id:int}/attendance/quorum", set_quorum, methods=["PUT"]),
    Route("/api/meetings/{id:int}/attendance/entrance-code", entrance_code, methods=["GET"]),
    Route("/api/checkin", check_in_with_code, methods=["POST"]),
]
