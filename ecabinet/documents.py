"""Documents: upload, versions, who may see them, their pages, and their processing.

A document belongs to a meeting's agenda item or is a draft of a written consultation;
everything that depends on which (who reads it, who prepares it, where its events go) is
asked of its `Owner` (document_owners).

An upload is validated by PyMuPDF in a worker process before anything is kept; only then
is it stored under the documents directory by SHA-256 (so a new version never overwrites
an old one) and recorded. A Word, Excel or OpenDocument draft is first converted to PDF by
LibreOffice (pdf/convert.py), then goes the same way; its original is stored beside the
PDF, by its own SHA-256, and downloadable by those who may download the PDF.
Processing (text for search, word boxes for the text layer, thumbnails, page images at
tablet widths) runs in the `Library`'s worker pool, one
version at a time, and its state reaches screens as `document.updated` events.

A restricted document is seen only by its named readers and the secretaries preparing
its meeting or consultation: it is left out of their lists, searches and events, its pages carry a
watermark with the viewer's name, unit and time, its original cannot be downloaded,
and every page view is audited.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
import shutil
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import undefer

from ecabinet import accounts, agenda, audit, db, meetings
from ecabinet.config import Settings
from ecabinet.consultations import access
from ecabinet.document_owners import ConsultationOwner, MeetingOwner, Owner, owner_of
from ecabinet.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, TooLarge
from ecabinet.models import (
    AgendaItem,
    Document,
    DocumentPage,
    DocumentReader,
    DocumentVersion,
    Meeting,
    Unit,
    User,
    VersionStatus,
)
from ecabinet.models.base import utcnow
from ecabinet.pdf.cache import check_sha
from ecabinet.pdf.convert import MEDIA_TYPES, Converter, Limits, OfficeType, office_type
from ecabinet.pdf.pool import PdfWorkerCrashed, PdfWorkers
from ecabinet.pdf.validate import PdfInfo, PdfRejected, RejectCode, check_size
from ecabinet.pdf.watermark import Watermark
from ecabinet.vntext import fold
from ecabinet.workdays import VIETNAM

log = logging.getLogger(__name__)

V = VersionStatus
INCOMING = ".incoming"
MAX_READERS = 500
# A watermarked page carries the minute it was viewed in, so its cached image is of use
# for that minute only; what is older is deleted every few minutes.
WATERMARKED_KEEP_SECONDS = 180
WATERMARKED_PURGE_EVERY = 300


# -- storage ---------------------------------------------------------------------


def blob_path(root: Path, sha: str) -> Path:
    """Where the stored file with this SHA-256 lives (the name is the digest, never user text):
    an uploaded PDF, or the Word/Excel/OpenDocument draft a PDF was converted from."""
    check_sha(sha)
    return root / sha[:2] / f"{sha}.pdf"


def clean_filename(name: str) -> str:
    """The uploaded file's base name, for display and download only (never a path)."""
    base = PurePath(name.replace("\\", "/")).name if name else ""
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch)[0] != "C")
    return base.strip()[:255] or "document.pdf"


def rejection(exc: PdfRejected) -> DomainError:
    """The domain error for a refused upload (its code keys the translated message)."""
    params = dict(exc.params)
    if exc.code == RejectCode.TOO_LARGE:
        return TooLarge(exc.code.value, **params)
    return Invalid(exc.code.value, **params)


@dataclass(frozen=True)
class Source:
    """The Word/Excel/OpenDocument file an upload's PDF was converted from, stored by SHA-256;
    `created` if this upload wrote the file."""

    sha256: str
    filename: str
    media_type: str
    path: Path
    created: bool


@dataclass(frozen=True)
class Accepted:
    """A validated upload, stored by SHA-256; `created` if this upload wrote the file."""

    info: PdfInfo
    filename: str
    path: Path
    created: bool
    source: Source | None = None


# -- who sees a document ---------------------------------------------------------


async def reader_ids(session: AsyncSession, document_id: int) -> set[int]:
    """The named readers of a document."""
    return set((await session.scalars(
        select(DocumentReader.user_id).where(DocumentReader.document_id == document_id)
    )).all())


async def _restriction_allows(session: AsyncSession, user: User, doc: Document, owner: Owner
                              ) -> bool:
    if not doc.restricted:
        return True
    if await session.scalar(select(DocumentReader.id).where(
        DocumentReader.document_id == doc.id, DocumentReader.user_id == user.id
    )):
        return True
    return await owner.reads_restricted(session, user)


async def can_see(session: AsyncSession, user: User, doc: Document, owner: Owner) -> bool:
    """Whether the user may know the document exists and read it."""
    return await owner.can_read(session, user) and await _restriction_allows(
        session, user, doc, owner
    )


async def audience_of(session: AsyncSession, doc: Document, owner: Owner) -> list[int] | None:
    """Who receives this document's events: None for every member of the meeting."""
    base = await owner.audience(session)
    if not doc.restricted:
        return base
    allowed = await reader_ids(session, doc.id) | await owner.restricted_reader_ids(session)
    return sorted(allowed if base is None else allowed & set(base))


async def get_document(session: AsyncSession, user: User, document_id: int
                       ) -> tuple[Document, Owner]:
    """A document the user may see, with its owner; NotFound otherwise (it does not exist)."""
    doc = await session.get(Document, document_id)
    if doc is None:
        raise NotFound("document_not_found")
    owner = await owner_of(session, doc)
    if not await can_see(session, user, doc, owner):
        raise NotFound("document_not_found")
    return doc, owner


async def visible_documents(session: AsyncSession, user: User, owner: Owner) -> list[Document]:
    """The owner's documents this user may see, in agenda order."""
    if not await owner.can_read(session, user):
        return []
    docs = await owned_documents(session, owner)
    mine = await restricted_readable(session, user, owner, {d.id for d in docs if d.restricted})
    return [d for d in docs if not d.restricted or d.id in mine]


async def owned_documents(session: AsyncSession, owner: Owner) -> list[Document]:
    """Every document of a meeting (in agenda order) or of a consultation, before anyone's
    right to read it."""
    query = select(Document).where(_owned_by(owner))
    if owner.meeting_id is not None:
        query = query.join(AgendaItem, AgendaItem.id == Document.agenda_item_id).order_by(
            AgendaItem.position)
    return list((await session.scalars(query.order_by(Document.position, Document.id))).all())


def _owned_by(owner: Owner) -> ColumnElement[bool]:
    if owner.consultation_id is not None:
        return Document.consultation_id == owner.consultation_id
    return Document.meeting_id == owner.meeting_id


async def restricted_readable(session: AsyncSession, user: User, owner: Owner,
                              restricted: set[int]) -> set[int]:
    """Which of the owner's `restricted` documents the user may read: all of them for
    those who prepare it (`Owner.reads_restricted`), else those naming the user."""
    if not restricted or await owner.reads_restricted(session, user):
        return restricted
    return set((await session.scalars(
        select(DocumentReader.document_id).where(DocumentReader.user_id == user.id,
                                                 DocumentReader.document_id.in_(restricted))
    )).all())


# -- views -----------------------------------------------------------------------


async def _versions(session: AsyncSession, document_id: int) -> list[DocumentVersion]:
    return list((await session.scalars(
        select(DocumentVersion).where(DocumentVersion.document_id == document_id)
        .order_by(DocumentVersion.number.desc())
    )).all())


def version_view(v: DocumentVersion) -> dict[str, Any]:
    """One version as screens show it."""
    return {
        "id": v.id, "number": v.number, "status": v.status.value, "error": v.error,
        "pages": v.page_count, "size": v.byte_size, "filename": v.filename,
        "uploaded_at": v.created_at.isoformat(), "after_publish": v.after_publish,
        "source_name": v.source_name,
    }


async def document_view(session: AsyncSession, doc: Document, owner: Owner
                        ) -> dict[str, Any]:
    """A document as everyone allowed to see it sees it (the same for each of them)."""
    versions = await _versions(session, doc.id)
    latest = versions[0] if versions else None
    readable = next((v for v in versions if v.status == V.ready), None)
    readers: list[dict[str, Any]] = []
    if doc.restricted:
        rows = await session.execute(
            select(User.id, User.full_name).join(DocumentReader, DocumentReader.user_id == User.id)
            .where(DocumentReader.document_id == doc.id).order_by(User.full_name)
        )
        readers = [{"id": uid, "name": name} for uid, name in rows]
    updated = agenda.changed_after_publish(doc.created_at, 1, owner.published_at) or bool(
        latest and latest.after_publish and latest.number > 1
    )
    return {
        "id": doc.id,
        "meeting_id": doc.meeting_id,
        "item_id": doc.agenda_item_id,
        "consultation_id": doc.consultation_id,
        "title": doc.title,
        "position": doc.position,
        "restricted": doc.restricted,
        "readers": readers,
        "downloadable": not doc.restricted,
        "version": version_view(latest) if latest else None,
        "readable": version_view(readable) if readable else None,
        "versions": len(versions),
        "updated": updated,
        "updated_at": doc.updated_at.isoformat(),
    }


async def view_of(session: AsyncSession, doc: Document) -> dict[str, Any]:
    """`document_view` of a document just loaded or changed."""
    return await document_view(session, doc, await owner_of(session, doc))


async def snapshot(session: AsyncSession, user: User, owner: Owner) -> list[dict[str, Any]]:
    """Every document of the owner this user may see, for a screen starting fresh."""
    return [await document_view(session, d, owner)
            for d in await visible_documents(session, user, owner)]


async def describe(session: AsyncSession, user: User, document_id: int) -> dict[str, Any]:
    """A document with its version history and the page sizes of its readable version."""
    doc, owner = await get_document(session, user, document_id)
    view = await document_view(session, doc, owner)
    view["history"] = [version_view(v) for v in await _versions(session, doc.id)]
    view["pages"] = []
    if view["readable"]:
        view["pages"] = await _page_sizes(session, view["readable"]["id"])
    # The reader keeps a meeting's documents offline while it runs (its status says when).
    view["meeting_status"] = owner.status if owner.meeting_id is not None else None
    view["consultation_status"] = owner.status if owner.consultation_id is not None else None
    return view


async def _page_sizes(session: AsyncSession, version_id: int) -> list[list[float]]:
    rows = await session.execute(
        select(DocumentPage.width, DocumentPage.height)
        .where(DocumentPage.version_id == version_id).order_by(DocumentPage.number)
    )
    return [[w, h] for w, h in rows]


async def _emit(session: AsyncSession, doc: Document, owner: Owner) -> None:
    await owner.publish(session, "document.updated",
                        {"document": await document_view(session, doc, owner)},
                        await audience_of(session, doc, owner))


# -- preparing documents ---------------------------------------------------------


async def _editable_document(session: AsyncSession, user: User, document_id: int
                             ) -> tuple[Document, Owner]:
    doc, owner = await get_document(session, user, document_id)
    return doc, await owner.editable(session, user)


async def _editable_item(session: AsyncSession, actor: User, item_id: int
                         ) -> tuple[Owner, AgendaItem]:
    item = await session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("item_not_found")
    try:
        return MeetingOwner(await agenda.editable_meeting(session, actor, item.meeting_id)), item
    except NotFound as exc:
        raise NotFound("item_not_found") from exc


async def _editable_consultation(session: AsyncSession, actor: User, consultation_id: int
                                 ) -> Owner:
    consultation = await access.get_consultation(session, actor, consultation_id)
    return await ConsultationOwner(consultation).editable(session, actor)


async def check_can_add(session: AsyncSession, actor: User, item_id: int) -> None:
    """Refuse early (before an upload is read) if the actor may not add documents to the item."""
    await _editable_item(session, actor, item_id)


async def check_can_add_draft(session: AsyncSession, actor: User, consultation_id: int) -> None:
    """Refuse early if the actor may not add drafts to the consultation."""
    await _editable_consultation(session, actor, consultation_id)


async def check_can_revise(session: AsyncSession, actor: User, document_id: int) -> None:
    """Refuse early if the actor may not upload a new version of the document."""
    await _editable_document(session, actor, document_id)


async def _checked_readers(session: AsyncSession, owner: Owner, ids: Iterable[int]
                           ) -> set[int]:
    wanted = set(ids)
    if len(wanted) > MAX_READERS:
        raise Invalid("too_many_readers", max=MAX_READERS)
    if wanted - await owner.everyone(session):
        raise Invalid("reader_not_member")
    return wanted


async def add_document(
    session: AsyncSession, actor: User, item_id: int, accepted: Accepted, *,
    title: str = "", restricted: bool = False, readers: Sequence[int] = (),
) -> tuple[Document, DocumentVersion]:
    """Attach a validated, stored PDF to an agenda item as a new document (version 1)."""
    owner, item = await _editable_item(session, actor, item_id)
    return await _add(session, actor, owner, Document(agenda_item_id=item.id), accepted,
                      title=title, restricted=restricted, readers=readers)


async def add_draft(
    session: AsyncSession, actor: User, consultation_id: int, accepted: Accepted, *,
    title: str = "", restricted: bool = False, readers: Sequence[int] = (),
) -> tuple[Document, DocumentVersion]:
    """Attach a validated, stored PDF to a consultation being prepared as one of its drafts."""
    owner = await _editable_consultation(session, actor, consultation_id)
    return await _add(session, actor, owner, Document(), accepted,
                      title=title, restricted=restricted, readers=readers)


async def _add(
    session: AsyncSession, actor: User, owner: Owner, doc: Document, accepted: Accepted, *,
    title: str, restricted: bool, readers: Sequence[int],
) -> tuple[Document, DocumentVersion]:
    wanted = await _checked_readers(session, owner, readers) if restricted else set()
    # Office PDFs often carry junk titles ("Microsoft Word - tt12.docx"): the file's name,
    # which the secretary chose, comes before the PDF's own metadata.
    doc.title = (title.strip() or PurePath(accepted.filename).stem.strip()
                 or accepted.info.title.strip() or accepted.filename)[:300]
    doc.meeting_id, doc.consultation_id = owner.meeting_id, owner.consultation_id
    siblings = (Document.agenda_item_id == doc.agenda_item_id if doc.agenda_item_id
                else Document.consultation_id == owner.consultation_id)
    doc.position = (await session.scalar(select(func.max(Document.position)).where(siblings))
                    or 0) + 1
    doc.restricted, doc.created_by_id = restricted, actor.id
    session.add(doc)
    await session.flush()
    for uid in sorted(wanted):
        session.add(DocumentReader(document_id=doc.id, user_id=uid))
    version = _new_version(doc, 1, accepted, actor, owner)
    session.add(version)
    await session.flush()
    await _emit(session, doc, owner)
    await audit.record(session, "document.add", actor_id=actor.id, object_type="document",
                       object_id=doc.id, meeting_id=owner.meeting_id,
                       data={"title": doc.title, "sha256": accepted.info.sha256,
                             "bytes": accepted.info.byte_size, "pages": accepted.info.page_count,
                             "restricted": restricted, "readers": sorted(wanted),
                             **_source_of(accepted), **_consultation_of(owner)})
    return doc, version


def _source_of(accepted: Accepted) -> dict[str, str]:
    # A converted upload's audit row names the file the office actually sent.
    source = accepted.source
    return {"source": source.filename, "source_sha256": source.sha256} if source else {}


def _consultation_of(owner: Owner) -> dict[str, int]:
    # Audit rows name a meeting in their own column; a consultation's draft names it here.
    return {"consultation_id": owner.consultation_id} if owner.consultation_id else {}


def _new_version(doc: Document, number: int, accepted: Accepted, actor: User | None,
                 owner: Owner) -> DocumentVersion:
    return DocumentVersion(
        document_id=doc.id, number=number, sha256=accepted.info.sha256,
        byte_size=accepted.info.byte_size, page_count=accepted.info.page_count,
        filename=accepted.filename, status=V.pending,
        uploaded_by_id=actor.id if actor else None,
        after_publish=owner.published,
        source_sha256=accepted.source.sha256 if accepted.source else "",
        source_name=accepted.source.filename if accepted.source else "",
        source_type=accepted.source.media_type if accepted.source else "",
    )


async def stage_document(
    session: AsyncSession, actor: User, place: int, data: bytes, *, filename: str,
    title: str = "", add: Adder = add_document,
) -> tuple[Document, DocumentVersion]:
    """Attach PDF bytes that the processing pipeline will validate and store on its next start,
    to an agenda item (`add_document`, the default) or a consultation (`add_draft`).

    For loaders that run without the node's data directory (the demo); a staged file that
    turns out invalid ends as a failed version, never as a stored file.
    """
    doc, version = await add(session, actor, place, staged(data, filename, title), title=title)
    version.staged = data
    await session.flush()
    return doc, version


def staged(data: bytes, filename: str, title: str = "") -> Accepted:
    """PDF bytes accepted unread, for `stage_document`: the pipeline validates them later."""
    info = PdfInfo(sha256=hashlib.sha256(data).hexdigest(), byte_size=len(data), page_count=0,
                   title=title)
    return Accepted(info, clean_filename(filename), Path(), False)


async def add_version(session: AsyncSession, actor: User, document_id: int, accepted: Accepted
                      ) -> tuple[Document, DocumentVersion]:
    """A new version of a document; earlier versions stay stored and listed."""
    doc, owner = await _editable_document(session, actor, document_id)
    versions = await _versions(session, doc.id)
    # A draft converted again makes a PDF with a new date inside: compare what was sent.
    if versions and (versions[0].sha256 == accepted.info.sha256 or (
            accepted.source is not None
            and versions[0].source_sha256 == accepted.source.sha256)):
        raise Conflict("version_unchanged")
    version = _new_version(doc, (versions[0].number if versions else 0) + 1, accepted, actor,
                           owner)
    session.add(version)
    doc.updated_at = utcnow()
    await session.flush()
    await _emit(session, doc, owner)
    await audit.record(session, "document.version", actor_id=actor.id, object_type="document",
                       object_id=doc.id, meeting_id=owner.meeting_id,
                       data={"version": version.number, "sha256": version.sha256,
                             "bytes": version.byte_size, "pages": version.page_count,
                             **_source_of(accepted), **_consultation_of(owner)})
    return doc, version


async def update_document(
    session: AsyncSession, actor: User, document_id: int, *, title: str | None = None,
    restricted: bool | None = None, readers: Sequence[int] | None = None,
) -> Document:
    """Rename a document or change who may read it; those who lose it are told to drop it."""
    doc, owner = await _editable_document(session, actor, document_id)
    before_audience = await audience_of(session, doc, owner)
    before_readers = await reader_ids(session, doc.id)
    if title is not None:
        if not title.strip():
            raise Invalid("document_title_required")
        doc.title = title.strip()[:300]
    if restricted is not None:
        doc.restricted = restricted
    if readers is not None or restricted is not None:
        wanted = await _checked_readers(
            session, owner, readers if readers is not None else before_readers
        ) if doc.restricted else set()
        for row in (await session.scalars(
            select(DocumentReader).where(DocumentReader.document_id == doc.id)
        )).all():
            if row.user_id not in wanted:
                await session.delete(row)
        for uid in sorted(wanted - before_readers):
            session.add(DocumentReader(document_id=doc.id, user_id=uid))
    doc.updated_at = utcnow()
    await session.flush()
    after_audience = await audience_of(session, doc, owner)
    everyone = await owner.everyone(session)
    lost = ((everyone if before_audience is None else set(before_audience))
            - (everyone if after_audience is None else set(after_audience)))
    if lost:
        await owner.publish(session, "document.removed",
                            {"document_id": doc.id, "item_id": doc.agenda_item_id},
                            sorted(lost))
    await _emit(session, doc, owner)
    after_readers = await reader_ids(session, doc.id)
    await audit.record(session, "document.update", actor_id=actor.id, object_type="document",
                       object_id=doc.id, meeting_id=owner.meeting_id,
                       data={"title": doc.title, "restricted": doc.restricted,
                             "readers_added": sorted(after_readers - before_readers),
                             "readers_removed": sorted(before_readers - after_readers),
                             **_consultation_of(owner)})
    return doc


async def remove_document(session: AsyncSession, actor: User, document_id: int) -> None:
    """Take a document off the agenda (its stored files stay, as the record of what was sent)."""
    doc, owner = await _editable_document(session, actor, document_id)
    audience = await audience_of(session, doc, owner)
    data = {"document_id": doc.id, "item_id": doc.agenda_item_id}
    title = doc.title
    await session.delete(doc)
    await session.flush()
    await owner.publish(session, "document.removed", data, audience)
    await audit.record(session, "document.remove", actor_id=actor.id, object_type="document",
                       object_id=document_id, meeting_id=owner.meeting_id,
                       data={"title": title, **_consultation_of(owner)})


async def require_documents_ready(session: AsyncSession, meeting: Meeting) -> None:
    """Guard on a meeting's "submit": the chair must be able to read every document."""
    await require_ready(session, MeetingOwner(meeting))


async def require_ready(session: AsyncSession, owner: Owner) -> None:
    """Guard on submitting for approval: the chair must be able to read every document.

    Staged versions (bytes a loader recorded, stored and processed when the node starts)
    do not hold a submission up: the node stores and processes them as soon as it starts.
    """
    latest = (
        select(DocumentVersion.document_id, func.max(DocumentVersion.number).label("n"))
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(_owned_by(owner))
        .group_by(DocumentVersion.document_id).subquery()
    )
    rows = (await session.execute(
        select(DocumentVersion.status, Document.title)
        .join(latest, (latest.c.document_id == DocumentVersion.document_id)
              & (latest.c.n == DocumentVersion.number))
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(DocumentVersion.staged.is_(None))
    )).all()
    for status, title in rows:
        if status in (V.pending, V.processing):
            raise Conflict("documents_processing", title=title)
        if status == V.failed:
            raise Invalid("document_failed", title=title)


meetings.add_guard("submit", require_documents_ready)


# -- reading -----------------------------------------------------------------------


async def _ready_version(session: AsyncSession, user: User, document_id: int, version_id: int
                         ) -> tuple[Document, Owner, DocumentVersion]:
    doc, owner = await get_document(session, user, document_id)
    version = await session.get(DocumentVersion, version_id)
    if version is None or version.document_id != doc.id:
        raise NotFound("version_not_found")
    if version.status != V.ready:
        raise Conflict("version_not_ready", status=version.status.value)
    return doc, owner, version


def _check_page(version: DocumentVersion, number: int) -> int:
    if not 1 <= number <= version.page_count:
        raise NotFound("page_not_found")
    return number


def watermark_time(now: datetime) -> str:
    """The viewing time as a watermark shows it: Vietnam time, to the minute."""
    return now.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


async def watermark_for(session: AsyncSession, user: User, now: datetime) -> Watermark:
    """Name, unit and time of a viewer, stamped across each page of a restricted document."""
    unit = await session.get(Unit, user.unit_id) if user.unit_id else None
    return Watermark((user.full_name, unit.name if unit else user.title or user.username,
                      watermark_time(now)))


@dataclass(frozen=True)
class PageImage:
    """What is needed to serve one page image: the stored original and how to render it."""

    sha: str
    blob: Path
    index: int  # 0-based
    width: int
    watermark: Watermark | None
    pages: int  # the version's page count


async def page_image(
    session: AsyncSession, user: User, root: Path, document_id: int, version_id: int,
    number: int, width: int, *, widths: Sequence[int], now: datetime | None = None,
) -> PageImage:
    """Check the user may see page `number` (1-based) at `width` px; audit restricted views."""
    if width not in widths:
        raise Invalid("width_not_offered", widths=", ".join(str(w) for w in widths))
    doc, owner, version = await _ready_version(session, user, document_id, version_id)
    _check_page(version, number)
    watermark = None
    if doc.restricted:
        watermark = await watermark_for(session, user, now or utcnow())
        await audit.record(session, "document.view", actor_id=user.id, object_type="document",
                           object_id=doc.id, meeting_id=owner.meeting_id,
                           data={"version": version.number, "page": number, "width": width,
                                 **_consultation_of(owner)})
    return PageImage(version.sha256, blob_path(root, version.sha256), number - 1, width,
                     watermark, version.page_count)


async def thumbnail(session: AsyncSession, user: User, document_id: int, version_id: int,
                    number: int) -> tuple[str, int]:
    """(sha, 0-based page) of a thumbnail; restricted documents show none (view-only pages)."""
    doc, _owner, version = await _ready_version(session, user, document_id, version_id)
    if doc.restricted:
        raise Forbidden("restricted_view_only")
    _check_page(version, number)
    return version.sha256, number - 1


async def page_words(session: AsyncSession, user: User, document_id: int, version_id: int,
                     number: int) -> list[Any]:
    """Word boxes of one page for the text layer: [x0, y0, x1, y1, word] in [0, 1]; a
    restricted page's text is a view of it too, and audited as one."""
    doc, owner, version = await _ready_version(session, user, document_id, version_id)
    _check_page(version, number)
    if doc.restricted:
        await audit.record(session, "document.text", actor_id=user.id, object_type="document",
                           object_id=doc.id, meeting_id=owner.meeting_id,
                           data={"version": version.number, "page": number,
                                 **_consultation_of(owner)})
    words = await session.scalar(select(DocumentPage.words).where(
        DocumentPage.version_id == version.id, DocumentPage.number == number
    ))
    return list(words or [])


async def _downloadable(session: AsyncSession, user: User, document_id: int, version_id: int
                        ) -> tuple[Document, Owner, DocumentVersion]:
    doc, owner = await get_document(session, user, document_id)
    if doc.restricted:
        raise Forbidden("restricted_no_download")
    version = await session.get(DocumentVersion, version_id)
    if version is None or version.document_id != doc.id or version.status == V.pending:
        raise NotFound("version_not_found")
    return doc, owner, version


async def original(session: AsyncSession, user: User, root: Path, document_id: int,
                   version_id: int) -> tuple[Path, str]:
    """Path and file name of a stored original, for download; never for restricted documents."""
    doc, owner, version = await _downloadable(session, user, document_id, version_id)
    await audit.record(session, "document.download", actor_id=user.id, object_type="document",
                       object_id=doc.id, meeting_id=owner.meeting_id,
                       data={"version": version.number, **_consultation_of(owner)})
    return blob_path(root, version.sha256), version.filename


async def source(session: AsyncSession, user: User, root: Path, document_id: int,
                 version_id: int) -> tuple[Path, str, str]:
    """Path, file name and media type of the Word/Excel/OpenDocument file a version was
    converted from; to exactly those who may download its PDF (`original`)."""
    doc, owner, version = await _downloadable(session, user, document_id, version_id)
    if not version.source_sha256:
        raise NotFound("source_not_found")
    await audit.record(session, "document.download", actor_id=user.id, object_type="document",
                       object_id=doc.id, meeting_id=owner.meeting_id,
                       data={"version": version.number, "source": version.source_name,
                             **_consultation_of(owner)})
    return blob_path(root, version.source_sha256), version.source_name, version.source_type


async def drawable_pdf(session: AsyncSession, user: User, root: Path, document_id: int,
                       version_id: int) -> tuple[Path, str]:
    """(stored file, SHA-256) of a ready version for the reader to draw on the device.

    Never for restricted documents: their pages leave the server only as watermarked
    images. Not audited per request, as unrestricted page images are not: the reader
    fetches it in ranges, many requests per reading.
    """
    doc, _owner, version = await _ready_version(session, user, document_id, version_id)
    if doc.restricted:
        raise Forbidden("restricted_view_only")
    return blob_path(root, version.sha256), version.sha256


async def readable_version(session: AsyncSession, user: User, document_id: int
                           ) -> tuple[Document, Owner, DocumentVersion]:
    """The newest ready version of a document the user may see."""
    doc, owner = await get_document(session, user, document_id)
    version = await session.scalar(
        select(DocumentVersion).where(DocumentVersion.document_id == doc.id,
                                      DocumentVersion.status == V.ready)
        .order_by(DocumentVersion.number.desc()).limit(1)
    )
    if version is None:
        raise Conflict("version_not_ready", status="processing")
    return doc, owner, version


@dataclass(frozen=True)
class BriefcaseEntry:
    """One document's pages a tablet should keep for reading offline."""

    document_id: int
    version_id: int
    pages: int
    bytes: int  # the stored PDF's size


# The briefcase holds a meeting's documents from publication until the meeting closes.
BRIEFCASE_STATES = frozenset({agenda.S.published, agenda.S.in_session, agenda.S.adjourned})


async def briefcase(session: AsyncSession, user: User, meeting_id: int
                    ) -> tuple[bool, list[BriefcaseEntry]]:
    """(keep, entries): what to cache offline; keep is False once the meeting is closed.

    Restricted documents are never cached on a device: each of their views is watermarked
    with its time and audited.
    """
    meeting = await meetings.get_meeting(session, user, meeting_id)
    if meeting.status not in BRIEFCASE_STATES or not await agenda.can_read(session, user, meeting):
        return False, []
    entries = []
    for doc in await visible_documents(session, user, MeetingOwner(meeting)):
        if doc.restricted:
            continue
        version = await session.scalar(
            select(DocumentVersion).where(DocumentVersion.document_id == doc.id,
                                          DocumentVersion.status == V.ready)
            .order_by(DocumentVersion.number.desc()).limit(1)
        )
        if version is not None:
            entries.append(BriefcaseEntry(doc.id, version.id, version.page_count,
                                          version.byte_size))
    return True, entries


# -- the library: storage and processing --------------------------------------------


_Added = tuple[Document, DocumentVersion]


class Adder(Protocol):
    """`add_document` or `add_draft`."""

    def __call__(self, session: AsyncSession, actor: User, place: int, accepted: Accepted, /, *,
                 title: str = ..., restricted: bool = ..., readers: Sequence[int] = ...,
                 ) -> Awaitable[_Added]: ...


class Library:
    """This node's documents: the SHA-256 file store, the PDF worker pool, the processing queue."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession],
                 *, workers: PdfWorkers | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.root = settings.documents_dir
        self.pdf = workers or PdfWorkers(settings.cache_dir, workers=settings.pdf_workers,
                                         thumbnail_width=settings.thumbnail_width,
                                         memory_mb=settings.pdf_worker_memory_mb)
        self.converter = Converter(Limits(
            timeout_seconds=settings.convert_timeout_seconds,
            memory_bytes=settings.convert_memory_mb * 1024 * 1024,
            concurrency=settings.convert_concurrency))
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._consumer: asyncio.Task[None] | None = None
        self._purger: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()

    # lifecycle

    async def start(self) -> None:
        """Begin processing, picking up versions a previous run left unfinished."""
        self._consumer = asyncio.create_task(self._consume())
        self._purger = asyncio.create_task(self._purge_watermarked())
        try:
            async with self.sessions() as session:
                ids = (await session.scalars(
                    select(DocumentVersion.id)
                    .where(DocumentVersion.status.in_([V.pending, V.processing]))
                    .order_by(DocumentVersion.id)
                )).all()
        except Exception:  # a node without its schema yet still starts
            log.exception("could not look for unprocessed documents")
            return
        for version_id in ids:
            self.submit(version_id)

    async def stop(self) -> None:
        """Stop processing and the worker processes (unfinished versions resume next start)."""
        tasks = [t for t in (self._consumer, self._purger, *self._background) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.pdf.close()

    async def _purge_watermarked(self) -> None:
        while True:
            try:
                removed = await asyncio.to_thread(
                    self.pdf.cache.purge_watermarked, WATERMARKED_KEEP_SECONDS)
                if removed:
                    log.info("purged %d stale watermarked page images", removed)
            except Exception:
                log.exception("purging watermarked page images failed")
            await asyncio.sleep(WATERMARKED_PURGE_EVERY)

    def submit(self, version_id: int) -> None:
        """Queue a stored version for processing."""
        self._queue.put_nowait(version_id)

    async def drain(self) -> None:
        """Wait until every queued version is processed and its pages pre-rendered."""
        while True:
            await self._queue.join()
            pending = [t for t in self._background if not t.done()]
            if not pending:
                if self._queue.empty():
                    return
                continue
            await asyncio.gather(*pending, return_exceptions=True)

    # storage

    def blob(self, sha: str) -> Path:
        """Where the original with this digest is stored."""
        return blob_path(self.root, sha)

    def incoming(self) -> Path:
        """A fresh temporary path for an upload being received (same disk as the store)."""
        folder = self.root / INCOMING
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{secrets.token_hex(16)}.part"

    async def accept(self, temp: Path, filename: str) -> Accepted:
        """Validate an upload in a worker; if it is acceptable, move it into the store.

        A Word/Excel/OpenDocument draft is converted to PDF first; its PDF is then
        validated as any upload, and both files are stored only if it passes.
        """
        kind = office_type(filename)
        if kind is not None:
            return await self._accept_converted(temp, filename, kind)
        info = await self._validate(temp)
        target, created = self._store(temp, info.sha256)
        return Accepted(info, clean_filename(filename), target, created)

    async def _validate(self, path: Path) -> PdfInfo:
        try:
            return await self.pdf.validate(path, max_bytes=self.settings.upload_max_bytes,
                                           max_pages=self.settings.upload_max_pages)
        except PdfRejected as exc:
            raise rejection(exc) from exc
        except PdfWorkerCrashed as exc:
            raise Invalid(RejectCode.CORRUPT.value, detail="MuPDF") from exc

    def _store(self, path: Path, sha: str) -> tuple[Path, bool]:
        # (where, whether this call wrote it): an identical file stored before stays.
        target = self.blob(sha)
        created = not target.exists()
        if created:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
        return target, created

    async def _accept_converted(self, temp: Path, filename: str, kind: OfficeType
                                ) -> Accepted:
        # The work folder sits beside the upload (same disk: the PDF is renamed into
        # the store) and goes whatever happens, with LibreOffice's profile in it.
        size = await asyncio.to_thread(os.path.getsize, temp)
        try:  # an empty draft is an empty upload, whatever its name says
            check_size(size, max_bytes=self.settings.upload_max_bytes)
        except PdfRejected as exc:
            raise rejection(exc) from exc
        work = temp.with_suffix(".convert")
        work.mkdir()
        try:
            pdf = await self.converter.to_pdf(temp, kind, work)
            info = await self._validate(pdf)
            source_sha = await asyncio.to_thread(_sha256_of, temp)
            target, created = self._store(pdf, info.sha256)
            name = clean_filename(filename)
            try:
                kept, kept_created = self._store(temp, source_sha)
            except BaseException:
                if created:
                    target.unlink(missing_ok=True)
                raise
        finally:
            await asyncio.to_thread(shutil.rmtree, work, True)
        source = Source(source_sha, name, MEDIA_TYPES[kind], kept, kept_created)
        pdf_name = clean_filename(f"{PurePath(name).stem or 'document'}.pdf")
        return Accepted(info, pdf_name, target, created, source)

    async def page_file(self, image: PageImage) -> Path:
        """The page image's file: from the cache, else rendered once in a worker."""
        path = self.pdf.cached_page(image.sha, image.index, image.width, image.watermark)
        return path or await self._render(image.blob, image.sha, image.index, image.width,
                                          image.watermark)

    async def thumbnail_file(self, sha: str, index: int) -> Path:
        """The PNG thumbnail made at processing, else a page image of that width now."""
        path = self.pdf.cached_thumbnail(sha, index)
        if path is not None:
            return path
        return await self._render(self.blob(sha), sha, index, self.settings.thumbnail_width)

    async def _render(self, blob: Path, sha: str, index: int, width: int,
                      watermark: Watermark | None = None) -> Path:
        try:
            return await self.pdf.render_page(blob, sha, index, width, watermark)
        except RuntimeError as exc:  # PdfWorkerCrashed, out of memory, MuPDF failing
            log.warning("rendering page %d of %s failed: %s", index + 1, sha, exc)
            raise Conflict("page_unrenderable", page=index + 1) from exc

    async def upload_document(self, token: str, add: Adder, place: int, temp: Path,
                              filename: str, *, title: str = "", restricted: bool = False,
                              readers: Sequence[int] = ()) -> dict[str, Any]:
        """A received upload as a new document, as the token's user: `add_document` to an
        agenda item or `add_draft` to a consultation (`place` is the item's or its id)."""
        async def record(session: AsyncSession, user: User, accepted: Accepted) -> _Added:
            return await add(session, user, place, accepted, title=title,
                             restricted=restricted, readers=readers)

        return await self._ingest(token, temp, filename, record)

    async def upload_version(self, token: str, document_id: int, temp: Path, filename: str
                             ) -> dict[str, Any]:
        """A received upload as a new version of a document, as the token's user."""
        async def record(session: AsyncSession, user: User, accepted: Accepted) -> _Added:
            return await add_version(session, user, document_id, accepted)

        return await self._ingest(token, temp, filename, record)

    async def _ingest(self, token: str, temp: Path, filename: str,
                      record: Callable[[AsyncSession, User, Accepted], Awaitable[_Added]]
                      ) -> dict[str, Any]:
        # Validated and stored before any row refers to it; removed again if the row
        # cannot be written; processed only after the commit, so a worker never looks
        # for a version that is not there.
        accepted = await self.accept(temp, filename)
        try:
            async with db.transaction(self.sessions) as session:
                _login, user = await accounts.resolve_session(session, token)
                doc, version = await record(session, user, accepted)
                view = await view_of(session, doc)
        except BaseException:
            await self.discard(accepted)
            raise
        self.submit(version.id)
        return view

    async def discard(self, accepted: Accepted) -> None:
        """Undo `accept` after the upload could not be recorded (no row refers to the file)."""
        written = [(accepted.info.sha256, accepted.path)] if accepted.created else []
        if accepted.source is not None and accepted.source.created:
            written.append((accepted.source.sha256, accepted.source.path))
        for sha, path in written:
            async with self.sessions() as session:
                used = await session.scalar(select(DocumentVersion.id).where(
                    (DocumentVersion.sha256 == sha)
                    | (DocumentVersion.source_sha256 == sha)).limit(1))
            if used is None:
                path.unlink(missing_ok=True)

    # processing

    async def _consume(self) -> None:
        while True:
            version_id = await self._queue.get()
            try:
                await self.process(version_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("processing document version %s failed", version_id)
            finally:
                self._queue.task_done()

    async def _set_status(self, version_id: int, status: VersionStatus, error: str = "",
                          pages: Sequence[DocumentPage] = (), page_count: int | None = None
                          ) -> None:
        async with db.transaction(self.sessions) as session:
            # Locked and re-read: with several nodes, one restarting picks up a version
            # another may be processing still; whichever finishes second adds nothing.
            version = await session.get(DocumentVersion, version_id, with_for_update=True,
                                        populate_existing=True)
            if version is None or version.status in (V.ready, V.failed):
                return
            version.status = status
            version.error = error
            if page_count is not None:
                version.page_count = page_count
            if status in (V.ready, V.failed):
                version.processed_at = utcnow()
                version.staged = None
            session.add_all(pages)
            await session.flush()
            doc = await session.get(Document, version.document_id)
            if doc is not None:
                await _emit(session, doc, await owner_of(session, doc))

    async def process(self, version_id: int) -> None:
        """Store staged bytes, extract text and word boxes, make thumbnails, mark ready."""
        async with self.sessions() as session:
            version = await session.get(DocumentVersion, version_id,
                                        options=[undefer(DocumentVersion.staged)])
            if version is None or version.status in (V.ready, V.failed):
                return
            sha, staged = version.sha256, version.staged
        await self._set_status(version_id, V.processing)
        path = self.blob(sha)
        try:
            if staged is not None and not path.exists():
                info = await self.pdf.validate(staged, max_bytes=self.settings.upload_max_bytes,
                                               max_pages=self.settings.upload_max_pages)
                if info.sha256 != sha:
                    raise Invalid("pdf_corrupt", detail="sha256")
                await asyncio.to_thread(_write_blob, path, staged)
            if not path.exists():
                raise NotFound("version_not_found")
            pages = await self._pages(version_id, sha, path)
        except PdfRejected as exc:
            await self._set_status(version_id, V.failed, exc.code.value)
            return
        except DomainError as exc:
            await self._set_status(version_id, V.failed, exc.code)
            return
        # RuntimeError: PdfWorkerCrashed (and out of memory), or MuPDF failing on a page.
        except (RuntimeError, ValueError, OSError, IndexError):
            log.exception("document version %s could not be processed", version_id)
            await self._set_status(version_id, V.failed, "processing_failed")
            return
        await self._set_status(version_id, V.ready, pages=pages, page_count=len(pages))
        task = asyncio.create_task(self._prerender(path, sha))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _pages(self, version_id: int, sha: str, path: Path) -> list[DocumentPage]:
        # The same file processed before (another meeting, a re-upload): reuse its pages.
        async with self.sessions() as session:
            twin = await session.scalar(
                select(DocumentVersion.id).where(DocumentVersion.sha256 == sha,
                                                 DocumentVersion.status == V.ready,
                                                 DocumentVersion.id != version_id).limit(1)
            )
            if twin is not None:
                rows = (await session.scalars(
                    select(DocumentPage).where(DocumentPage.version_id == twin)
                    .order_by(DocumentPage.number)
                )).all()
                if rows and all(self.pdf.cached_thumbnail(sha, r.number - 1) for r in rows):
                    return [DocumentPage(version_id=version_id, number=r.number, width=r.width,
                                         height=r.height, text=r.text, folded=r.folded,
                                         words=r.words) for r in rows]
        result = await self.pdf.ingest(path, sha)
        # Folding is pure Python; a thread keeps the event loop serving meanwhile.
        folded = await asyncio.to_thread(lambda: [fold(text) for text in result.texts])
        return [
            DocumentPage(version_id=version_id, number=n + 1, width=size[0], height=size[1],
                         text=text, folded=folded[n], words=[list(w) for w in words])
            for n, (size, text, words) in enumerate(
                zip(result.page_sizes, result.texts, result.words, strict=True))
        ]

    async def _prerender(self, path: Path, sha: str) -> None:
        try:
            await self.pdf.render_all(path, sha, self.settings.render_widths)
        except asyncio.CancelledError:
            raise
        except Exception:  # pages are rendered on demand anyway
            log.exception("pre-rendering %s failed", sha)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _write_blob(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
