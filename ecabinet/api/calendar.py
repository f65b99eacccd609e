"""Calendar feeds: the user's own secret iCalendar address, and the feed it serves."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import calendar_feed
from ecabinet.api.context import authed, ok, sessions_of
from ecabinet.api.spec import BOOL, STR, TIME, nullable, operation, record

STATE = record(active=BOOL, created_at=nullable(TIME))
# url: shown once, when made; only its hash is kept.
MADE = record(active=BOOL, created_at=nullable(TIME), url=STR)


@operation("Whether the user has a calendar feed address", tag="calendar", response=STATE)
async def feed_state(request: Request) -> Response:
    """The address itself is shown only when it is made."""
    async with authed(request, read_only=True) as ctx:
        return ok(await calendar_feed.state(ctx.db, ctx.user))


@operation("Make the user's calendar feed address (a previous one stops working)",
           tag="calendar", response=MADE, status=201)
async def renew(request: Request) -> Response:
    """The secret address a calendar application subscribes to."""
    async with authed(request) as ctx:
        token = await calendar_feed.renew(ctx.db, ctx.user)
        await ctx.db.flush()
        made = await calendar_feed.state(ctx.db, ctx.user)
    url = str(request.url_for("calendar_feed", token=token))
    return ok({**made, "url": url}, 201)


@operation("Revoke the user's calendar feed address", tag="calendar", response=STATE)
async def revoke(request: Request) -> Response:
    """Calendars subscribed to it stop receiving updates."""
    async with authed(request) as ctx:
        await calendar_feed.revoke(ctx.db, ctx.user)
        return ok({"active": False, "created_at": None})


@operation("The user's meetings as iCalendar (RFC 5545), by the feed's secret address",
           tag="calendar", public=True, response=STR, content="text/calendar", errors=[404])
async def feed(request: Request) -> Response:
    """No session: the address is the secret. Cancelled meetings stay, marked CANCELLED."""
    async with sessions_of(request)() as db:
        user = await calendar_feed.owner(db, request.path_params["token"])
        data = await calendar_feed.calendar(db, user, request.url.hostname or "ecabinet")
    return Response(data, media_type="text/calendar; charset=utf-8", headers={
        "cache-control": "no-store", "content-disposition": 'inline; filename="ecabinet.ics"'})


routes = [
    Route("/api/calendar/feed", feed_state, methods=["GET"]),
    Route("/api/calendar/feed", renew, methods=["POST"]),
    Route("/api/calendar/feed", revoke, methods=["DELETE"]),
    Route("/calendar/{token}.ics", feed, methods=["GET"], name="calendar_feed"),
]
