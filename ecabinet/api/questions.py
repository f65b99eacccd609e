"""Questions and opinions: send, +1, and (secretary) merge, file, answer, export per item."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import meetings, payload, questions
from ecabinet.api.context import authed, json_body, ok
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
from ecabinet.models.questions import QuestionKind, QuestionStatus

KIND = enum_of(QuestionKind)
QUESTION = named("Question", record(
    id=ID, meeting_id=ID, item_id=nullable(ID), kind=KIND, text=STR,
    status=enum_of(QuestionStatus), answer_note=STR, answered_at=nullable(TIME),
    merged_into=nullable(ID), merged=arr(ID), support_count=COUNT, supporters=arr(ID),
    author=record(id=ID, name=STR, title=STR, unit=nullable(STR)), created_at=TIME))
QUESTIONS = named("Questions", record(questions=arr(QUESTION), manages=BOOL, answers=BOOL,
                                      may_ask=BOOL))
# ?item=<agenda item id>, or "general" (or empty) for the questions on no item.
ITEM_QUERY = obj(item={"anyOf": [ID, enum_of(["general", ""])]})


def _item_param(request: Request) -> int | None:
    raw = request.query_params.get("item", "")
    return None if raw == "general" else payload.query_int(raw, "item")


@operation("Every question of the meeting (merged ones marked)", tag="questions",
           response=QUESTIONS)
async def list_questions(request: Request) -> Response:
    """Questions as the user's screen shows them."""
    async with authed(request) as ctx:
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok(await questions.snapshot(ctx.db, ctx.user, meeting))


@operation("Send a question or opinion on an agenda item", tag="questions",
           body=obj(["text"], text=STR, item_id=nullable(ID), kind=nullable(KIND)),
           response=QUESTION, status=201, errors=[409])
async def ask(request: Request) -> Response:
    """kind: question (default) or opinion; item_id null files it as general."""
    body = await json_body(request)
    async with authed(request) as ctx:
        question = await questions.ask(
            ctx.db, ctx.user, request.path_params["id"],
            text=payload.text(body, "text", max_length=questions.MAX_TEXT),
            item_id=payload.integer(body, "item_id", required=False),
            kind=payload.text(body, "kind", required=False, default="question", max_length=20),
        )
        return ok(await questions.view(ctx.db, question), 201)


@operation("Support (+1) a question, or take the support back (on: false)", tag="questions",
           body=obj(on=BOOL), response=QUESTION, errors=[409])
async def support(request: Request) -> Response:
    """One +1 per member."""
    body = await json_body(request)
    async with authed(request) as ctx:
        question = await questions.support(ctx.db, ctx.user, request.path_params["qid"],
                                           payload.boolean(body, "on", default=True))
        return ok(await questions.view(ctx.db, question))


@operation("Merge a duplicate into another question (secretary)", tag="questions",
           body=obj(["into"], into=ID), response=QUESTION, errors=[409])
async def merge(request: Request) -> Response:
    """Returns the question merged into."""
    body = await json_body(request)
    async with authed(request) as ctx:
        target = await questions.merge(ctx.db, ctx.user, request.path_params["qid"],
                                       payload.required_int(body, "into"))
        return ok(await questions.view(ctx.db, target))


@operation("Mark a question answered (with a note) or open again (secretary, chair)",
           tag="questions", body=obj(answered=BOOL, note=nullable(STR)), response=QUESTION,
           errors=[409])
async def answer(request: Request) -> Response:
    """answered defaults to true."""
    body = await json_body(request)
    async with authed(request) as ctx:
        question = await questions.set_answered(
            ctx.db, ctx.user, request.path_params["qid"],
            payload.boolean(body, "answered", default=True),
            payload.text(body, "note", required=False, max_length=questions.MAX_TEXT))
        return ok(await questions.view(ctx.db, question))


@operation("File a question under another agenda item (secretary)", tag="questions",
           body=obj(item_id=nullable(ID)), response=QUESTION)
async def move(request: Request) -> Response:
    """item_id null: general questions."""
    body = await json_body(request)
    async with authed(request) as ctx:
        question = await questions.move(ctx.db, ctx.user, request.path_params["qid"],
                                        payload.integer(body, "item_id", required=False))
        return ok(await questions.view(ctx.db, question))


@operation("The gathered questions of one item (?item=<id> or general), most supported "
           "first", tag="questions", response=arr(QUESTION), query=ITEM_QUERY)
async def gathered(request: Request) -> Response:
    """What the chair takes, in order."""
    async with authed(request) as ctx:
        return ok(await questions.gathered(ctx.db, ctx.user, request.path_params["id"],
                                           _item_param(request)))


@operation("Export one item's questions as CSV (?item=<id> or general; chair, secretary)",
           tag="questions", content="text/csv", response=STR, query=ITEM_QUERY)
async def export_csv(request: Request) -> Response:
    """UTF-8 with a byte-order mark, so spreadsheet programs show Vietnamese correctly."""
    item = _item_param(request)
    async with authed(request) as ctx:
        text = await questions.export_csv(ctx.db, ctx.user, request.path_params["id"], item)
    name = f"cau-hoi-hop-{request.path_params['id']}-{item or 'chung'}.csv"
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


routes = [
    Route("/api/meetings/{id:int}/questions", list_questions, methods=["GET"]),
    Route("/api/meetings/{id:int}/questions", ask, methods=["POST"]),
    Route("/api/meetings/{id:int}/questions/gathered", gathered, methods=["GET"]),
    Route("/api/meetings/{id:int}/questions/export.csv", export_csv, methods=["GET"]),
    Route("/api/questions/{qid:int}/support", support, methods=["POST"]),
    Route("/api/questions/{qid:int}/merge", merge, methods=["POST"]),
    Route("/api/questions/{qid:int}/answer", answer, methods=["POST"]),
    Route("/api/questions/{qid:int}/item", move, methods=["PUT"]),
]
