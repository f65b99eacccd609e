"""Searching the text of a meeting's documents, with or without Vietnamese diacritics.

Page text is stored folded (lower case, diacritics removed, đ → d: `vntext.fold`), so
"ke hoach" and "Kế hoạch" both find "KẾ HOẠCH"; snippets are cut from the original text
so results read with their diacritics. Only documents the user may see are searched,
and a hit in a restricted document is audited as a view of its pages: the snippet is
its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, documents, meetings
from ecabinet.consultations import access
from ecabinet.document_owners import ConsultationOwner, MeetingOwner, Owner
from ecabinet.errors import Invalid
from ecabinet.models import Document, DocumentPage, DocumentVersion, User, VersionStatus
from ecabinet.vntext import fold, snippet

MIN_QUERY = 2
MAX_QUERY = 200
MAX_HITS = 100


@dataclass(frozen=True)
class Hit:
    """One page where the query occurs."""

    document_id: int
    title: str
    item_id: int | None  # None for a consultation's draft
    version_id: int
    page: int  # 1-based
    snippet: str

    def view(self) -> dict[str, Any]:
        """The hit as JSON."""
        return {"document_id": self.document_id, "title": self.title, "item_id": self.item_id,
                "version_id": self.version_id, "page": self.page, "snippet": self.snippet}


def folded_query(query: str) -> str:
    """The query as stored text is folded; Invalid when too short or too long to be useful."""
    if len(query) > MAX_QUERY:
        raise Invalid("search_query_long", max=MAX_QUERY)
    folded = fold(query)
    if len(folded) < MIN_QUERY:
        raise Invalid("search_query_short", min=MIN_QUERY)
    return folded


async def _latest_ready(session: AsyncSession, docs: list[Document]) -> dict[int, Document]:
    """Newest ready version id → its document, for each document."""
    if not docs:
        return {}
    by_id = {d.id: d for d in docs}
    rows = await session.execute(
        select(DocumentVersion.id, DocumentVersion.document_id, DocumentVersion.number)
        .where(DocumentVersion.document_id.in_(by_id),
               DocumentVersion.status == VersionStatus.ready)
    )
    best: dict[int, tuple[int, int]] = {}
    for version_id, document_id, number in rows:
        if document_id not in best or number > best[document_id][1]:
            best[document_id] = (version_id, number)
    return {version_id: by_id[doc_id] for doc_id, (version_id, _n) in best.items()}


async def _search(session: AsyncSession, user: User, versions: dict[int, Document], query: str,
                  limit: int) -> list[Hit]:
    if not versions:
        return []
    rows = await session.execute(
        select(DocumentPage.version_id, DocumentPage.number, DocumentPage.text)
        .where(DocumentPage.version_id.in_(versions),
               DocumentPage.folded.contains(query, autoescape=True))
        .order_by(DocumentPage.version_id, DocumentPage.number).limit(limit)
    )
    order = {vid: i for i, vid in enumerate(versions)}
    hits = [
        Hit(versions[vid].id, versions[vid].title, versions[vid].agenda_item_id, vid, number,
            snippet(text, query))
        for vid, number, text in rows
    ]
    hits.sort(key=lambda h: (order[h.version_id], h.page))
    await _audit_restricted(session, user, versions, hits, query)
    return hits


async def _audit_restricted(session: AsyncSession, user: User, versions: dict[int, Document],
                            hits: list[Hit], query: str) -> None:
    pages: dict[int, list[int]] = {}
    for hit in hits:
        if versions[hit.version_id].restricted:
            pages.setdefault(hit.version_id, []).append(hit.page)
    for version_id, numbers in pages.items():
        doc = versions[version_id]
        await audit.record(session, "document.search", actor_id=user.id,
                           object_type="document", object_id=doc.id, meeting_id=doc.meeting_id,
                           data={"version_id": version_id, "pages": numbers, "query": query})


async def search_meeting(session: AsyncSession, user: User, meeting_id: int, query: str,
                         *, limit: int = MAX_HITS) -> list[Hit]:
    """Pages of the meeting's documents (those the user may see) where the query occurs."""
    folded = folded_query(query)
    meeting = await meetings.get_meeting(session, user, meeting_id)
    return await _search_owned(session, user, MeetingOwner(meeting), folded, limit)


async def search_consultation(session: AsyncSession, user: User, consultation_id: int,
                              query: str, *, limit: int = MAX_HITS) -> list[Hit]:
    """Pages of the consultation's drafts (those the user may see) where the query occurs."""
    folded = folded_query(query)
    consultation = await access.get_consultation(session, user, consultation_id)
    return await _search_owned(session, user, ConsultationOwner(consultation), folded, limit)


async def _search_owned(session: AsyncSession, user: User, owner: Owner, folded: str,
                        limit: int) -> list[Hit]:
    docs = await documents.visible_documents(session, user, owner)
    return await _search(session, user, await _latest_ready(session, docs), folded, limit)


async def search_document(session: AsyncSession, user: User, document_id: int, query: str,
                          *, limit: int = MAX_HITS) -> list[Hit]:
    """Pages of one document's readable version where the query occurs."""
    folded = folded_query(query)
    doc, _owner, version = await documents.readable_version(session, user, document_id)
    return await _search(session, user, {version.id: doc}, folded, limit)
