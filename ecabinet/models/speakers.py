"""The floor: which agenda item the hall is on, who asked to speak, who speaks now."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped, utcnow


class SpeakerStatus(enum.StrEnum):
    """Where a request to speak stands."""

    waiting = "waiting"
    speaking = "speaking"
    done = "done"
    withdrawn = "withdrawn"


class SpeakerRequest(Timestamped, Base):
    """A delegate's or remote room's request for the floor, and its history once granted."""

    __tablename__ = "speaker_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), default=None
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[SpeakerStatus] = mapped_column(
        Enum(SpeakerStatus, native_enum=False, length=20), default=SpeakerStatus.waiting
    )
    # Queue order among waiting requests; the chair rewrites it when reordering.
    position: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(300), default="")
    limit_seconds: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class LiveState(Base):
    """A meeting's live settings: the item under discussion, the quorum rule, speech length."""

    __tablename__ = "live_states"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), default=None
    )
    # "majority": more than half of the voting members; "two_thirds": at least two thirds.
    quorum_rule: Mapped[str] = mapped_column(String(20), default="majority")
    speaking_limit_seconds: Mapped[int] = mapped_column(default=300)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
