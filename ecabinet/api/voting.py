"""Polls: prepare, open, close, cancel; cast a ballot; the published ballots; verification.

Ballots and closes go through the node's ballot writer (ecabinet.ballot_writer), never
inside the request's own transaction: the writer commits them in groups.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import ballot_writer, meetings, payload, voting
from ecabinet.api.context import authed, json_body, ok, session_token
from ecabinet.api.spec import ANY, BOOL, INT, STR, arr, obj, operation

POLL = obj(id=INT, meeting_id=INT, item_id=INT, question=STR, options=arr(STR), kind=STR,
           visibility=STR, rule=STR, allow_change=BOOL, tie_break_chair=BOOL,
           time_limit_seconds=INT, status=STR, opened_at=STR, closes_at=STR, closed_at=STR,
           voted=INT, result=ANY)
POLL_BODY = obj(["question"], question=STR, item_id=INT, options=arr(STR), kind=STR,
                visibility=STR, rule=STR, allow_change=BOOL, tie_break_chair=BOOL,
                time_limit_seconds=INT, open=BOOL)
OUTCOME = obj(poll_id=INT, receipt=STR, choice=INT, already=BOOL, changed=BOOL)


def writer_of(request: Request) -> ballot_writer.BallotWriter:
    """This node's ballot writer, made by the app's lifespan."""
    writer: ballot_writer.BallotWriter = request.app.state.ballot_writer
    return writer


def _poll_input(body: dict[str, Any]) -> voting.PollInput:
    options = payload.str_list(body, "options")
    limit = payload.integer(body, "time_limit_seconds", required=False)
    return voting.PollInput(
        question=payload.text(body, "question", max_length=voting.MAX_QUESTION),
        item_id=payload.integer(body, "item_id", required=False),
        options=options or None,
        kind=payload.text(body, "kind", required=False, max_length=20) or None,
        visibility=payload.text(body, "visibility", required=False, default="named",
                                max_length=20),
        rule=payload.text(body, "rule", required=False, default="present", max_length=20),
        allow_change=payload.boolean(body, "allow_change"),
        tie_break_chair=payload.boolean(body, "tie_break_chair"),
        time_limit_seconds=limit or None,
    )


@operation("The meeting's polls and the user's own votes", tag="voting",
           response=obj(polls=arr(POLL), mine=ANY, voter=BOOL))
async def list_polls(request: Request) -> Response:
    """Drafts only for the chair and secretary."""
    async with authed(request) as ctx:
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await voting.snapshot(ctx.db, ctx.user, meeting))


@operation("Prepare a poll on an item, and open it at once with open: true (chair, secretary)",
           tag="voting", body=POLL_BODY, response=POLL, status=201)
async def create_poll(request: Request) -> Response:
    """Options default to Tán thành / Không tán thành / Không biểu quyết."""
    body = await json_body(request)
    data = _poll_input(body)
    async with authed(request) as ctx:
        poll = await voting.create_poll(ctx.db, ctx.user, request.path_params["id"], data)
        if payload.boolean(body, "open"):
            poll = await voting.open_poll(ctx.db, ctx.user, poll.id)
        return ok(voting.poll_view(poll), 201)


@operation("Change a draft poll (chair, secretary)", tag="voting", body=POLL_BODY, response=POLL)
async def update_poll(request: Request) -> Response:
    """Only before it opens."""
    data = _poll_input(await json_body(request))
    async with authed(request) as ctx:
        poll = await voting.update_poll(ctx.db, ctx.user, request.path_params["pid"], data)
        return ok(voting.poll_view(poll))


@operation("Open a poll (chair, secretary; the meeting must be in session)", tag="voting",
           response=POLL)
async def open_poll(request: Request) -> Response:
    """Checked-in voting members may vote from now on."""
    async with authed(request) as ctx:
        poll = await voting.open_poll(ctx.db, ctx.user, request.path_params["pid"])
        return ok(voting.poll_view(poll))


@operation("Close a poll and compute its result once (chair, secretary)", tag="voting",
           response=POLL)
async def close_poll(request: Request) -> Response:
    """Every ballot acknowledged before is counted."""
    async with authed(request):
        pass  # authenticated and CSRF-checked; the writer re-checks who may close
    return ok(await writer_of(request).close(session_token(request), request.path_params["pid"]))


@operation("Withdraw a poll without a result (chair, secretary)", tag="voting", response=POLL)
async def cancel_poll(request: Request) -> Response:
    """Draft or open polls only."""
    async with authed(request) as ctx:
        poll = await voting.cancel_poll(ctx.db, ctx.user, request.path_params["pid"])
        return ok(voting.poll_view(poll))


@operation("Cast a ballot (the socket action vote:cast is the usual way); resending the same "
           "client_ballot_id is answered with the stored ballot", tag="voting",
           body=obj(["choice", "client_ballot_id"], choice=INT, client_ballot_id=STR),
           response=OUTCOME)
async def cast(request: Request) -> Response:
    """Acknowledged once committed."""
    body = await json_body(request)
    choice = payload.required_int(body, "choice")
    client_id = payload.text(body, "client_ballot_id", max_length=64)
    async with authed(request):
        pass  # the writer resolves the session again inside its group transaction
    outcome = await writer_of(request).cast(session_token(request), request.path_params["pid"],
                                            choice, client_id)
    return ok(outcome.view())


@operation("The published ballots after close: names (named polls) or receipts (secret)",
           tag="voting", response=obj(poll=POLL, ballots=arr(ANY)))
async def ballots(request: Request) -> Response:
    """Secret ballots are listed by receipt, never by voter."""
    async with authed(request) as ctx:
        return ok(await voting.published_ballots(ctx.db, ctx.user, request.path_params["pid"]))


@operation("Check a poll's ballots and result against the audit hash chain (chair, "
           "secretary, admin)", tag="voting", response=obj(problems=arr(STR), chain_ok=BOOL))
async def verify(request: Request) -> Response:
    """Empty problems and chain_ok: nothing was changed after counting."""
    async with authed(request) as ctx:
        return ok(await voting.verify(ctx.db, ctx.user, request.path_params["pid"]))


routes = [
    Route("/api/meetings/{id:int}/polls", list_polls, methods=["GET"]),
    Route("/api/meetings/{id:int}/polls", create_poll, methods=["POST"]),
    Route("/api/polls/{pid:int}", update_poll, methods=["PUT"]),
    Route("/api/polls/{pid:int}/open", open_poll, methods=["POST"]),
    Route("/api/polls/{pid:int}/close", close_poll, methods=["POST"]),
    Route("/api/polls/{pid:int}/cancel", cancel_poll, methods=["POST"]),
    Route("/api/polls/{pid:int}/ballots", cast, methods=["POST"]),
    Route("/api/polls/{pid:int}/ballots", ballots, methods=["GET"]),
    Route("/api/polls/{pid:int}/verify", verify, methods=["GET"]),
]
