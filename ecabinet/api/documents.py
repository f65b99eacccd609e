"""Documents: upload and revise (secretary), read page by page, search, download, briefcase."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection, Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ecabinet import accounts, documents, payload, search
from ecabinet.api.context import authed, json_body, ok, session_token
from ecabinet.api.spec import (
    BOOL,
    COUNT,
    EMPTY,
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
from ecabinet.api.uploads import received_pdf
from ecabinet.consultations.access import get_consultation
from ecabinet.document_owners import ConsultationOwner
from ecabinet.documents import Library
from ecabinet.errors import Invalid
from ecabinet.models import ConsultationStatus, MeetingStatus, User, VersionStatus
from ecabinet.pdf.convert import MEDIA_TYPES
from ecabinet.pdf.render import image_file_media_type

VERSION = named("DocumentVersion", record(
    id=ID, number=ID, status=enum_of(VersionStatus), error=STR, pages=COUNT, size=COUNT,
    filename=STR, uploaded_at=TIME, after_publish=BOOL, source_name=STR))
# A document belongs to an agenda item (meeting_id, item_id) or to a consultation.
DOCUMENT_FIELDS = {
    "id": ID, "meeting_id": nullable(ID), "item_id": nullable(ID),
    "consultation_id": nullable(ID), "title": STR, "position": INT,
    "restricted": BOOL, "readers": arr(record(id=ID, name=STR)), "downloadable": BOOL,
    "version": nullable(VERSION), "readable": nullable(VERSION), "versions": COUNT,
    "updated": BOOL, "updated_at": TIME,
}
DOCUMENT = named("Document", record(**DOCUMENT_FIELDS))
NUMBER = {"type": "number"}
# A readable version's page sizes in points, [width, height] per page.
DESCRIBED = record(**DOCUMENT_FIELDS, history=arr(VERSION),
                   pages=arr({**arr(NUMBER), "minItems": 2, "maxItems": 2}),
                   meeting_status=nullable(enum_of(MeetingStatus)),
                   consultation_status=nullable(enum_of(ConsultationStatus)))
# [x0, y0, x1, y1, word]: a word and its box in fractions of the page. (Not written with
# `prefixItems`, which schemathesis 4 cannot validate responses against.)
WORD = {**arr({"anyOf": [NUMBER, STR]}), "minItems": 5, "maxItems": 5,
        "description": "[x0, y0, x1, y1, word]"}
HIT = named("SearchHit", record(document_id=ID, title=STR, item_id=nullable(ID),
                                version_id=ID, page=ID, snippet=STR))
# What an upload may weigh, and the widths page images are offered in.
LIMITS = record(max_bytes=COUNT, max_pages=COUNT, widths=arr(INT))
DOC_BODY = obj(title=nullable(STR), restricted=nullable(BOOL), readers=nullable(arr(ID)))
# A width in pixels, one of the node's render widths (the agenda's `limits.widths`).
WIDTH = obj(w=INT)
SEARCH = obj(["q"], q=STR)
# Multipart text fields: a flag is on when "1", "true", "yes" or "on"; ids comma-separated.
FLAG = {"type": "string", "description": "on: 1, true, yes or on; anything else is off"}
IDS = {"type": "string", "pattern": "^[0-9, ]*$", "description": "user ids, comma-separated"}
PAGE = "/api/documents/{doc_id:int}/versions/{version_id:int}/pages/{page:int}"
UPLOAD = obj(["file"], file=FILE, title=STR, restricted=FLAG, readers=IDS)


def library_of(conn: HTTPConnection) -> Library:
    """The node's document library (store, worker pool, processing queue)."""
    library: Library = conn.app.state.library
    return library


def limits_of(conn: HTTPConnection) -> dict[str, Any]:
    """`LIMITS` of this node, for the screens that upload and read."""
    settings = library_of(conn).settings
    return {"max_bytes": settings.upload_max_bytes, "max_pages": settings.upload_max_pages,
            "widths": list(settings.render_widths)}


def _ids(raw: str) -> list[int]:
    try:
        return [int(part) for part in raw.replace(" ", "").split(",") if part]
    except ValueError as exc:
        raise Invalid("field_invalid", field="readers") from exc


def _flag(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _params(request: Request, *names: str) -> list[int]:
    return [int(request.path_params[name]) for name in names]


@operation("Upload a PDF as a new document of an agenda item (secretary); multipart/form-data "
           "with `file`, optional `title`, `restricted` and `readers` (comma-separated user ids). "
           "A .docx, .doc, .xlsx or .odt `file` is converted to PDF first and kept as the "
           "version's source",
           tag="documents", response=DOCUMENT, status=201, errors=[409],
           body=UPLOAD)
async def upload_document(request: Request) -> Response:
    """Validated before anything is kept; processing continues after the response."""
    (item_id,) = _params(request, "item_id")
    return await _upload(request, documents.check_can_add, documents.add_document, item_id)


@operation("Upload a PDF as a draft of a consultation being prepared (secretary); "
           "multipart/form-data with `file`, optional `title`, `restricted` and `readers`; "
           "a .docx, .doc, .xlsx or .odt `file` is converted to PDF first",
           tag="documents", response=DOCUMENT, status=201, errors=[409],
           body=UPLOAD)
async def upload_draft(request: Request) -> Response:
    """The same pipeline as a meeting's documents; drafts are fixed once it is sent."""
    (consultation_id,) = _params(request, "id")
    return await _upload(request, documents.check_can_add_draft, documents.add_draft,
                         consultation_id)


async def _upload(request: Request,
                  check: Callable[[AsyncSession, User, int], Awaitable[None]],
                  add: documents.Adder, place: int) -> Response:
    library = library_of(request)
    async with authed(request) as ctx:
        await check(ctx.db, ctx.user, place)
    async with received_pdf(request, library) as upload:
        view = await library.upload_document(
            session_token(request), add, place, upload.path, upload.filename,
            title=upload.fields.get("title", ""),
            restricted=_flag(upload.fields.get("restricted", "")),
            readers=_ids(upload.fields.get("readers", "")))
    return ok(view, 201)


@operation("A consultation's drafts the user may see, and the node's upload and page limits",
           tag="documents", response=record(documents=arr(DOCUMENT), limits=LIMITS))
async def consultation_documents(request: Request) -> Response:
    """What the consultation's page lists and the reader needs."""
    async with authed(request) as ctx:
        found = await get_consultation(ctx.db, ctx.user, request.path_params["id"])
        views = await documents.snapshot(ctx.db, ctx.user, ConsultationOwner(found))
    return ok({"documents": views, "limits": limits_of(request)})


@operation("Upload a new version of a document (secretary); multipart/form-data with `file` "
           "(a PDF, or a .docx, .doc, .xlsx or .odt converted to PDF)",
           tag="documents", response=DOCUMENT, body=obj(["file"], file=FILE), status=201,
           errors=[409])
async def upload_version(request: Request) -> Response:
    """Earlier versions stay stored; readers see the document marked updated."""
    library = library_of(request)
    (doc_id,) = _params(request, "doc_id")
    async with authed(request) as ctx:
        await documents.check_can_revise(ctx.db, ctx.user, doc_id)
    async with received_pdf(request, library) as upload:
        view = await library.upload_version(session_token(request), doc_id, upload.path,
                                            upload.filename)
    return ok(view, 201)


@operation("A document with its versions and the page sizes of its readable version",
           tag="documents", response=DESCRIBED, scope="documents:read")
async def get_document(request: Request) -> Response:
    """What the reader needs to lay out the pages."""
    async with authed(request) as ctx:
        return ok(await documents.describe(ctx.db, ctx.user, request.path_params["doc_id"]))


@operation("Rename a document or restrict it to named readers (secretary)", tag="documents",
           body=DOC_BODY, response=DOCUMENT, errors=[409])
async def update_document(request: Request) -> Response:
    """Readers who lose access are told to drop it."""
    body = await json_body(request)
    readers = payload.optional_int_list(body, "readers")
    restricted = payload.optional_bool(body, "restricted")
    async with authed(request) as ctx:
        doc = await documents.update_document(
            ctx.db, ctx.user, request.path_params["doc_id"],
            title=payload.text(body, "title", required=False, max_length=300) or None,
            restricted=restricted, readers=readers)
        view = await documents.view_of(ctx.db, doc)
    GRANTS.forget(doc.id)
    return ok(view)


@operation("Remove a document from the agenda (secretary)", tag="documents", response=EMPTY,
           errors=[409])
async def remove_document(request: Request) -> Response:
    """Its stored files stay, as the record of what was sent."""
    async with authed(request) as ctx:
        await documents.remove_document(ctx.db, ctx.user, request.path_params["doc_id"])
    GRANTS.forget(request.path_params["doc_id"])
    return ok({})


def _width(request: Request) -> int:
    widths = library_of(request).settings.render_widths
    width = payload.query_int(request.query_params.get("w"), "w")
    return widths[len(widths) // 2] if width is None else width


class PageGrants:
    """Recent "this login may read this version's pages" decisions, for a few seconds.

    A delegate turning pages asks for one image after another; each would otherwise take a
    database transaction (on SQLite, the write lock) just to repeat the same access check.
    Only unrestricted documents are remembered (restricted views are audited one by one),
    keyed by the signed session cookie, so losing access or logging out takes effect
    within `ttl` seconds for page images.
    """

    def __init__(self, ttl: float = 5.0, size: int = 20000) -> None:
        self.ttl = ttl
        self.size = size
        self._grants: dict[tuple[str, int, int], tuple[float, documents.PageImage]] = {}

    def get(self, cookie: str, doc_id: int, version_id: int) -> documents.PageImage | None:
        """The remembered grant, if still fresh."""
        found = self._grants.get((cookie, doc_id, version_id))
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, cookie: str, doc_id: int, version_id: int, image: documents.PageImage) -> None:
        """Remember that this login may read the version (an unrestricted one)."""
        if len(self._grants) >= self.size:
            now = time.monotonic()
            self._grants = {k: v for k, v in self._grants.items() if v[0] >= now}
            while len(self._grants) >= self.size:
                self._grants.pop(next(iter(self._grants)))
        self._grants[(cookie, doc_id, version_id)] = (time.monotonic() + self.ttl, image)

    def forget(self, doc_id: int | None = None) -> None:
        """Drop what this node remembers about a document (or everything)."""
        self._grants = {k: v for k, v in self._grants.items()
                        if doc_id is not None and k[1] != doc_id}


GRANTS = PageGrants()


async def _page(request: Request, library: Library) -> documents.PageImage:
    doc_id, version_id, page = _params(request, "doc_id", "version_id", "page")
    width = _width(request)
    cookie = request.cookies.get(accounts.SESSION_COOKIE, "")
    known = GRANTS.get(cookie, doc_id, version_id) if cookie else None
    if known is not None and 1 <= page <= known.pages and width in library.settings.render_widths:
        return replace(known, index=page - 1, width=width)
    async with authed(request) as ctx:
        image = await documents.page_image(
            ctx.db, ctx.user, library.root, doc_id, version_id, page, width,
            widths=library.settings.render_widths)
    if image.watermark is None:
        GRANTS.put(cookie, doc_id, version_id, image)
    return image


@operation("A page `w` pixels wide (one of the offered widths): lossless WebP for text "
           "and drawings, JPEG for scans and photos; restricted documents are watermarked "
           "for the viewer and every view is audited", tag="documents",
           content=["image/webp", "image/jpeg"], response=FILE, query=WIDTH, errors=[409])
async def page_image(request: Request) -> Response:
    """Served from the page cache; rendered once in a worker if not there yet."""
    library = library_of(request)
    image = await _page(request, library)
    path = await library.page_file(image)
    if image.watermark is not None:
        headers = {"cache-control": "no-store",
                   "x-watermark-time": quote(image.watermark.lines[-1])}
    else:
        headers = {"cache-control": "private, no-cache"}
    # The cache holds whichever format the page was encoded in; its first bytes say which.
    return FileResponse(path, media_type=image_file_media_type(path), headers=headers)


@operation("A page's thumbnail (PNG; while it is being made, a page image of that width); "
           "none for restricted documents", tag="documents",
           content=["image/png", "image/webp", "image/jpeg"], response=FILE, errors=[409])
async def page_thumbnail(request: Request) -> Response:
    """Made during processing."""
    library = library_of(request)
    doc_id, version_id, page = _params(request, "doc_id", "version_id", "page")
    async with authed(request) as ctx:
        sha, index = await documents.thumbnail(ctx.db, ctx.user, doc_id, version_id, page)
    path = await library.thumbnail_file(sha, index)
    return FileResponse(path, media_type=image_file_media_type(path),
                        headers={"cache-control": "private, no-cache"})


@operation("A page's words with boxes in [0, 1] of the page, for the text layer",
           tag="documents", response=record(words=arr(WORD)), errors=[409])
async def page_words(request: Request) -> Response:
    """[x0, y0, x1, y1, word] per word."""
    doc_id, version_id, page = _params(request, "doc_id", "version_id", "page")
    async with authed(request) as ctx:
        words = await documents.page_words(ctx.db, ctx.user, doc_id, version_id, page)
    return ok({"words": words})


@operation("Download the original PDF of a version (never for restricted documents)",
           tag="documents", content="application/pdf", response=FILE, errors=[409],
           scope="documents:read")
async def download_original(request: Request) -> Response:
    """The file exactly as uploaded; the download is audited."""
    library = library_of(request)
    doc_id, version_id = _params(request, "doc_id", "version_id")
    async with authed(request) as ctx:
        path, filename = await documents.original(ctx.db, ctx.user, library.root, doc_id,
                                                  version_id)
    return FileResponse(path, media_type="application/pdf", filename=filename,
                        headers={"cache-control": "private, no-cache"})


@operation("Download the Word/Excel/OpenDocument file a version was converted from (to "
           "those who may download its PDF; never for restricted documents); 404 when the "
           "version was uploaded as a PDF", tag="documents", content=list(MEDIA_TYPES.values()),
           response=FILE, errors=[409], scope="documents:read")
async def download_source(request: Request) -> Response:
    """The draft exactly as uploaded; the download is audited."""
    library = library_of(request)
    doc_id, version_id = _params(request, "doc_id", "version_id")
    async with authed(request) as ctx:
        path, filename, media_type = await documents.source(ctx.db, ctx.user, library.root,
                                                            doc_id, version_id)
    return FileResponse(path, media_type=media_type, filename=filename,
                        headers={"cache-control": "private, no-cache"})


# A version's bytes never change, so its URL may be cached for good; `private`: it is
# still one user's access-checked copy.
IMMUTABLE = "private, max-age=31536000, immutable"


@operation("The PDF of a version, to be drawn on the device (never for restricted "
           "documents); answers byte ranges (`Range: bytes=a-b` → 206)", tag="documents",
           content="application/pdf", response=FILE, errors=[409], scope="documents:read")
async def drawable_pdf(request: Request) -> Response:
    """The stored original, content-addressed: immutable and served in ranges."""
    library = library_of(request)
    doc_id, version_id = _params(request, "doc_id", "version_id")
    async with authed(request) as ctx:
        path, sha = await documents.drawable_pdf(ctx.db, ctx.user, library.root, doc_id,
                                                 version_id)
    return FileResponse(path, media_type="application/pdf", content_disposition_type="inline",
                        headers={"cache-control": IMMUTABLE, "etag": f'"{sha}"'})


@operation("Search one document (diacritics optional: \"ke hoach\" finds \"kế hoạch\")",
           tag="documents", response=record(hits=arr(HIT)), query=SEARCH, errors=[409])
async def search_document(request: Request) -> Response:
    """Pages of the readable version where the words occur, with snippets."""
    query = request.query_params.get("q", "")
    async with authed(request) as ctx:
        hits = await search.search_document(ctx.db, ctx.user, request.path_params["doc_id"], query)
    return ok({"hits": [h.view() for h in hits]})


@operation("Search every document of a meeting the user may see", tag="documents",
           response=record(hits=arr(HIT)), query=SEARCH)
async def search_meeting(request: Request) -> Response:
    """Pages across the meeting's documents, in agenda order."""
    query = request.query_params.get("q", "")
    async with authed(request) as ctx:
        hits = await search.search_meeting(ctx.db, ctx.user, request.path_params["id"], query)
    return ok({"hits": [h.view() for h in hits]})


@operation("Search every draft of a consultation the user may see", tag="documents",
           response=record(hits=arr(HIT)), query=SEARCH)
async def search_consultation(request: Request) -> Response:
    """Pages across the consultation's drafts."""
    query = request.query_params.get("q", "")
    async with authed(request) as ctx:
        hits = await search.search_consultation(ctx.db, ctx.user, request.path_params["id"],
                                                query)
    return ok({"hits": [h.view() for h in hits]})


# What the briefcase's JSON files weigh, roughly: shown before downloading, never relied on.
JSON_BYTES = {"agenda": 6000, "document": 2000, "annotations": 600, "words": 3000}
BRIEFCASE_FILE = record(url=STR, bytes=COUNT, document_id=nullable(ID))
BRIEFCASE_QUERY = obj(w=INT, form={"type": "string", "enum": ["pdf", "pages"],
                                   "description": "pdf (default): the documents' PDFs, "
                                                  "drawn on the device; pages: page images"})


@dataclass(frozen=True)
class BriefcaseFile:
    """One file of a briefcase and what it weighs."""

    url: str
    bytes: int
    document_id: int | None


def briefcase_files(meeting_id: int, entries: list[documents.BriefcaseEntry], form: str,
                    width: int) -> list[BriefcaseFile]:
    """The files a tablet keeps for a meeting, each with its size (estimated for JSON and
    for page images not rendered yet)."""
    files = [BriefcaseFile(f"/api/meetings/{meeting_id}/agenda", JSON_BYTES["agenda"], None)]
    for entry in entries:
        doc = entry.document_id
        version = f"/api/documents/{doc}/versions/{entry.version_id}"

        def add(url: str, size: int, doc: int = doc) -> None:
            files.append(BriefcaseFile(url, size, doc))

        add(f"/api/documents/{doc}", JSON_BYTES["document"])
        add(f"/api/documents/{doc}/annotations?version={entry.version_id}",
            JSON_BYTES["annotations"])
        if form == "pdf":
            add(f"{version}/pdf", entry.bytes)
            continue
        for n in range(1, entry.pages + 1):
            # A text page at 1280 px weighs ~45-60 KB as a palette WebP.
            add(f"{version}/pages/{n}/image?w={width}", width * 45)
            add(f"{version}/pages/{n}/words", JSON_BYTES["words"])
    return files


@operation("What a tablet keeps for reading offline, with each file's size: the agenda, each "
           "document's description and the user's annotations, and either its PDF "
           "(`form=pdf`, drawn on the device) or its page images at width `w` and text layers "
           "(`form=pages`, for devices that cannot draw PDFs). Restricted documents are never "
           "kept. Above `ask_above` bytes the tablet asks its user first. `keep` is false "
           "once the meeting is closed or the user may no longer read it",
           tag="documents", query=BRIEFCASE_QUERY,
           response=record(meeting_id=ID, keep=BOOL, bytes=COUNT, ask_above=COUNT,
                           files=arr(BRIEFCASE_FILE)))
async def briefcase(request: Request) -> Response:
    """The service worker's manifest."""
    width = _width(request)
    if width not in library_of(request).settings.render_widths:
        raise Invalid("width_not_offered",
                      widths=", ".join(map(str, library_of(request).settings.render_widths)))
    form = request.query_params.get("form", "pdf")
    if form not in ("pdf", "pages"):
        raise Invalid("field_invalid", field="form")
    meeting_id = request.path_params["id"]
    async with authed(request) as ctx:
        keep, entries = await documents.briefcase(ctx.db, ctx.user, meeting_id)
    files = briefcase_files(meeting_id, entries, form, width) if keep else []
    return ok({"meeting_id": meeting_id, "keep": keep, "bytes": sum(f.bytes for f in files),
               "ask_above": library_of(request).settings.briefcase_ask_bytes,
               "files": [asdict(f) for f in files]})


routes = [
    Route("/api/agenda/items/{item_id:int}/documents", upload_document, methods=["POST"]),
    Route("/api/documents/{doc_id:int}", get_document, methods=["GET"]),
    Route("/api/documents/{doc_id:int}", update_document, methods=["PUT"]),
    Route("/api/documents/{doc_id:int}", remove_document, methods=["DELETE"]),
    Route("/api/documents/{doc_id:int}/versions", upload_version, methods=["POST"]),
    Route(f"{PAGE}/image", page_image, methods=["GET"]),
    Route(f"{PAGE}/thumbnail", page_thumbnail, methods=["GET"]),
    Route(f"{PAGE}/words", page_words, methods=["GET"]),
    Route("/api/documents/{doc_id:int}/versions/{version_id:int}/original", download_original,
          methods=["GET"]),
    Route("/api/documents/{doc_id:int}/versions/{version_id:int}/source", download_source,
          methods=["GET"]),
    Route("/api/documents/{doc_id:int}/versions/{version_id:int}/pdf", drawable_pdf,
          methods=["GET"]),
    Route("/api/documents/{doc_id:int}/search", search_document, methods=["GET"]),
    Route("/api/meetings/{id:int}/search", search_meeting, methods=["GET"]),
    Route("/api/consultations/{id:int}/documents", upload_draft, methods=["POST"]),
    Route("/api/consultations/{id:int}/documents", consultation_documents, methods=["GET"]),
    Route("/api/consultations/{id:int}/search", search_consultation, methods=["GET"]),
    Route("/api/meetings/{id:int}/briefcase", briefcase, methods=["GET"]),
]
