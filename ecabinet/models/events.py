"""The per-meeting event log every live screen is rebuilt from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped


class MeetingEvent(Timestamped, Base):
    """One change a meeting's screens must show, numbered by `seq` within its meeting."""

    __tablename__ = "meeting_events"
    __table_args__ = (UniqueConstraint("meeting_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # None: every member of the meeting; otherwise the user ids allowed to see it.
    audience: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
