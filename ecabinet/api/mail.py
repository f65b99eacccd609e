"""A person's email address and the kinds of email they take."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import payload
from ecabinet.api.context import authed, json_body, ok
from ecabinet.api.spec import STR, arr, enum_of, obj, operation, record
from ecabinet.mail import outbox

CATEGORY = enum_of(outbox.CATEGORIES)
PREFERENCES = record(email=STR, off=arr(CATEGORY), categories=arr(CATEGORY))


@operation("The user's email address and the kinds of email they turned off", tag="mail",
           response=PREFERENCES)
async def get_preferences(request: Request) -> Response:
    """Invitations, reminders, tasks and signatures are each sent unless turned off."""
    async with authed(request, read_only=True) as ctx:
        return ok(outbox.preferences(ctx.user))


@operation("Change the user's email address or turn kinds of email off or on", tag="mail",
           body=obj(email=STR, off=arr(CATEGORY)), response=PREFERENCES)
async def set_preferences(request: Request) -> Response:
    """An empty address stops every email to the user."""
    body = await json_body(request)
    async with authed(request) as ctx:
        user = await outbox.set_preferences(
            ctx.db, ctx.user,
            email=payload.text(body, "email", required=False, max_length=outbox.MAX_ADDRESS)
            if "email" in body else None,
            off=payload.str_list(body, "off"))
        return ok(outbox.preferences(user))


routes = [
    Route("/api/me/mail", get_preferences, methods=["GET"]),
    Route("/api/me/mail", set_preferences, methods=["PUT"]),
]
