"""Written consultations: prepare, submit, approve or return, reply, close, and read.

Replies usually come through the live channel (`consultation:reply`); the route here does
the same for a client without a socket. See docs/events/consultations.md.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import payload
from ecabinet.api.context import authed, json_body, ok, settings_of
from ecabinet.api.minutes import PDF, pdf_response
from ecabinet.api.spec import (
    BOOL,
    COUNT,
    ID,
    OK,
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
from ecabinet.api.tasks import TASK, TASK_IN, task_input
from ecabinet.consultations import approval, closing, paper, prepare, replies, report, views
from ecabinet.consultations.access import get_consultation
from ecabinet.consultations.prepare import ConsultationInput, QuestionInput
from ecabinet.models import ConsultationRule, ConsultationStatus, OfficialPdfStatus

STATUS, RULE = enum_of(ConsultationStatus), enum_of(ConsultationRule)
ACTION = enum_of(["edit", "submit", "delete", "withdraw", "approve", "return", "close",
                  "report", "sign_report"])
CHOICE = {**COUNT, "maximum": prepare.MAX_OPTIONS - 1,
          "description": "0-based index into the question's options"}
CLIENT_REPLY_ID = {"type": "string", "pattern": replies.CLIENT_REPLY_ID.pattern,
                   "description": "made by the member's device for each reply, kept until "
                                  "acknowledged"}
SUMMARY_FIELDS = dict(id=ID, title=STR, unit_id=ID, unit=record(id=ID, name=STR), chair_id=ID,
                      chair=record(id=ID, name=STR, title=STR), status=STATUS,
                      sent_at=nullable(TIME), deadline=nullable(TIME), closed_at=nullable(TIME))
# awaits_me: "reply" (asked, not yet replied, still open), "approval" (its chair, submitted),
# "report" (its chair, the synthesis report waits for the signature).
LINE = named("ConsultationLine", record(
    **SUMMARY_FIELDS, asked_me=BOOL,
    awaits_me=nullable(enum_of(["reply", "approval", "report"])),
    returned=BOOL,
    replied_at=nullable(TIME)))
ANSWER = record(question_id=ID, choice=CHOICE, opinion=STR)
QUESTION = record(id=ID, text=STR, options=arr(STR))
# Per question: how many chose each option, and whether enough of all members asked agreed.
TALLY = record(question_id=ID, counts=arr(COUNT), replied=COUNT, not_replied=COUNT,
               passed=BOOL)
# why: null for one closed before the reason was kept.
RESULT = named("ConsultationResult", record(rule=RULE, asked=COUNT, needed=COUNT,
                                            questions=arr(TALLY),
                                            why=nullable(enum_of(closing.WHY))))
# answers: null until the replies are shown (closed, or an open consultation).
# paper: a signed ballot paper is kept; has_key: whether they can sign (office, signed only).
MEMBER = record(user_id=ID, name=STR, title=STR, unit=STR, replied_at=nullable(TIME),
                answers=nullable(arr(ANSWER)), paper=BOOL, has_key=nullable(BOOL))
# The synthesis report: the office and chair follow its draft, members read it signed.
# tasks: those its conclusions give, planned until it is signed.
REPORT = named("ConsultationReport", record(
    number=STR, status=enum_of(OfficialPdfStatus), conclusions=STR, tasks=arr(TASK),
    signed_by=nullable(STR), signed_at=nullable(TIME)))
DETAIL = named("Consultation", record(
    **SUMMARY_FIELDS, matter=STR, created_by_id=ID, rule=RULE,
    working_days=COUNT, changeable=BOOL, open_replies=BOOL, close_when_all=BOOL,
    signed_replies=BOOL, return_comment=STR, questions=arr(QUESTION), asked=COUNT,
    replied=COUNT,
    mine=nullable(record(replied_at=nullable(TIME), answers=arr(ANSWER), paper=BOOL)),
    result=nullable(RESULT), actions=arr(ACTION), members=nullable(arr(MEMBER)),
    report=nullable(REPORT)))
QUESTION_IN = obj(["text"], text={"type": "string", "minLength": 1,
                                  "maxLength": prepare.MAX_TEXT},
                  options=nullable({**arr({"type": "string", "minLength": 1,
                                           "maxLength": prepare.MAX_OPTION}),
                                    "minItems": 2, "maxItems": prepare.MAX_OPTIONS,
                                    "uniqueItems": True}))
# No member_ids and no unit_ids: the chairs and delegates of unit_id are asked.
BODY = obj(["title", "unit_id", "chair_id", "questions"],
           title={"type": "string", "minLength": 1, "maxLength": 300}, matter=STR,
           unit_id=ID, chair_id=ID,
           questions={**arr(QUESTION_IN), "minItems": 1, "maxItems": prepare.MAX_QUESTIONS},
           member_ids=arr(ID), unit_ids=arr(ID),
           working_days={"type": "integer", "minimum": 1,
                         "maximum": prepare.MAX_WORKING_DAYS},
           rule=RULE, changeable=BOOL, open_replies=BOOL, close_when_all=BOOL,
           signed_replies=BOOL)
REPLY = obj(["answers", "client_reply_id"],
            answers={**arr(obj(["question_id", "choice"], question_id=ID, choice=CHOICE,
                               opinion={"type": "string",
                                        "maxLength": replies.MAX_OPINION})),
                     "minItems": 1},
            client_reply_id=CLIENT_REPLY_ID,
            passphrase={**nullable(STR),
                        "description": "where replies are signed: the member's key passphrase "
                                       "(or PIN), used once and never stored"})
SIGN = obj(passphrase=nullable(STR))
OUTCOME = named("ReplyOutcome", record(consultation_id=ID, replied_at=TIME, already=BOOL,
                                       changed=BOOL))


def consultation_input(body: dict[str, Any]) -> ConsultationInput:
    """The form's fields, checked for shape (the rules are the domain's)."""
    days = payload.integer(body, "working_days", required=False)
    questions = []
    for raw in payload.items(body, "questions"):
        questions.append(QuestionInput(
            text=payload.text(raw, "text", max_length=prepare.MAX_TEXT),
            options=payload.str_list(raw, "options")))
    return ConsultationInput(
        title=payload.text(body, "title", max_length=300),
        matter=payload.text(body, "matter", required=False, max_length=20000) or "",
        unit_id=payload.required_int(body, "unit_id"),
        chair_id=payload.required_int(body, "chair_id"),
        questions=questions,
        member_ids=payload.optional_int_list(body, "member_ids") or [],
        unit_ids=payload.optional_int_list(body, "unit_ids") or [],
        # Only a missing value means the default: 0 is refused by the domain, not made 5.
        working_days=5 if days is None else days,
        rule=payload.text(body, "rule", required=False, max_length=20) or "half",
        changeable=payload.boolean(body, "changeable", default=True),
        open_replies=payload.boolean(body, "open_replies"),
        close_when_all=payload.boolean(body, "close_when_all"),
        signed_replies=payload.boolean(body, "signed_replies"),
    )


@operation("The consultations the user may see, newest first", tag="consultations",
           response=record(consultations=arr(LINE)))
async def list_consultations(request: Request) -> Response:
    """Members see those sent to them; the office and the chair also drafts."""
    async with authed(request) as ctx:
        return ok({"consultations": await views.listing(ctx.db, ctx.user)})


@operation("Prepare a consultation (secretary)", tag="consultations", body=BODY,
           response=DETAIL, status=201)
async def create(request: Request) -> Response:
    """A draft, until submitted to its chair."""
    data = consultation_input(await json_body(request))
    async with authed(request) as ctx:
        made = await prepare.create(ctx.db, ctx.user, data)
        return ok(await views.detail(ctx.db, ctx.user, made), 201)


@operation("A consultation as the user may see it", tag="consultations", response=DETAIL)
async def show(request: Request) -> Response:
    """Others' replies only once closed, or from the start where it is open."""
    async with authed(request) as ctx:
        found = await get_consultation(ctx.db, ctx.user, request.path_params["id"])
        return ok(await views.detail(ctx.db, ctx.user, found))


@operation("Change a draft (secretary)", tag="consultations", body=BODY, response=DETAIL,
           errors=[409])
async def update(request: Request) -> Response:
    """Questions and members are replaced by those given."""
    data = consultation_input(await json_body(request))
    async with authed(request) as ctx:
        changed = await prepare.update(ctx.db, ctx.user, request.path_params["id"], data)
        return ok(await views.detail(ctx.db, ctx.user, changed))


@operation("Submit a draft to its chair for approval (secretary)", tag="consultations",
           response=DETAIL, errors=[409])
async def submit(request: Request) -> Response:
    """The chair sees it waiting."""
    async with authed(request) as ctx:
        moved = await approval.submit(ctx.db, ctx.user, request.path_params["id"])
        return ok(await views.detail(ctx.db, ctx.user, moved))


@operation("Take a submission back to change it, before its chair decides (secretary)",
           tag="consultations", response=DETAIL, errors=[409])
async def withdraw(request: Request) -> Response:
    """It becomes a draft again."""
    async with authed(request) as ctx:
        moved = await approval.withdraw(ctx.db, ctx.user, request.path_params["id"])
        return ok(await views.detail(ctx.db, ctx.user, moved))


@operation("Discard a draft (secretary)", tag="consultations", response=OK, errors=[409])
async def discard(request: Request) -> Response:
    """Only a draft: nobody has been asked yet."""
    async with authed(request) as ctx:
        await prepare.discard(ctx.db, ctx.user, request.path_params["id"])
        return ok({"ok": True})


@operation("Approve and send it to the members asked (its chair); the deadline is 17:00 on "
           "the last of its working days", tag="consultations", response=DETAIL, errors=[409])
async def approve(request: Request) -> Response:
    """Every member asked sees it at once."""
    async with authed(request) as ctx:
        moved = await approval.approve(ctx.db, ctx.user, request.path_params["id"])
        return ok(await views.detail(ctx.db, ctx.user, moved))


@operation("Return it to the office with a comment (its chair)", tag="consultations",
           body=obj(["comment"], comment={"type": "string", "minLength": 1,
                                          "maxLength": 2000}),
           response=DETAIL, errors=[409])
async def send_back(request: Request) -> Response:
    """It becomes a draft again."""
    comment = payload.text(await json_body(request), "comment", max_length=2000)
    async with authed(request) as ctx:
        moved = await approval.send_back(ctx.db, ctx.user, request.path_params["id"], comment)
        return ok(await views.detail(ctx.db, ctx.user, moved))


@operation("Close it before its deadline and tally it (secretary)", tag="consultations",
           response=DETAIL, errors=[409])
async def close(request: Request) -> Response:
    """Members who have not replied count as not replying."""
    async with authed(request) as ctx:
        closed = await closing.close_early(ctx.db, ctx.user, request.path_params["id"])
        return ok(await views.detail(ctx.db, ctx.user, closed))


@operation("Reply (a member asked; the socket action consultation:reply is the usual way). "
           "Every question is answered; resending a client_reply_id is answered with the "
           "stored reply (already: true); a new one replaces the reply where it may change",
           tag="consultations", body=REPLY, response=OUTCOME, errors=[409])
async def reply(request: Request) -> Response:
    """Acknowledged once stored."""
    body = await json_body(request)
    answers, client_id = replies.reply_of(body)
    secret = payload.text(body, "passphrase", required=False, max_length=500)
    consultation_id = request.path_params["id"]
    # The paper is signed before the write transaction: signing takes a worker a good part
    # of a second, which SQLite's one write lock must not wait for.
    async with authed(request, read_only=True) as ctx:
        signed = await replies.sign_paper(ctx.db, ctx.user, consultation_id, answers, client_id,
                                          secret, timestamp_url=settings_of(request).tsa_url)
    async with authed(request) as ctx:
        outcome = await replies.reply(ctx.db, ctx.user, consultation_id, answers, client_id,
                                      signed=signed)
        return ok(outcome.view())


@operation("A member's signed ballot paper (the member, the office and the chair)",
           tag="consultations", response=PDF, content="application/pdf")
async def member_paper(request: Request) -> Response:
    """As signed with the member's key."""
    consultation_id, member_id = request.path_params["id"], request.path_params["user_id"]
    async with authed(request) as ctx:
        data = await paper.pdf_of(ctx.db, ctx.user, consultation_id, member_id)
    return pdf_response(data, f"phieu-lay-y-kien-{consultation_id}-{member_id}.pdf")


@operation("Draft the synthesis report from the replies, or redraft it before it is signed "
           "(secretary, once closed)", tag="consultations",
           body=obj(conclusions={"type": "string", "maxLength": report.MAX_CONCLUSIONS},
                    tasks=arr(TASK_IN)),
           response=DETAIL, errors=[409])
async def draft_report(request: Request) -> Response:
    """The counts, every written opinion by choice and unit, and the office's proposal with
    the tasks it gives (written anew with each draft, assigned when signed)."""
    body = await json_body(request)
    text = payload.text(body, "conclusions", required=False,
                        max_length=report.MAX_CONCLUSIONS) or ""
    given = [task_input(task) for task in payload.items(body, "tasks")]
    async with authed(request) as ctx:
        drafted = await report.draft(ctx.db, ctx.user, request.path_params["id"], text, given)
        return ok(await views.detail(ctx.db, ctx.user, drafted))


@operation("Sign the synthesis report with one's key (its chair)", tag="consultations",
           body=SIGN, response=DETAIL, errors=[409])
async def sign_report(request: Request) -> Response:
    """The members asked can read it once signed."""
    secret = payload.text(await json_body(request), "passphrase", required=False,
                          max_length=500)
    async with authed(request) as ctx:
        signed = await report.sign(ctx.db, ctx.user, request.path_params["id"], secret=secret,
                                   timestamp_url=settings_of(request).tsa_url)
        return ok(await views.detail(ctx.db, ctx.user, signed))


@operation("The synthesis report as PDF (its draft: office and chair; signed: the members "
           "asked too)", tag="consultations", response=PDF, content="application/pdf")
async def report_pdf(request: Request) -> Response:
    """The composed, possibly signed, PDF."""
    async with authed(request) as ctx:
        _, data = await report.pdf_of(ctx.db, ctx.user, request.path_params["id"])
    return pdf_response(data, f"bao-cao-tong-hop-{request.path_params['id']}.pdf")


routes = [
    Route("/api/consultations", list_consultations, methods=["GET"]),
    Route("/api/consultations", create, methods=["POST"]),
    Route("/api/consultations/{id:int}", show, methods=["GET"]),
    Route("/api/consultations/{id:int}", update, methods=["PUT"]),
    Route("/api/consultations/{id:int}", discard, methods=["DELETE"]),
    Route("/api/consultations/{id:int}/submit", submit, methods=["POST"]),
    Route("/api/consultations/{id:int}/withdraw", withdraw, methods=["POST"]),
    Route("/api/consultations/{id:int}/approve", approve, methods=["POST"]),
    Route("/api/consultations/{id:int}/return", send_back, methods=["POST"]),
    Route("/api/consultations/{id:int}/close", close, methods=["POST"]),
    Route("/api/consultations/{id:int}/reply", reply, methods=["POST"]),
    Route("/api/consultations/{id:int}/papers/{user_id:int}", member_paper, methods=["GET"]),
    Route("/api/consultations/{id:int}/report", draft_report, methods=["POST"]),
    Route("/api/consultations/{id:int}/report/sign", sign_report, methods=["POST"]),
    Route("/api/consultations/{id:int}/report/pdf", report_pdf, methods=["GET"]),
]
