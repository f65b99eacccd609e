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
from ecabinet.api.spec import (
    BOOL,
    COUNT,
    ID,
    INT,
    STR,
    TIME,
    arr,
    dict_of,
    enum_of,
    named,
    nullable,
    obj,
    operation,
    record,
)
from ecabinet.models.voting import MajorityRule, PollKind, PollStatus, PollVisibility

KIND, VISIBILITY, RULE = enum_of(PollKind), enum_of(PollVisibility), enum_of(MajorityRule)
# A choice is the 0-based index of an option in the poll's `options`.
CHOICE = {**COUNT, "maximum": voting.MAX_OPTIONS - 1,
          "description": "0-based index into the poll's options"}
RECEIPT = {"type": "string", "pattern": "^[A-Z0-9]{5}-[A-Z0-9]{5}$"}
CLIENT_BALLOT_ID = {"type": "string", "pattern": voting.CLIENT_BALLOT_ID.pattern,
                    "description": "made by the voter's device for each ballot, kept until "
                                   "acknowledged"}
# Counted once, when the poll closes; `quorum` false means nothing was decided.
RESULT = named("PollResult", record(
    kind=KIND, rule=RULE, counts=arr(COUNT), voted=COUNT, members=COUNT, present=COUNT,
    body=COUNT, needed=COUNT, passed=BOOL, decided_option=nullable(CHOICE), tie=BOOL,
    chair_decided=BOOL, quorum=BOOL, ballots_digest=STR))
POLL = named("Poll", record(
    id=ID, meeting_id=ID, item_id=nullable(ID), question=STR, options=arr(STR), kind=KIND,
    visibility=VISIBILITY, rule=RULE, allow_change=BOOL, tie_break_chair=BOOL,
    time_limit_seconds=nullable(INT), status=enum_of(PollStatus), opened_at=nullable(TIME),
    closes_at=nullable(TIME), closed_at=nullable(TIME), voted=COUNT, result=nullable(RESULT)))
# Left-out fields take their defaults: options Tán thành / Không tán thành / Không biểu
# quyết, kind approval with those options, visibility named, rule present, allow_change
# and tie_break_chair false, no time limit, open false.
OPTIONS = {**arr({"type": "string", "minLength": 1, "maxLength": voting.MAX_OPTION_LENGTH}),
           "minItems": 2, "maxItems": voting.MAX_OPTIONS, "uniqueItems": True}
# Seconds the poll stays open once opened; 0 or null: until closed.
TIME_LIMIT = nullable({"anyOf": [
    {"type": "integer", "enum": [0]},
    {"type": "integer", "minimum": voting.MIN_TIME_LIMIT, "maximum": voting.MAX_TIME_LIMIT}]})
# tie_break_chair only with named polls and a rule other than two_thirds.
POLL_BODY = obj(["question"],
                question={"type": "string", "minLength": 1, "maxLength": voting.MAX_QUESTION},
                item_id=nullable(ID), options=nullable(OPTIONS), kind=nullable(KIND),
                visibility=nullable(VISIBILITY), rule=nullable(RULE), allow_change=BOOL,
                tie_break_chair=BOOL, time_limit_seconds=TIME_LIMIT, open=BOOL)
OUTCOME = named("BallotOutcome", record(poll_id=ID, receipt=RECEIPT, choice=CHOICE,
                                        already=BOOL, changed=BOOL))
# The user's own votes by poll id: a secret poll says only that the user voted.
MINE = dict_of(record(voted=BOOL, choice=nullable(CHOICE), receipt=nullable(RECEIPT)))
POLLS = named("Polls", record(polls=arr(POLL), mine=MINE, voter=BOOL))
# Secret polls: receipt and choice; named polls also who voted.
BALLOT = obj(["receipt", "choice"], receipt=RECEIPT, choice=CHOICE, user_id=ID, name=STR,
             title=STR)


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
           response=POLLS)
async def list_polls(request: Request) -> Response:
    """Drafts only for the chair and secretary."""
    async with authed(request) as ctx:
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await voting.snapshot(ctx.db, ctx.user, meeting))


@operation("Prepare a poll on an item, and open it at once with open: true (chair, secretary)",
           tag="voting", body=POLL_BODY, response=POLL, status=201, errors=[409])
async def create_poll(request: Request) -> Response:
    """Options default to Tán thành / Không tán thành / Không biểu quyết."""
    body = await json_body(request)
    data = _poll_input(body)
    async with authed(request) as ctx:
        poll = await voting.create_poll(ctx.db, ctx.user, request.path_params["id"], data)
        if payload.boolean(body, "open"):
            poll = await voting.open_poll(ctx.db, ctx.user, poll.id)
        return ok(voting.poll_view(poll), 201)


@operation("Change a draft poll (chair, secretary)", tag="voting", body=POLL_BODY, response=POLL,
           errors=[409])
async def update_poll(request: Request) -> Response:
    """Only before it opens."""
    data = _poll_input(await json_body(request))
    async with authed(request) as ctx:
        poll = await voting.update_poll(ctx.db, ctx.user, request.path_params["pid"], data)
        return ok(voting.poll_view(poll))


@operation("Open a poll (chair, secretary; the meeting must be in session)", tag="voting",
           response=POLL, errors=[409])
async def open_poll(request: Request) -> Response:
    """Checked-in voting members may vote from now on."""
    async with authed(request) as ctx:
        poll = await voting.open_poll(ctx.db, ctx.user, request.path_params["pid"])
        return ok(voting.poll_view(poll))


@operation("Close a poll and compute its result once (chair, secretary)", tag="voting",
           response=POLL, errors=[409])
async def close_poll(request: Request) -> Response:
    """Every ballot acknowledged before is counted."""
    async with authed(request):
        pass  # authenticated and CSRF-checked; the writer re-checks who may close
    return ok(await writer_of(request).close(session_token(request), request.path_params["pid"]))


@operation("Withdraw a poll without a result (chair, secretary)", tag="voting", response=POLL,
           errors=[409])
async def cancel_poll(request: Request) -> Response:
    """Draft or open polls only."""
    async with authed(request) as ctx:
        poll = await voting.cancel_poll(ctx.db, ctx.user, request.path_params["pid"])
        return ok(voting.poll_view(poll))


@operation("Cast a ballot (the socket action vote:cast is the usual way): `choice` is the "
           "0-based index into the poll's options. Resending a client_ballot_id with the same "
           "choice is answered with the stored ballot (already: true); with another choice it "
           "is refused 409 (a changed vote, where allow_change is true, needs a new "
           "client_ballot_id). The receipt is fixed when the ballot is first cast",
           tag="voting",
           body=obj(["choice", "client_ballot_id"], choice=CHOICE,
                    client_ballot_id=CLIENT_BALLOT_ID),
           response=OUTCOME, errors=[409])
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
           tag="voting", response=record(poll=POLL, ballots=arr(BALLOT)), errors=[409])
async def ballots(request: Request) -> Response:
    """Secret ballots are listed by receipt, never by voter."""
    async with authed(request) as ctx:
        return ok(await voting.published_ballots(ctx.db, ctx.user, request.path_params["pid"]))


@operation("Check a poll's ballots and result against the audit hash chain (chair, "
           "secretary, admin)", tag="voting", response=record(problems=arr(STR), chain_ok=BOOL),
           errors=[409])
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
