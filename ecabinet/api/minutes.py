"""Minutes of a meeting: draft, edit, review, sign, and read the PDF."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import minutes, payload
from ecabinet.api.context import Authed, authed, json_body, ok, settings_of
from ecabinet.api.spec import (
    BOOL,
    FILE,
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
from ecabinet.models import MinutesStatus, OfficialPdfStatus

SECTION = named("MinutesSection", record(key=STR, heading=STR, paragraphs=arr(STR),
                                         summary=STR))
# A section as the secretary sends it: a missing key names a new custom section; keys
# must differ; blank paragraphs are dropped.
SECTION_BODY = obj(
    key=nullable({"type": "string", "maxLength": 40}),
    heading={"type": "string", "maxLength": 500},
    paragraphs={**arr({"type": "string", "maxLength": minutes.MAX_TEXT}),
                "maxItems": minutes.MAX_PARAGRAPHS},
    summary={"type": "string", "maxLength": minutes.MAX_TEXT})
# A composed official document (minutes, conclusion notice) and its signatures so far.
OFFICIAL_PDF = named("OfficialPdf", record(
    id=ID, kind=enum_of(["minutes", "conclusion"]), number=STR,
    status=enum_of(OfficialPdfStatus), version=ID,
    signatures=arr(record(role=STR, user_id=nullable(ID), signer_name=STR,
                          certificate_serial=STR, signed_at=TIME)),
    next=nullable(record(role=STR, user_id=ID))))
MINUTES = named("Minutes", record(
    id=ID, meeting_id=ID, status=enum_of(MinutesStatus), number=STR, sections=arr(SECTION),
    version=INT, drafted_by=nullable(ID), reviewed_by=nullable(ID), review_comment=STR,
    signed_at=nullable(TIME), updated_at=TIME, pdf=nullable(OFFICIAL_PDF)))
ACCESS = record(manage=BOOL, chair=BOOL)
STATE = named("MinutesState", record(access=ACCESS, minutes=nullable(MINUTES)))
PDF = FILE
SIGN = obj(passphrase=nullable(STR))


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF shown inline by the browser, never cached by intermediaries."""
    return Response(data, media_type="application/pdf", headers={
        "content-disposition": f'inline; filename="{filename}"', "cache-control": "no-store",
    })


async def _state(ctx: Authed, meeting_id: int) -> Response:
    meeting, _ = await minutes.get_minutes(ctx.db, ctx.user, meeting_id)
    return ok(await minutes.snapshot(ctx.db, ctx.user, meeting))


@operation("The meeting's minutes (drafts: office and chair only)", tag="minutes",
           response=STATE, scope="conclusions:read")
async def get_minutes(request: Request) -> Response:
    """Minutes and the user's standing towards them."""
    async with authed(request) as ctx:
        return await _state(ctx, request.path_params["id"])


@operation("Draft the minutes from the meeting's records, or redraft (secretary)",
           tag="minutes", response=STATE, errors=[409])
async def draft(request: Request) -> Response:
    """Compose sections from attendance, agenda, questions, speakers and polls."""
    async with authed(request) as ctx:
        await minutes.draft(ctx.db, ctx.user, request.path_params["id"])
        return await _state(ctx, request.path_params["id"])


@operation("Save the secretary's edits", tag="minutes",
           body=obj(["sections"], sections={**arr(SECTION_BODY), "minItems": 1,
                                             "maxItems": minutes.MAX_SECTIONS},
                    version=nullable(INT)), response=STATE, errors=[409])
async def update(request: Request) -> Response:
    """Replace the sections; refused if the minutes changed since `version`."""
    body = await json_body(request)
    async with authed(request) as ctx:
        await minutes.update(ctx.db, ctx.user, request.path_params["id"], body.get("sections"),
                             version=payload.integer(body, "version", required=False))
        return await _state(ctx, request.path_params["id"])


@operation("Send the minutes to the chair for review (secretary)", tag="minutes",
           response=STATE, errors=[409])
async def submit(request: Request) -> Response:
    """Draft → review."""
    async with authed(request) as ctx:
        await minutes.submit(ctx.db, ctx.user, request.path_params["id"])
        return await _state(ctx, request.path_params["id"])


@operation("Approve the minutes: numbered and composed as PDF for signing (chair)",
           tag="minutes", response=STATE, errors=[409])
async def approve(request: Request) -> Response:
    """Review → approved."""
    async with authed(request) as ctx:
        await minutes.approve(ctx.db, ctx.user, request.path_params["id"])
        return await _state(ctx, request.path_params["id"])


@operation("Return the minutes to the secretary with a comment (chair)", tag="minutes",
           body=obj(["comment"], comment=STR), response=STATE, errors=[409])
async def send_back(request: Request) -> Response:
    """Review or approved → draft."""
    body = await json_body(request)
    async with authed(request) as ctx:
        await minutes.send_back(ctx.db, ctx.user, request.path_params["id"],
                                payload.text(body, "comment", max_length=5000))
        return await _state(ctx, request.path_params["id"])


@operation("Sign the minutes with one's key: secretary first, then chair", tag="minutes",
           body=SIGN, response=STATE, errors=[409])
async def sign(request: Request) -> Response:
    """Add a PAdES signature; the passphrase (or PIN) is used once and never stored."""
    body = await json_body(request)
    secret = payload.text(body, "passphrase", required=False, max_length=500)
    async with authed(request) as ctx:
        await minutes.sign(ctx.db, ctx.user, request.path_params["id"], secret=secret,
                           timestamp_url=settings_of(request).tsa_url)
        return await _state(ctx, request.path_params["id"])


@operation("The minutes as PDF (current version: awaiting signatures or signed)",
           tag="minutes", response=PDF, content="application/pdf", scope="conclusions:read")
async def pdf(request: Request) -> Response:
    """The composed, possibly signed, PDF."""
    async with authed(request) as ctx:
        _, data = await minutes.pdf_of(ctx.db, ctx.user, request.path_params["id"])
    return pdf_response(data, f"bien-ban-hop-{request.path_params['id']}.pdf")


routes = [
    Route("/api/meetings/{id:int}/minutes", get_minutes, methods=["GET"]),
    Route("/api/meetings/{id:int}/minutes", update, methods=["PUT"]),
    Route("/api/meetings/{id:int}/minutes/draft", draft, methods=["POST"]),
    Route("/api/meetings/{id:int}/minutes/submit", submit, methods=["POST"]),
    Route("/api/meetings/{id:int}/minutes/approve", approve, methods=["POST"]),
    Route("/api/meetings/{id:int}/minutes/return", send_back, methods=["POST"]),
    Route("/api/meetings/{id:int}/minutes/sign", sign, methods=["POST"]),
    Route("/api/meetings/{id:int}/minutes/pdf", pdf, methods=["GET"]),
]
