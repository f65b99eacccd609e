"""Earlier versions of agenda items changed after the agenda was published."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped


class AgendaItemRevision(Timestamped, Base):
    """What an agenda item said in `version`, kept when a published item is changed."""

    __tablename__ = "agenda_item_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    # title, description, presenter, presenter_unit_id, planned_minutes as they were
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
