"""Meetings, who takes part in them, and which units join."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped, utcnow


class MeetingStatus(enum.StrEnum):
    """The life of a meeting: draft → submitted → approved → published → in session → closed;
    or cancelled, with a reason, before it starts."""

    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    published = "published"
    in_session = "in_session"
    adjourned = "adjourned"
    closed = "closed"
    cancelled = "cancelled"


class ParticipantRole(enum.StrEnum):
    """What a person does in one meeting."""

    chair = "chair"
    secretary = "secretary"
    delegate = "delegate"
    invited = "invited"
    remote_room = "remote_room"
    observer = "observer"


class Meeting(Timestamped, Base):
    """One meeting of a unit's People's Committee or council."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    place: Mapped[str] = mapped_column(String(300), default="")
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[MeetingStatus] = mapped_column(
        Enum(MeetingStatus, native_enum=False, length=20), default=MeetingStatus.draft, index=True
    )
    return_comment: Mapped[str] = mapped_column(Text, default="")
    # Why it was last postponed, or why it was cancelled: said to everyone invited.
    change_reason: Mapped[str] = mapped_column(Text, default="")
    # The start first announced, once the meeting has been postponed.
    postponed_from: Mapped[datetime | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    # iCalendar SEQUENCE: how many times the meeting changed once announced (edited,
    # postponed, cancelled), so calendars replace what they hold with the newer version.
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Highest event seq handed out; bumped under a row lock to keep seq gap-free.
    last_seq: Mapped[int] = mapped_column(default=0)


class Participant(Base):
    """A person invited to a meeting, with their role in it."""

    __tablename__ = "meeting_participants"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[ParticipantRole] = mapped_column(
        Enum(ParticipantRole, native_enum=False, length=20)
    )
    voting: Mapped[bool] = mapped_column(default=True)


class InvitedUnit(Base):
    """A unit invited to a meeting; `remote` units join from their own meeting room."""

    __tablename__ = "meeting_units"
    __table_args__ = (UniqueConstraint("meeting_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    remote: Mapped[bool] = mapped_column(default=False)
