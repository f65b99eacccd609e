"""Polls, their ballots, and who has voted (kept apart from the ballots of a secret poll)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped, utcnow


class PollStatus(enum.StrEnum):
    """The life of a poll."""

    draft = "draft"
    open = "open"
    closed = "closed"
    cancelled = "cancelled"


class PollVisibility(enum.StrEnum):
    """Named polls publish who chose what; secret ones only receipts and choices."""

    named = "named"
    secret = "secret"


class MajorityRule(enum.StrEnum):
    """What share of which body must choose the winning option."""

    present = "present"  # more than half of the voting members present
    members = "members"  # more than half of all voting members
    two_thirds = "two_thirds"  # at least two thirds of all voting members


class PollKind(enum.StrEnum):
    """Approval: the first option approves the motion; choice: pick one of several options."""

    approval = "approval"
    choice = "choice"


class Poll(Timestamped, Base):
    """A question put to the vote on an agenda item."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), default=None
    )
    question: Mapped[str] = mapped_column(String(1000))
    options: Mapped[list[Any]] = mapped_column()
    kind: Mapped[PollKind] = mapped_column(
        Enum(PollKind, native_enum=False, length=20), default=PollKind.approval
    )
    visibility: Mapped[PollVisibility] = mapped_column(
        Enum(PollVisibility, native_enum=False, length=20), default=PollVisibility.named
    )
    rule: Mapped[MajorityRule] = mapped_column(
        Enum(MajorityRule, native_enum=False, length=20), default=MajorityRule.present
    )
    allow_change: Mapped[bool] = mapped_column(default=False)
    # Luật Tổ chức chính quyền địa phương: on an even split the chair's side prevails.
    tie_break_chair: Mapped[bool] = mapped_column(default=False)
    time_limit_seconds: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[PollStatus] = mapped_column(
        Enum(PollStatus, native_enum=False, length=20), default=PollStatus.draft, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    opened_at: Mapped[datetime | None] = mapped_column(default=None)
    closes_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    voted_count: Mapped[int] = mapped_column(default=0)
    # Computed once, at close.
    result: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Ballot(Base):
    """One counted ballot; a secret poll's ballot has no voter.

    `key_hash` is SHA-256 of the poll and the client's ballot id: a resend finds its
    ballot by it, and only the holder of the client id can change that ballot. A secret
    ballot's id is drawn at random (64-bit), so ordering by id does not replay the vote.
    """

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("poll_id", "voter_id"),
        UniqueConstraint("poll_id", "key_hash"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    voter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), default=None
    )
    choice: Mapped[int]
    key_hash: Mapped[str] = mapped_column(String(64))
    receipt: Mapped[str] = mapped_column(String(16))
    changes: Mapped[int] = mapped_column(default=0)


class PollVoter(Base):
    """Whether one voting member has voted; rows are made at opening in member order,
    so their order says nothing about when anyone voted."""

    __tablename__ = "poll_voters"
    __table_args__ = (UniqueConstraint("poll_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    voted: Mapped[bool] = mapped_column(default=False)
