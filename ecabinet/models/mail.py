"""Email: the outbox of messages to people, kept until their SMTP server accepted them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, utcnow
from ecabinet.models.webhooks import DeliveryStatus


class MailMessage(Base):
    """One email to one person, written when what it tells happened; a node that restarts
    sends what is left, and a refused send is tried again for a day."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    to_address: Mapped[str] = mapped_column(String(200))
    # invitations, reminders, tasks, signatures: what a person may opt out of.
    category: Mapped[str] = mapped_column(String(20))
    # What it is about, once per person: a sweep run every hour on every node enqueues a
    # reminder once ("reminder:meeting-7:user-3").
    key: Mapped[str] = mapped_column(String(200), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # An iCalendar invitation (RFC 5546 REQUEST or CANCEL) attached, or "".
    calendar: Mapped[str] = mapped_column(Text, default="")
    calendar_method: Mapped[str] = mapped_column(String(10), default="")
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=20), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
