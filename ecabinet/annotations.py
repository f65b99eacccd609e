"""Annotations: a reader's highlights, ink and sticky notes on a document's pages.

They are overlays in normalised page coordinates ([0, 1] of the displayed page, origin
top-left), never written into the stored PDF. Private to their author unless shared with
the meeting (then everyone who may see the document sees them). "My annotated copy" is a
new PDF composed on request from the original and the author's own overlays.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, documents
from ecabinet.document_owners import Owner
from ecabinet.errors import Forbidden, Invalid, NotFound
from ecabinet.models import (
    Annotation,
    AnnotationKind,
    Document,
    DocumentVersion,
    User,
    VersionStatus,
)
from ecabinet.pdf import annotated

K = AnnotationKind
MAX_RECTS = 200
MAX_STROKES = 100
MAX_POINTS = 2000
MAX_NOTE = 4000
MAX_PER_USER_AND_DOCUMENT = 2000
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
DEFAULT_COLOURS = {K.highlight: "#ffeb3b", K.ink: "#d32f2f", K.note: "#ffc107"}


def _unit(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid("annotation_invalid")
    if not -0.001 <= value <= 1.001:
        raise Invalid("annotation_out_of_page")
    return round(min(1.0, max(0.0, float(value))), 5)


def clean_data(kind: AnnotationKind, data: Any) -> dict[str, Any]:
    """The overlay's geometry checked and rounded; Invalid if malformed or off the page."""
    if not isinstance(data, dict):
        raise Invalid("annotation_invalid")
    if kind == K.highlight:
        rects = data.get("rects")
        if not isinstance(rects, list) or not 1 <= len(rects) <= MAX_RECTS:
            raise Invalid("annotation_invalid")
        out = []
        for rect in rects:
            if not isinstance(rect, list) or len(rect) != 4:
                raise Invalid("annotation_invalid")
            x0, y0, x1, y1 = (_unit(v) for v in rect)
            out.append([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)])
        return {"rects": out}
    if kind == K.ink:
        strokes = data.get("strokes")
        if not isinstance(strokes, list) or not 1 <= len(strokes) <= MAX_STROKES:
            raise Invalid("annotation_invalid")
        clean = []
        for stroke in strokes:
            if not isinstance(stroke, list) or not 1 <= len(stroke) <= MAX_POINTS:
                raise Invalid("annotation_invalid")
            points = []
            for point in stroke:
                if not isinstance(point, list) or len(point) != 2:
                    raise Invalid("annotation_invalid")
                points.append([_unit(point[0]), _unit(point[1])])
            clean.append(points)
        width = data.get("width", 0.003)
        if isinstance(width, bool) or not isinstance(width, int | float) or not (
            0.0005 <= width <= 0.05
        ):
            raise Invalid("annotation_invalid")
        return {"strokes": clean, "width": float(width)}
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Invalid("note_text_required")
    if len(text) > MAX_NOTE:
        raise Invalid("field_too_long", field="text", max=MAX_NOTE)
    return {"x": _unit(data.get("x")), "y": _unit(data.get("y")), "text": text.strip()}


def clean_colour(colour: str | None, kind: AnnotationKind) -> str:
    """A #rgb or #rrggbb colour, or the kind's default."""
    if colour is None or colour == "":
        return DEFAULT_COLOURS[kind]
    if not _COLOUR.fullmatch(colour):
        raise Invalid("field_invalid", field="colour")
    return colour.lower()


def annotation_view(a: Annotation, author: str) -> dict[str, Any]:
    """An annotation as JSON (the same for its author and, once shared, for everyone)."""
    return {"id": a.id, "document_id": a.document_id, "version_id": a.version_id,
            "user_id": a.user_id, "author": author, "page": a.page, "kind": a.kind.value,
            "data": a.data, "colour": a.colour, "shared": a.shared,
            "updated_at": a.updated_at.isoformat()}


async def shown_ids(session: AsyncSession, user: User, ids: set[int],
                    readable: set[int]) -> set[int]:
    """Which of these annotations the user may see now: their own, or shared ones, on a
    document in `readable` (the ids of the documents the user may read)."""
    rows = await session.execute(
        select(Annotation.id, Annotation.user_id, Annotation.shared, Annotation.document_id)
        .where(Annotation.id.in_(ids)))
    return {aid for aid, author, shared, doc in rows
            if doc in readable and (author == user.id or shared)}


async def _audience(session: AsyncSession, a: Annotation, doc: Document, owner: Owner
                    ) -> list[int] | None:
    if not a.shared:
        return [a.user_id]
    return await documents.audience_of(session, doc, owner)


async def _emit(session: AsyncSession, a: Annotation, author: User, doc: Document,
                owner: Owner) -> None:
    await owner.publish(session, "annotation.updated",
                        {"annotation": annotation_view(a, author.full_name)},
                        await _audience(session, a, doc, owner))


async def list_annotations(session: AsyncSession, user: User, document_id: int,
                           version_id: int) -> list[dict[str, Any]]:
    """The user's own overlays on a version, and those others shared with the meeting."""
    doc, _owner = await documents.get_document(session, user, document_id)
    rows = await session.execute(
        select(Annotation, User.full_name).join(User, User.id == Annotation.user_id)
        .where(Annotation.document_id == doc.id, Annotation.version_id == version_id,
               or_(Annotation.user_id == user.id, Annotation.shared.is_(True)))
        .order_by(Annotation.page, Annotation.id)
    )
    return [annotation_view(a, name) for a, name in rows]


async def add_annotation(
    session: AsyncSession, user: User, document_id: int, *, version_id: int, page: int,
    kind: str, data: Any, colour: str | None = None, shared: bool = False,
) -> Annotation:
    """Add an overlay on a page of a version the user may read."""
    try:
        k = AnnotationKind(kind)
    except ValueError as exc:
        raise Invalid("field_invalid", field="kind") from exc
    doc, owner = await documents.get_document(session, user, document_id)
    version = await session.get(DocumentVersion, version_id)
    if version is None or version.document_id != doc.id or version.status != VersionStatus.ready:
        raise NotFound("version_not_found")
    if not 1 <= page <= version.page_count:
        raise NotFound("page_not_found")
    count = len((await session.scalars(
        select(Annotation.id).where(Annotation.document_id == doc.id,
                                    Annotation.user_id == user.id)
        .limit(MAX_PER_USER_AND_DOCUMENT)
    )).all())
    if count >= MAX_PER_USER_AND_DOCUMENT:
        raise Invalid("too_many_annotations", max=MAX_PER_USER_AND_DOCUMENT)
    a = Annotation(document_id=doc.id, version_id=version.id, user_id=user.id, page=page,
                   kind=k, data=clean_data(k, data), colour=clean_colour(colour, k),
                   shared=shared)
    session.add(a)
    await session.flush()
    await _emit(session, a, user, doc, owner)
    if shared:
        await audit.record(session, "annotation.share", actor_id=user.id,
                           object_type="annotation", object_id=a.id, meeting_id=owner.meeting_id,
                           data={"document_id": doc.id, "page": page})
    return a


async def _own(session: AsyncSession, user: User, annotation_id: int
               ) -> tuple[Annotation, Document, Owner]:
    a = await session.get(Annotation, annotation_id)
    if a is None:
        raise NotFound("annotation_not_found")
    try:
        doc, owner = await documents.get_document(session, user, a.document_id)
    except NotFound as exc:
        raise NotFound("annotation_not_found") from exc  # as if absent: ids reveal nothing
    if a.user_id != user.id:
        if a.shared:
            raise Forbidden("annotation_not_yours")
        raise NotFound("annotation_not_found")
    return a, doc, owner


async def update_annotation(
    session: AsyncSession, user: User, annotation_id: int, *, data: Any = None,
    colour: str | None = None, shared: bool | None = None,
) -> Annotation:
    """Change one's own overlay: its geometry or text, colour, or whether it is shared."""
    a, doc, owner = await _own(session, user, annotation_id)
    was_shared = a.shared
    before = await _audience(session, a, doc, owner)
    if data is not None:
        a.data = clean_data(a.kind, data)
    if colour is not None:
        a.colour = clean_colour(colour, a.kind)
    if shared is not None:
        a.shared = shared
    await session.flush()
    if was_shared and not a.shared:
        # Everyone else drops it first; the author then receives it back as private.
        await owner.publish(session, "annotation.removed",
                            {"annotation_id": a.id, "document_id": doc.id}, before)
    await _emit(session, a, user, doc, owner)
    if shared is not None and shared != was_shared:
        await audit.record(session, "annotation.share" if shared else "annotation.unshare",
                           actor_id=user.id, object_type="annotation", object_id=a.id,
                           meeting_id=owner.meeting_id, data={"document_id": doc.id})
    return a


async def remove_annotation(session: AsyncSession, user: User, annotation_id: int) -> None:
    """Delete one's own overlay."""
    a, doc, owner = await _own(session, user, annotation_id)
    audience = await _audience(session, a, doc, owner)
    await session.delete(a)
    await session.flush()
    await owner.publish(session, "annotation.removed",
                        {"annotation_id": annotation_id, "document_id": doc.id}, audience)


def to_overlay(a: Annotation) -> annotated.Annotation:
    """The PDF engine's form of an overlay (0-based page)."""
    page = a.page - 1
    if a.kind == K.highlight:
        return annotated.Highlight(page, [tuple(r) for r in a.data["rects"]], a.colour)
    if a.kind == K.ink:
        return annotated.Ink(page, [[(p[0], p[1]) for p in s] for s in a.data["strokes"]],
                             a.colour, float(a.data.get("width", 0.003)))
    return annotated.Note(page, float(a.data["x"]), float(a.data["y"]), a.data["text"], a.colour)


async def annotated_copy_plan(
    session: AsyncSession, user: User, root: Path, document_id: int
) -> tuple[Path, str, Sequence[annotated.Annotation]]:
    """(stored original, download name, the user's overlays) for "my annotated copy"."""
    doc, owner, version = await documents.readable_version(session, user, document_id)
    if doc.restricted:
        raise Forbidden("restricted_no_download")
    rows = (await session.scalars(
        select(Annotation).where(Annotation.document_id == doc.id,
                                 Annotation.version_id == version.id,
                                 Annotation.user_id == user.id)
        .order_by(Annotation.page, Annotation.id)
    )).all()
    await audit.record(session, "document.annotated_copy", actor_id=user.id,
                       object_type="document", object_id=doc.id, meeting_id=owner.meeting_id,
                       data={"version": version.number, "annotations": len(rows)})
    stem = version.filename.rsplit(".", 1)[0] or "tai-lieu"
    return (documents.blob_path(root, version.sha256), f"{stem} - ghi chu.pdf",
            [to_overlay(a) for a in rows])
