"""The floor: the item under discussion, the speaker queue, giving and ending the floor."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import live_state, meetings, payload, speakers
from ecabinet.api.attendance import RULE
from ecabinet.api.context import authed, json_body, ok
from ecabinet.api.spec import (
    BOOL,
    COUNT,
    ID,
    INT,
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
from ecabinet.models.speakers import SpeakerStatus

REQUEST = named("SpeakerRequest", record(
    id=ID, user_id=ID, name=STR, title=STR, unit=nullable(STR), remote=BOOL,
    item_id=nullable(ID), status=enum_of(SpeakerStatus), note=STR, requested_at=TIME,
    started_at=nullable(TIME), ended_at=nullable(TIME), limit_seconds=COUNT,
    spoke_seconds=nullable(COUNT)))
SPEAKERS = named("Speakers", record(queue=arr(REQUEST), current=nullable(REQUEST),
                                    history=arr(REQUEST)))
SETTINGS = record(quorum_rule=RULE, speaking_limit_seconds=INT)
SPEAKING_LIMIT = {"type": "integer", "minimum": live_state.MIN_SPEAKING_SECONDS,
                  "maximum": live_state.MAX_SPEAKING_SECONDS}
SETTINGS_BODY = obj(quorum_rule=nullable(RULE), speaking_limit_seconds=nullable(SPEAKING_LIMIT))
# The short form of an agenda item the live screens show.
LIVE_ITEM = named("LiveItem", record(id=ID, position=INT, title=STR, description=STR,
                                     presenter=STR, planned_minutes=INT))
# The live part of a meeting's snapshot.
LIVE = named("Live", record(current_item=nullable(LIVE_ITEM), items=arr(LIVE_ITEM),
                            quorum_rule=RULE, speaking_limit_seconds=INT, presides=BOOL,
                            takes_part=BOOL, server_time=TIME))


@operation("The speaker queue, who speaks now, and who spoke", tag="speakers",
           response=SPEAKERS)
async def get_speakers(request: Request) -> Response:
    """The floor as every screen shows it."""
    async with authed(request) as ctx:
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await speakers.state(ctx.db, meeting.id))


@operation("Ask for the floor on the current item (delegate, remote room)", tag="speakers",
           body=obj(note=nullable(STR)), response=SPEAKERS, status=201, errors=[409])
async def ask_to_speak(request: Request) -> Response:
    """A resent request keeps its place."""
    body = await json_body(request)
    async with authed(request) as ctx:
        row = await speakers.request(ctx.db, ctx.user, request.path_params["id"],
                                     payload.text(body, "note", required=False,
                                                  max_length=speakers.MAX_NOTE))
        return ok(await speakers.state(ctx.db, row.meeting_id), 201)


@operation("Withdraw a waiting request (one's own; any, presiding)", tag="speakers",
           response=SPEAKERS)
async def withdraw(request: Request) -> Response:
    """Strike a request from the queue."""
    async with authed(request) as ctx:
        row = await speakers.withdraw(ctx.db, ctx.user, request.path_params["id"],
                                      request.path_params["rid"])
        return ok(await speakers.state(ctx.db, row.meeting_id))


@operation("Reorder the queue: every waiting request id, in the new order (presiding)",
           tag="speakers", body=obj(["order"], order=arr(ID)), response=SPEAKERS,
           errors=[409])
async def reorder(request: Request) -> Response:
    """The chair's order of speakers."""
    body = await json_body(request)
    order = payload.int_list(body, "order")
    async with authed(request) as ctx:
        await speakers.reorder(ctx.db, ctx.user, request.path_params["id"], order)
        return ok(await speakers.state(ctx.db, request.path_params["id"]))


@operation("Give the floor to a request (request_id) or call on a member (user_id), with an "
           "optional speaking time (presiding)", tag="speakers",
           body=obj(request_id=nullable(ID), user_id=nullable(ID),
                    limit_seconds=nullable(SPEAKING_LIMIT)),
           response=SPEAKERS, errors=[409])
async def grant(request: Request) -> Response:
    """The previous speaker's turn ends; `floor.changed` follows."""
    body = await json_body(request)
    async with authed(request) as ctx:
        await speakers.grant(ctx.db, ctx.user, request.path_params["id"],
                             request_id=payload.integer(body, "request_id", required=False),
                             user_id=payload.integer(body, "user_id", required=False),
                             limit_seconds=payload.integer(body, "limit_seconds",
                                                           required=False))
        return ok(await speakers.state(ctx.db, request.path_params["id"]))


@operation("End the current turn (presiding, or the speaker)", tag="speakers",
           response=SPEAKERS)
async def end_turn(request: Request) -> Response:
    """Nobody holds the floor afterwards."""
    async with authed(request) as ctx:
        await speakers.end(ctx.db, ctx.user, request.path_params["id"])
        return ok(await speakers.state(ctx.db, request.path_params["id"]))


@operation("Put an agenda item before the hall (item_id null: none) (presiding)",
           tag="speakers", body=obj(item_id=nullable(ID)),
           response=record(current_item_id=nullable(ID)), errors=[409])
async def set_item(request: Request) -> Response:
    """Every screen follows the current item."""
    body = await json_body(request)
    async with authed(request) as ctx:
        state = await live_state.set_current_item(
            ctx.db, ctx.user, request.path_params["id"],
            payload.integer(body, "item_id", required=False))
        return ok({"current_item_id": state.current_item_id})


@operation("Change the live settings: quorum rule, default speaking time (presiding)",
           tag="speakers", body=SETTINGS_BODY, response=SETTINGS, errors=[409])
async def set_settings(request: Request) -> Response:
    """Either field may be left out."""
    body = await json_body(request)
    async with authed(request) as ctx:
        state = await live_state.set_settings(
            ctx.db, ctx.user, request.path_params["id"],
            quorum_rule=payload.text(body, "quorum_rule", required=False, max_length=20) or None,
            speaking_limit_seconds=payload.integer(body, "speaking_limit_seconds",
                                                   required=False))
        return ok(live_state.settings_view(state))


routes = [
    Route("/api/meetings/{id:int}/speakers", get_speakers, methods=["GET"]),
    Route("/api/meetings/{id:int}/speakers", ask_to_speak, methods=["POST"]),
    Route("/api/meetings/{id:int}/speakers/order", reorder, methods=["PUT"]),
    Route("/api/meetings/{id:int}/speakers/{rid:int}/withdraw", withdraw, methods=["POST"]),
    Route("/api/meetings/{id:int}/floor", grant, methods=["POST"]),
    Route("/api/meetings/{id:int}/floor", end_turn, methods=["DELETE"]),
    Route("/api/meetings/{id:int}/live/item", set_item, methods=["PUT"]),
    Route("/api/meetings/{id:int}/live/settings", set_settings, methods=["PUT"]),
]
