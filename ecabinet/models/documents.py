"""Documents of a meeting or a consultation: each a series of PDF versions, their pages'
text, and named readers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, Float, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ecabinet.models.base import Base, Timestamped, utcnow


class VersionStatus(enum.StrEnum):
    """Where a stored PDF version is in processing."""

    pending = "pending"  # accepted, waiting for a worker
    processing = "processing"  # text, thumbnails and page images being made
    ready = "ready"  # readable
    failed = "failed"  # processing refused or crashed; `error` says why


class Document(Timestamped, Base):
    """A document (tờ trình, dự thảo, báo cáo...) of an agenda item, or a draft put to the
    members of a written consultation: exactly one of the two owners is set."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True, default=None
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True, default=None
    )
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True, default=None
    )
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)
    # Restricted documents are seen only by their named readers (and the office preparing
    # the meeting): watermarked pages, no original download, every view audited.
    restricted: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DocumentVersion(Timestamped, Base):
    """One uploaded PDF of a document; stored by SHA-256, never overwritten by a later one."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(default=1)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    byte_size: Mapped[int] = mapped_column(default=0)
    page_count: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[VersionStatus] = mapped_column(
        Enum(VersionStatus, native_enum=False, length=20), default=VersionStatus.pending
    )
    error: Mapped[str] = mapped_column(String(60), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # Uploaded after the meeting was published: delegates see it marked "updated".
    after_publish: Mapped[bool] = mapped_column(default=False)
    processed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Bytes accepted by a process without a data directory (the demo loader); the
    # processing pipeline stores them by SHA-256 and clears this.
    staged: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    # The Word/Excel/OpenDocument file this version's PDF was converted from, kept in the
    # same SHA-256 store; "" for a PDF uploaded as such.
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    source_name: Mapped[str] = mapped_column(String(255), default="")
    source_type: Mapped[str] = mapped_column(String(100), default="")


class DocumentPage(Base):
    """One page of a processed version: its size, text for search and words for the text layer."""

    __tablename__ = "document_pages"
    __table_args__ = (UniqueConstraint("version_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("document_versions.id", ondelete="CASCADE")
    )
    number: Mapped[int]  # 1-based, as people count pages
    width: Mapped[float] = mapped_column(Float, default=0.0)  # points, as displayed
    height: Mapped[float] = mapped_column(Float, default=0.0)
    text: Mapped[str] = mapped_column(Text, default="")
    # Lower-case, diacritics removed (vntext.fold): "ke hoach" matches "Kế hoạch".
    folded: Mapped[str] = mapped_column(Text, default="")
    # [x0, y0, x1, y1, word] with coordinates in [0, 1] of the displayed page.
    words: Mapped[list[Any]] = mapped_column(default=list)


class DocumentReader(Base):
    """A person named as a reader of a restricted document."""

    __tablename__ = "document_readers"
    __table_args__ = (UniqueConstraint("document_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
