"""Annotations: a reader's overlays on a document, and "my annotated copy"."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import annotations as overlays
from ecabinet import payload
from ecabinet.api.context import authed, json_body, ok
from ecabinet.api.documents import library_of
from ecabinet.api.spec import (
    BOOL,
    EMPTY,
    FILE,
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
from ecabinet.errors import Invalid
from ecabinet.models import AnnotationKind


# Geometry is in fractions of the page, origin top-left: `rects` [x0, y0, x1, y1] for a
# highlight, `strokes` of [x, y] points and a `width` for ink, a point and `text` for a note.
def _geometry(unit: dict[str, Any]) -> list[dict[str, Any]]:
    pair = {**arr(unit), "minItems": 2, "maxItems": 2}
    quad = {**arr(unit), "minItems": 4, "maxItems": 4}
    return [
        record(rects={**arr(quad), "minItems": 1, "maxItems": overlays.MAX_RECTS}),
        record(strokes={**arr({**arr(pair), "minItems": 1, "maxItems": overlays.MAX_POINTS}),
                        "minItems": 1, "maxItems": overlays.MAX_STROKES},
               width={"type": "number", "minimum": 0.0005, "maximum": 0.05}),
        record(x=unit, y=unit, text={"type": "string", "minLength": 1,
                                     "maxLength": overlays.MAX_NOTE}),
    ]


KIND = enum_of(AnnotationKind)
COLOUR = {"type": "string", "pattern": "^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"}
ANNOTATION = named("Annotation", record(
    id=ID, document_id=ID, version_id=ID, user_id=ID, author=STR, page=ID, kind=KIND,
    data={"anyOf": _geometry({"type": "number", "minimum": 0, "maximum": 1})}, colour=COLOUR,
    shared=BOOL, updated_at=TIME))
# The geometry of the annotation's kind (a point a hair off the page is moved onto it).
DATA = {"anyOf": [{**g, "additionalProperties": True} for g in _geometry(
    {"type": "number", "minimum": -0.001, "maximum": 1.001})]}
# A colour as sent: empty or left out means the kind's default.
COLOUR_IN = {"type": "string", "pattern": "^(?:#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}))?$"}
NEW = obj(["version_id", "page", "kind", "data"], version_id=ID, page=ID, kind=KIND, data=DATA,
          colour=nullable(COLOUR_IN), shared=nullable(BOOL))
CHANGE = obj(data=nullable(DATA), colour=nullable(COLOUR_IN), shared=nullable(BOOL))


def _colour(body: dict[str, object]) -> str | None:
    value = body.get("colour")
    if value is not None and not isinstance(value, str):
        raise Invalid("field_invalid", field="colour")
    return value


@operation("My annotations on a document version and those shared with the meeting",
           tag="annotations", response=arr(ANNOTATION), query=obj(["version"], version=ID))
async def list_annotations(request: Request) -> Response:
    """`?version=<id>` picks the version (its pages are what the overlays sit on)."""
    version = payload.query_int(request.query_params.get("version"), "version")
    if version is None:
        raise Invalid("field_required", field="version")
    async with authed(request) as ctx:
        return ok(await overlays.list_annotations(ctx.db, ctx.user,
                                                     request.path_params["doc_id"], version))


@operation("Add a highlight, ink stroke or sticky note (private unless `shared`)",
           tag="annotations", body=NEW, response=ANNOTATION, status=201)
async def add_annotation(request: Request) -> Response:
    """Coordinates are fractions of the displayed page, origin top-left."""
    body = await json_body(request)
    async with authed(request) as ctx:
        a = await overlays.add_annotation(
            ctx.db, ctx.user, request.path_params["doc_id"],
            version_id=payload.required_int(body, "version_id"),
            page=payload.required_int(body, "page"),
            kind=payload.text(body, "kind", max_length=20), data=body.get("data"),
            colour=_colour(body), shared=payload.boolean(body, "shared"))
        return ok(overlays.annotation_view(a, ctx.user.full_name), 201)


@operation("Change my annotation: its geometry or text, colour, or sharing",
           tag="annotations", body=CHANGE, response=ANNOTATION)
async def update_annotation(request: Request) -> Response:
    """Unsharing removes it from everyone else's screen."""
    body = await json_body(request)
    async with authed(request) as ctx:
        a = await overlays.update_annotation(
            ctx.db, ctx.user, request.path_params["annotation_id"], data=body.get("data"),
            colour=_colour(body), shared=payload.optional_bool(body, "shared"))
        return ok(overlays.annotation_view(a, ctx.user.full_name))


@operation("Delete my annotation", tag="annotations", response=EMPTY)
async def remove_annotation(request: Request) -> Response:
    """Only the author may."""
    async with authed(request) as ctx:
        await overlays.remove_annotation(ctx.db, ctx.user,
                                            request.path_params["annotation_id"])
        return ok({})


@operation("My annotated copy: the document's PDF with my overlays as PDF annotations "
           "(never for restricted documents)", tag="annotations", content="application/pdf",
           response=FILE, errors=[409])
async def annotated_copy(request: Request) -> Response:
    """Composed on request in a worker; the original stays untouched."""
    library = library_of(request)
    async with authed(request) as ctx:
        path, filename, mine = await overlays.annotated_copy_plan(
            ctx.db, ctx.user, library.root, request.path_params["doc_id"])
        author = ctx.user.full_name
    data = await library.pdf.annotated_copy(path, mine, author=author)
    return Response(data, media_type="application/pdf", headers={
        "content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "cache-control": "private, no-store",
    })


routes = [
    Route("/api/documents/{doc_id:int}/annotations", list_annotations, methods=["GET"]),
    Route("/api/documents/{doc_id:int}/annotations", add_annotation, methods=["POST"]),
    Route("/api/documents/{doc_id:int}/annotated-copy", annotated_copy, methods=["GET"]),
    Route("/api/annotations/{annotation_id:int}", update_annotation, methods=["PUT"]),
    Route("/api/annotations/{annotation_id:int}", remove_annotation, methods=["DELETE"]),
]
