"""Webhooks: HTTPS addresses of other systems that are told of events, and the log of what
was sent to them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped, utcnow


class Webhook(Timestamped, Base):
    """An address an administrator registered, and the events it receives."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    # Space-separated event names (meeting.published task.overdue ...).
    events: Mapped[str] = mapped_column(String(500))
    # Kept as it is, not hashed: every delivery's HMAC is computed with it.
    secret: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)


class DeliveryStatus(enum.StrEnum):
    """pending (waiting for its next attempt) → delivered, or failed after a day of tries."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class WebhookDelivery(Base):
    """One event for one webhook; it lives in the database until delivered or given up, so
    a node that restarts loses none."""

    __tablename__ = "webhook_deliveries"
    # The key names what the delivery is about (an audit entry, "task.overdue" of a task
    # and deadline): a sweep run on every node, every hour, enqueues each one once.
    __table_args__ = (UniqueConstraint("webhook_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"),
                                            index=True)
    event: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200))
    # The exact bytes that are signed and sent (UTF-8 JSON), so a retry sends the same.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=20), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # A node sending it holds it until then; past it, another node may (the first died).
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookAttempt(Base):
    """One POST of a delivery and what came of it."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # None: no HTTP answer at all (refused, timed out, TLS failed); `error` says which.
    status_code: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str] = mapped_column(String(500), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)
