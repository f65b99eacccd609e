"""The conclusion notice of a meeting: write it, send it for signature, sign and issue it."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import conclusions, payload
from ecabinet.api.context import Authed, authed, json_body, ok, settings_of
from ecabinet.api.minutes import ACCESS, OFFICIAL_PDF, PDF, SIGN, pdf_response
from ecabinet.api.spec import (
    DATE,
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
from ecabinet.api.tasks import DEADLINE, TASK_IN, task_input
from ecabinet.api.tasks import TASK as TASK_VIEW
from ecabinet.models import ConclusionStatus

# The draft as the secretary sends it: items and tasks with an id are kept and changed,
# those without are new, those left out are removed.
ITEM = obj(["title"], id=nullable(ID), agenda_item_id=nullable(ID), title=STR,
           text=nullable(STR), tasks=arr(TASK_IN))
BODY = obj(["summary"], summary=STR, opening=nullable(STR), closing=nullable(STR),
           recipient_unit_ids=nullable(arr(ID)), items=arr(ITEM), version=nullable(INT))
CONCLUSION = named("Conclusion", record(
    id=ID, meeting_id=ID, status=enum_of(ConclusionStatus), number=STR, summary=STR,
    opening=STR, closing=STR, place=STR, issue_date=nullable(DATE), issued_at=nullable(TIME),
    signer_id=nullable(ID), return_comment=STR, version=INT, deadline=DEADLINE,
    recipients=arr(record(id=ID, name=STR)),
    items=arr(record(id=ID, agenda_item_id=nullable(ID), title=STR, text=STR,
                     tasks=arr(TASK_VIEW))),
    pdf=nullable(OFFICIAL_PDF)))
STATE = named("ConclusionState", record(access=ACCESS, deadline=DEADLINE,
                                        conclusion=nullable(CONCLUSION)))


def conclusion_input(body: dict[str, Any]) -> conclusions.ConclusionInput:
    """The notice as the form sends it, typed."""
    items = []
    for item in payload.items(body, "items"):
        items.append(conclusions.ItemInput(
            id=payload.integer(item, "id", required=False),
            agenda_item_id=payload.integer(item, "agenda_item_id", required=False),
            title=payload.text(item, "title", max_length=500),
            text=payload.text(item, "text", required=False, max_length=20000),
            tasks=[task_input(task) for task in payload.items(item, "tasks")],
        ))
    return conclusions.ConclusionInput(
        summary=payload.text(body, "summary", max_length=500),
        opening=payload.text(body, "opening", required=False, max_length=20000),
        closing=payload.text(body, "closing", required=False, max_length=5000),
        items=items,
        recipient_unit_ids=payload.optional_int_list(body, "recipient_unit_ids") or [],
        version=payload.integer(body, "version", required=False),
    )


async def _state(ctx: Authed, meeting_id: int) -> Response:
    meeting, _ = await conclusions.get_conclusion(ctx.db, ctx.user, meeting_id)
    return ok(await conclusions.snapshot(ctx.db, ctx.user, meeting))


@operation("The meeting's conclusion notice and its due date", tag="conclusions",
           response=STATE, scope="conclusions:read")
async def get_conclusion(request: Request) -> Response:
    """Drafts for the office and chair; the issued notice for members and its units."""
    async with authed(request) as ctx:
        return await _state(ctx, request.path_params["id"])


@operation("Start the conclusion notice (secretary)", tag="conclusions", response=STATE,
           errors=[409])
async def create(request: Request) -> Response:
    """One section per agenda item; the invited units as recipients."""
    async with authed(request) as ctx:
        await conclusions.create(ctx.db, ctx.user, request.path_params["id"])
        return await _state(ctx, request.path_params["id"])


@operation("Save the draft notice: conclusions per item, tasks (secretary)",
           tag="conclusions", body=BODY, response=STATE, errors=[409])
async def save(request: Request) -> Response:
    """Items and tasks are matched by id; those left out are removed."""
    data = conclusion_input(await json_body(request))
    async with authed(request) as ctx:
        await conclusions.save(ctx.db, ctx.user, request.path_params["id"], data)
        return await _state(ctx, request.path_params["id"])


@operation("Send the notice to the chair for signature: numbered and composed (secretary)",
           tag="conclusions", response=STATE, errors=[409, 422])
async def submit(request: Request) -> Response:
    """Draft → signing."""
    async with authed(request) as ctx:
        await conclusions.submit(ctx.db, ctx.user, request.path_params["id"])
        return await _state(ctx, request.path_params["id"])


@operation("Return the notice unsigned with a comment (chair)", tag="conclusions",
           body=obj(["comment"], comment=STR), response=STATE, errors=[409])
async def send_back(request: Request) -> Response:
    """Signing → draft; the number is kept."""
    body = await json_body(request)
    async with authed(request) as ctx:
        await conclusions.send_back(ctx.db, ctx.user, request.path_params["id"],
                                    payload.text(body, "comment", max_length=5000))
        return await _state(ctx, request.path_params["id"])


@operation("Sign and issue the notice (chair): its tasks go to the responsible units",
           tag="conclusions", body=SIGN, response=STATE, errors=[409])
async def sign(request: Request) -> Response:
    """Signing → issued."""
    body = await json_body(request)
    secret = payload.text(body, "passphrase", required=False, max_length=500)
    async with authed(request) as ctx:
        await conclusions.sign(ctx.db, ctx.user, request.path_params["id"], secret=secret,
                               timestamp_url=settings_of(request).tsa_url)
        return await _state(ctx, request.path_params["id"])


@operation("The notice as PDF (awaiting signature, or as issued)", tag="conclusions",
           response=PDF, content="application/pdf", scope="conclusions:read")
async def pdf(request: Request) -> Response:
    """The composed, possibly signed, PDF."""
    async with authed(request) as ctx:
        conclusion, data = await conclusions.pdf_of(ctx.db, ctx.user, request.path_params["id"])
        number = re.sub(r"[^A-Za-z0-9-]", "-", conclusion.number) or str(conclusion.id)
    return pdf_response(data, f"thong-bao-ket-luan-{number}.pdf")


routes = [
    Route("/api/meetings/{id:int}/conclusion", get_conclusion, methods=["GET"]),
    Route("/api/meetings/{id:int}/conclusion", create, methods=["POST"]),
    Route("/api/meetings/{id:int}/conclusion", save, methods=["PUT"]),
    Route("/api/meetings/{id:int}/conclusion/submit", submit, methods=["POST"]),
    Route("/api/meetings/{id:int}/conclusion/return", send_back, methods=["POST"]),
    Route("/api/meetings/{id:int}/conclusion/sign", sign, methods=["POST"]),
    Route("/api/meetings/{id:int}/conclusion/pdf", pdf, methods=["GET"]),
]
