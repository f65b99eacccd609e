"""A reader's highlights, ink and sticky notes: overlays on a document version's pages."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped, utcnow


class AnnotationKind(enum.StrEnum):
    """What an overlay draws."""

    highlight = "highlight"
    ink = "ink"
    note = "note"


class Annotation(Timestamped, Base):
    """One overlay in normalised page coordinates; private to its author unless shared."""

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("document_versions.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    page: Mapped[int]  # 1-based
    kind: Mapped[AnnotationKind] = mapped_column(
        Enum(AnnotationKind, native_enum=False, length=20)
    )
    # highlight: {"rects": [[x0, y0, x1, y1], ...]}; ink: {"strokes": [[[x, y], ...], ...],
    # "width": w}; note: {"x": x, "y": y, "text": "..."}; every coordinate in [0, 1].
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    colour: Mapped[str] = mapped_column(String(9), default="#ffeb3b")
    shared: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
