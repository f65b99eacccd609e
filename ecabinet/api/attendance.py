"""Attendance: answer the invitation, check in (tablet, entrance code, secretary), quorum."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import attendance, meetings, payload
from ecabinet.api.context import authed, json_body, ok, settings_of
from ecabinet.api.spec import ANY, BOOL, INT, STR, arr, obj, operation

ENTRY = obj(user_id=INT, name=STR, title=STR, unit_id=INT, role=STR, voting=BOOL, response=STR,
            reason=STR, substitute_name=STR, substitute_title=STR, present=BOOL,
            checked_in_at=STR, method=STR, remote=BOOL)
COUNTS = obj(members=INT, present=INT, in_hall=INT, remote=INT, absent=INT, excused=INT,
             substitutes=INT, rooms=INT, rooms_connected=INT, attendees=INT, rule=STR,
             needed=INT, quorum=BOOL)
ATTENDANCE = obj(entries=arr(ENTRY), counts=COUNTS, manages=BOOL)
WHO = obj(user_id=INT)


@operation("Who answered how, who is present, and the quorum", tag="attendance",
           response=ATTENDANCE)
async def get_attendance(request: Request) -> Response:
    """The attendance list and tally."""
    async with authed(request) as ctx:
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await attendance.snapshot(ctx.db, ctx.user, meeting))


@operation("Answer the invitation: attend, absent (reason) or substitute (name); the "
           "secretary may answer for an invitee (user_id)", tag="attendance",
           body=obj(["response"], response=STR, reason=STR, substitute_name=STR,
                    substitute_title=STR, user_id=INT), response=ATTENDANCE)
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
        return ok(await attendance.snapshot(ctx.db, ctx.user, meeting))


@operation("Check in: oneself from the tablet (remote: from a remote site), or an invitee "
           "by the secretary (user_id)", tag="attendance", body=obj(user_id=INT, remote=BOOL),
           response=ATTENDANCE)
async def check_in(request: Request) -> Response:
    """Record a presence."""
    body = await json_body(request)
    async with authed(request) as ctx:
        await attendance.check_in(ctx.db, ctx.user, request.path_params["id"],
                                  user_id=payload.integer(body, "user_id", required=False),
                                  remote=payload.boolean(body, "remote"))
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await attendance.snapshot(ctx.db, ctx.user, meeting))


@operation("Record that an invitee left (oneself, or anyone by the secretary)",
           tag="attendance", body=WHO, response=ATTENDANCE)
async def check_out(request: Request) -> Response:
    """Record a departure."""
    body = await json_body(request)
    async with authed(request) as ctx:
        await attendance.check_out(ctx.db, ctx.user, request.path_params["id"],
                                   user_id=payload.integer(body, "user_id", required=False))
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await attendance.snapshot(ctx.db, ctx.user, meeting))


@operation("Set the quorum rule: majority (more than half) or two_thirds (chair, secretary)",
           tag="attendance", body=obj(["rule"], rule=STR), response=COUNTS)
async def set_quorum(request: Request) -> Response:
    """Change the meeting's quorum rule."""
    body = await json_body(request)
    async with authed(request) as ctx:
        return ok(await attendance.set_quorum_rule(ctx.db, ctx.user, request.path_params["id"],
                                                   payload.text(body, "rule", max_length=20)))


@operation("A fresh entrance check-in code (hall display, chair, secretary); it expires "
           "within 90 s", tag="attendance",
           response=obj(token=STR, path=STR, rotate_seconds=INT, max_age_seconds=INT))
async def entrance_code(request: Request) -> Response:
    """The code to show as a QR code at the hall entrance."""
    async with authed(request) as ctx:
        token = await attendance.entrance_token(ctx.db, ctx.user, request.path_params["id"],
                                                settings_of(request).secret_key)
    return ok({"token": token, "path": f"/checkin/{token}",
               "rotate_seconds": attendance.QR_ROTATE_SECONDS,
               "max_age_seconds": attendance.QR_MAX_AGE_SECONDS})


@operation("Check oneself in with the code scanned at the entrance", tag="attendance",
           body=obj(["token"], token=STR), response=obj(meeting_id=INT, entry=ANY))
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
