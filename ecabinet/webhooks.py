"""Webhooks: an administrator registers HTTPS addresses of other systems (eOffice, the
province's data-sharing hub), which are told when a meeting is published, changed,
postponed or cancelled, a conclusion notice issued, a task assigned, due soon, overdue or
done, a written consultation sent or closed.

Events come from the audit log: `audit.record_many` hands its records here, in the same
transaction, so an action rolled back tells nobody. Each event becomes one pending
delivery per subscribed webhook, kept in the database until delivered or given up (a
node that restarts loses none); `ecabinet/webhook_dispatch.py` sends them, signed with
HMAC-SHA256, and retries with backoff for a day. Events are thin: what happened to which
object; receivers read the details through the API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import Select, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, retries
from ecabinet.errors import Forbidden, Invalid, NotFound
from ecabinet.models import (
    DeliveryStatus,
    Role,
    Task,
    TaskStatus,
    User,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)
from ecabinet.models.base import utcnow
from ecabinet.workdays import add_working_days

if TYPE_CHECKING:
    from ecabinet.audit import AuditRecord

EVENTS = (
    "meeting.published", "meeting.changed", "meeting.postponed", "meeting.cancelled",
    "conclusion.issued",
    "task.assigned", "task.due_soon", "task.overdue", "task.done",
    "consultation.sent", "consultation.closed",
)
# The audit actions that are events. Everything else the audit log records (ballots come
# by the hundred) passes through without a query.
AUDITED: dict[str, str] = {
    "meeting.publish": "meeting.published",
    "meeting.update": "meeting.changed",
    "meeting.postpone": "meeting.postponed",
    "meeting.cancel": "meeting.cancelled",
    "conclusion.issue": "conclusion.issued",
    "task.assign": "task.assigned",
    "task.deliver": "task.done",
    # The chair's approval is what sends a consultation to its members
    # (ecabinet/consultations/approval.py).
    "consultation.approve": "consultation.sent",
    "consultation.close": "consultation.closed",
}
TASK_EVENTS = ("task.due_soon", "task.overdue")

CLAIM_BATCH = 20
MAX_DELIVERIES = 100
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-Ecabinet-Signature of a body sent at `timestamp` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


# -- registering ---------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if actor.role != Role.admin:
        raise Forbidden("forbidden")


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """An https:// address, or http:// to this machine only (a receiver beside the node):
    over the network, events and their signatures travel encrypted."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port out of range raises here
    except ValueError:
        raise Invalid("webhook_url_invalid", field="url") from None
    host = parts.hostname or ""
    if (not host or any(ch.isspace() or not ch.isprintable() for ch in url)
            or parts.scheme not in ("https", "http")
            or (parts.scheme == "http" and not _is_loopback(host))):
        raise Invalid("webhook_url_invalid", field="url")
    return url


def check_events(events: Iterable[str]) -> list[str]:
    """Known event names, at least one, in the order of EVENTS."""
    given = set(events)
    if not given or not given <= set(EVENTS):
        raise Invalid("webhook_events_invalid", field="events")
    return [e for e in EVENTS if e in given]


async def register(session: AsyncSession, actor: User, url: str, events: Sequence[str],
                   description: str = "") -> Webhook:
    """An administrator registers an address; its `secret` is shown this once."""
    _require_admin(actor)
    webhook = Webhook(url=check_url(url), events=" ".join(check_events(events)),
                      secret=secrets.token_hex(32), description=description.strip()[:200],
                      active=True, created_by_id=actor.id)
    session.add(webhook)
    await session.flush()
    await audit.record(session, "webhook.register", actor_id=actor.id, object_type="webhook",
                       object_id=webhook.id, data={"url": webhook.url, "events": webhook.events})
    return webhook


async def list_webhooks(session: AsyncSession, actor: User) -> list[Webhook]:
    """Every registered webhook, oldest first."""
    _require_admin(actor)
    return list((await session.scalars(select(Webhook).order_by(Webhook.id))).all())


async def _webhook(session: AsyncSession, actor: User, webhook_id: int) -> Webhook:
    _require_admin(actor)
    webhook = await session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound("webhook_not_found")
    return webhook


async def set_active(session: AsyncSession, actor: User, webhook_id: int, active: bool
                     ) -> Webhook:
    """Pause or resume a webhook; while paused it gets no new events and sends nothing."""
    webhook = await _webhook(session, actor, webhook_id)
    webhook.active = active
    await audit.record(session, "webhook.update", actor_id=actor.id, object_type="webhook",
                       object_id=webhook.id, data={"active": active})
    return webhook


async def remove(session: AsyncSession, actor: User, webhook_id: int) -> None:
    """Delete a webhook with its deliveries and their log."""
    webhook = await _webhook(session, actor, webhook_id)
    await session.execute(delete(Webhook).where(Webhook.id == webhook.id))
    await audit.record(session, "webhook.delete", actor_id=actor.id, object_type="webhook",
                       object_id=webhook_id, data={"url": webhook.url})


def webhook_view(webhook: Webhook) -> dict[str, Any]:
    """A webhook as the admin screen shows it; never its secret."""
    return {"id": webhook.id, "url": webhook.url, "events": webhook.events.split(),
            "description": webhook.description, "active": webhook.active,
            "created_at": webhook.created_at.isoformat()}


# -- the log -------------------------------------------------------------------


async def deliveries(session: AsyncSession, actor: User, webhook_id: int,
                     limit: int = MAX_DELIVERIES) -> list[dict[str, Any]]:
    """A webhook's newest deliveries, each with its attempts (oldest first)."""
    webhook = await _webhook(session, actor, webhook_id)
    rows = list((await session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
        .order_by(WebhookDelivery.id.desc()).limit(min(limit, MAX_DELIVERIES)))).all())
    tried: dict[int, list[dict[str, Any]]] = {d.id: [] for d in rows}
    if rows:
        for attempt in (await session.scalars(
                select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(tried))
                .order_by(WebhookAttempt.id))).all():
            tried[attempt.delivery_id].append({
                "at": attempt.at.isoformat(), "status_code": attempt.status_code,
                "error": attempt.error, "duration_ms": attempt.duration_ms})
    return [delivery_view(d, tried[d.id]) for d in rows]


def delivery_view(delivery: WebhookDelivery, attempts: list[dict[str, Any]]
                  ) -> dict[str, Any]:
    """A delivery in the log: what was sent, where it stands, and each attempt."""
    pending = delivery.status == DeliveryStatus.pending
    return {
        "id": delivery.id, "webhook_id": delivery.webhook_id, "event": delivery.event,
        "status": delivery.status.value, "body": delivery.body,
        "created_at": delivery.created_at.isoformat(),
        "next_attempt_at": delivery.next_attempt_at.isoformat() if pending else None,
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
        "attempts": attempts,
    }


async def redeliver(session: AsyncSession, actor: User, delivery_id: int) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery with the same body (the event's
    `id` in it unchanged, so a receiver that had it can tell)."""
    _require_admin(actor)
    earlier = await session.get(WebhookDelivery, delivery_id)
    if earlier is None:
        raise NotFound("webhook_delivery_not_found")
    again = WebhookDelivery(webhook_id=earlier.webhook_id, event=earlier.event,
                            key=f"redeliver:{uuid.uuid4()}", body=earlier.body,
                            status=DeliveryStatus.pending, attempts=0)
    session.add(again)
    await session.flush()
    await audit.record(session, "webhook.redeliver", actor_id=actor.id,
                       object_type="webhook_delivery", object_id=again.id,
                       data={"of": earlier.id, "webhook": earlier.webhook_id})
    return again


# -- events --------------------------------------------------------------------


def _body(event_id: str, event: str, at: dt.datetime, object_type: str, object_id: str,
          meeting_id: int | None, data: dict[str, Any]) -> str:
    return json.dumps({
        "id": event_id, "event": event, "occurred_at": at.isoformat(),
        "object": {"type": object_type,
                   "id": int(object_id) if object_id.isdigit() else object_id},
        "meeting_id": meeting_id, "data": data,
    }, ensure_ascii=False, separators=(",", ":"), default=str)


async def _subscribers(session: AsyncSession, events: set[str]) -> dict[str, list[int]]:
    """The ids of the active webhooks subscribed to each of `events`."""
    found: dict[str, list[int]] = {}
    for webhook_id, names in (await session.execute(
            select(Webhook.id, Webhook.events).where(Webhook.active.is_(True))
            .order_by(Webhook.id))).all():
        for name in set(names.split()) & events:
            found.setdefault(name, []).append(webhook_id)
    return found


async def enqueue_audited(session: AsyncSession, records: Sequence[AuditRecord],
                          at: dt.datetime | None = None) -> None:
    """One delivery per subscribed webhook for each record that is an event."""
    wanted = [(rec, AUDITED[rec.action]) for rec in records if rec.action in AUDITED]
    if not wanted:
        return
    subscribed = await _subscribers(session, {event for _, event in wanted})
    moment = at or utcnow()
    for rec, event in wanted:
        hooks = subscribed.get(event)
        if not hooks:
            continue
        event_id = str(uuid.uuid4())
        body = _body(event_id, event, moment, rec.object_type, rec.object_id, rec.meeting_id,
                     rec.data or {})
        session.add_all(WebhookDelivery(webhook_id=hook, event=event, key=f"{event}:{event_id}",
                                        body=body, status=DeliveryStatus.pending, attempts=0,
                                        next_attempt_at=moment, created_at=moment)
                        for hook in hooks)


async def sweep_tasks(session: AsyncSession, today: dt.date | None = None,
                      now: dt.datetime | None = None) -> int:
    """Enqueue task.due_soon and task.overdue for the open tasks that are so on `today`,
    once per task and deadline; how many deliveries were added."""
    # tasks.py writes the audit log, which imports this module.
    from ecabinet import tasks

    subscribed = await _subscribers(session, set(TASK_EVENTS))
    if not subscribed:
        return 0
    day = today or tasks.today()
    moment = now or utcnow()
    # A bound the states below only narrow: days off can stretch two working days far.
    horizon = add_working_days(day, tasks.DUE_SOON_WORKING_DAYS + 1)
    found = (await session.scalars(select(Task).where(
        Task.status.in_((TaskStatus.assigned, TaskStatus.in_progress)),
        Task.deadline <= horizon).order_by(Task.id))).all()
    rows: list[dict[str, Any]] = []
    for task in found:
        state, left = tasks.deadline_state(task.deadline, task.status, None, day)
        event = f"task.{state}"
        if event not in subscribed:
            continue
        data: dict[str, Any] = {"deadline": task.deadline.isoformat(), "working_days_left": left}
        if task.consultation_id is not None:
            data["consultation_id"] = task.consultation_id
        body = _body(str(uuid.uuid4()), event, moment, "task", str(task.id), task.meeting_id,
                     data)
        key = f"{event}:{task.id}:{task.deadline.isoformat()}"
        rows.extend({"webhook_id": hook, "event": event, "key": key, "body": body,
                     "status": DeliveryStatus.pending, "attempts": 0,
                     "next_attempt_at": moment, "created_at": moment}
                    for hook in subscribed[event])
    if not rows:
        return 0
    known = {(hook, key) for hook, key in (await session.execute(
        select(WebhookDelivery.webhook_id, WebhookDelivery.key)
        .where(WebhookDelivery.key.in_({r["key"] for r in rows})))).all()}
    rows = [r for r in rows if (r["webhook_id"], r["key"]) not in known]
    if not rows:
        return 0
    # Another node sweeping at the same moment may insert the same rows first.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    await session.execute(dialect.insert(WebhookDelivery).values(rows)
                          .on_conflict_do_nothing(index_elements=["webhook_id", "key"]))
    return len(rows)


# -- sending ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A delivery claimed by this node, with what sending it needs."""

    id: int
    event: str
    body: str
    url: str
    secret: str


def _due(now: dt.datetime) -> Select[WebhookDelivery, str, str]:
    return (select(WebhookDelivery, Webhook.url, Webhook.secret)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.status == DeliveryStatus.pending,
                   WebhookDelivery.next_attempt_at <= now, Webhook.active.is_(True),
                   or_(WebhookDelivery.claimed_until.is_(None),
                       WebhookDelivery.claimed_until <= now)))


async def any_due(session: AsyncSession, now: dt.datetime | None = None) -> bool:
    """Whether some delivery waits to be sent (a read, before claiming takes a write)."""
    return bool(await session.scalar(select(_due(now or utcnow()).exists())))


async def claim(session: AsyncSession, now: dt.datetime | None = None,
                limit: int = CLAIM_BATCH) -> list[Outgoing]:
    """Take the deliveries due for this node to send: held for `retries.CLAIM_FOR`, so
    another node polling meanwhile skips them."""
    moment = now or utcnow()
    # SKIP LOCKED on PostgreSQL: two nodes claiming at once each take other rows;
    # SQLite's write lock (every writing transaction begins IMMEDIATE) lets one at a time.
    rows = (await session.execute(
        _due(moment).order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit).with_for_update(of=WebhookDelivery, skip_locked=True))).all()
    claimed = []
    for delivery, url, secret in rows:
        delivery.claimed_until = moment + retries.CLAIM_FOR
        claimed.append(Outgoing(delivery.id, delivery.event, delivery.body, url, secret))
    return claimed


async def record_attempt(session: AsyncSession, delivery_id: int, *, status_code: int | None,
                         error: str = "", duration_ms: int = 0, at: dt.datetime | None = None,
                         scale: float = 1.0) -> DeliveryStatus | None:
    """Log one attempt: a 2xx delivers it; otherwise it waits for the next try, or is given
    up a day after it was made. The status it is left in (None: it was deleted)."""
    moment = at or utcnow()
    delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        return None
    session.add(WebhookAttempt(delivery_id=delivery.id, at=moment, status_code=status_code,
                               error=error[:500], duration_ms=duration_ms))
    delivered = status_code is not None and 200 <= status_code < 300
    if retries.settle(delivery, delivered, moment, scale) == DeliveryStatus.delivered:
        delivery.delivered_at = moment
    await session.flush()
    return delivery.status
