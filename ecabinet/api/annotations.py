"""Annotations: a reader's overlays on a document, and "my annotated copy"."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import annotations as overlays
from ecabinet import payload
from ecabinet.api.context import authed, json_body, ok
from ecabinet.api.documents import library_of
from ecabinet.api.spec import ANY, BOOL, INT, STR, arr, obj, operation
from ecabinet.errors import Invalid

ANNOTATION = obj(id=INT, document_id=INT, version_id=INT, user_id=INT, author=STR, page=INT,
                 kind=STR, data=ANY, colour=STR, shared=BOOL, updated_at=STR)
NEW = obj(["version_id", "page", "kind", "data"], version_id=INT, page=INT, kind=STR, data=ANY,
          colour=STR, shared=BOOL)
CHANGE = obj(data=ANY, colour=STR, shared=BOOL)


def _shared(body: dict[str, object]) -> bool | None:
    value = body.get("shared")
    if value is not None and not isinstance(value, bool):
        raise Invalid("field_invalid", field="shared")
    return value


def _colour(body: dict[str, object]) -> str | None:
    value = body.get("colour")
    if value is not None and not isinstance(value, str):
        raise Invalid("field_invalid", field="colour")
    return value


@operation("My annotations on a document version and those shared with the meeting",
           tag="annotations", response=arr(ANNOTATION))
async def list_annotations(request: Request) -> Response:
    """`?version=<id>` picks the version (its pages are what the overlays sit on)."""
    raw = request.query_params.get("version", "")
    if not raw.isdigit():
        raise Invalid("field_required", field="version")
    async with authed(request) as ctx:
        return ok(await overlays.list_annotations(ctx.db, ctx.user,
                                                     request.path_params["doc_id"], int(raw)))


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
            colour=_colour(body), shared=bool(_shared(body)))
        return ok(overlays.annotation_view(a, ctx.user.full_name), 201)


@operation("Change my annotation: its geometry or text, colour, or sharing",
           tag="annotations", body=CHANGE, response=ANNOTATION)
async def update_annotation(request: Request) -> Response:
    """Unsharing removes it from everyone else's screen."""
    body = await json_body(request)
    async with authed(request) as ctx:
        a = await overlays.update_annotation(
            ctx.db, ctx.user, request.path_params["annotation_id"], data=body.get("data"),
            colour=_colour(body), shared=_shared(body))
        return ok(overlays.annotation_view(a, ctx.user.full_name))


@operation("Delete my annotation", tag="annotations", response=obj())
async def remove_annotation(request: Request) -> Response:
    """Only the author may."""
    async with authed(request) as ctx:
        await overlays.remove_annotation(ctx.db, ctx.user,
                                            request.path_params["annotation_id"])
        return ok({})


@operation("My annotated copy: the document's PDF with my overlays as PDF annotations "
           "(never for restricted documents)", tag="annotations", content="application/pdf",
           response={"type": "string", "format": "binary"})
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
