"""The outbox: emails written in the transaction of what they tell, and sent afterwards by
`courier.py`; who gets which kind of email, and each person's opt-outs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import retries
from ecabinet.errors import Invalid
from ecabinet.models import DeliveryStatus, MailMessage, User
from ecabinet.models.base import utcnow

# What a person may opt out of, one by one.
CATEGORIES = ("invitations", "reminders", "tasks", "signatures")
CLAIM_BATCH = 20
MAX_ADDRESS = 200
# local@domain.tld: one @, no spaces or brackets, a dotted domain of letters, digits, hyphens.
_ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
                      r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Letter:
    """What one email says: subject, plain text, and an iCalendar part (with its METHOD)."""

    subject: str
    body: str
    calendar: bytes = b""
    method: str = ""


def check_address(address: str) -> str:
    """A plausible email address, trimmed ("" clears it), or Invalid.

    ASCII only: few office mail servers take SMTPUTF8, and a typed "nguyễn@" would silently
    never arrive."""
    address = address.strip()
    if not address:
        return ""
    if len(address) > MAX_ADDRESS or not _ADDRESS.fullmatch(address):
        raise Invalid("email_invalid", field="email")
    return address


def check_categories(off: Iterable[str]) -> list[str]:
    """Opt-outs in the order of CATEGORIES, or Invalid for one that is not a category."""
    given = set(off)
    if given - set(CATEGORIES):
        raise Invalid("mail_category_invalid", field="off")
    return [c for c in CATEGORIES if c in given]


def preferences(user: User) -> dict[str, Any]:
    """The person's address and what they chose not to receive."""
    return {"email": user.email, "off": user.mail_off.split(),
            "categories": list(CATEGORIES)}


async def set_preferences(session: AsyncSession, user: User, *, email: str | None,
                          off: list[str] | None) -> User:
    """Change the person's own address and opt-outs."""
    if email is not None:
        user.email = check_address(email)
    if off is not None:
        user.mail_off = " ".join(check_categories(off))
    await session.flush()
    return user


async def recipients(session: AsyncSession, user_ids: Iterable[int], category: str
                     ) -> list[User]:
    """The active people among `user_ids` with an address who take this kind of email."""
    ids = set(user_ids)
    if not ids:
        return []
    found = (await session.scalars(select(User).where(
        User.id.in_(ids), User.active.is_(True), User.email != "").order_by(User.id))).all()
    return [u for u in found if category not in u.mail_off.split()]


async def enqueue(session: AsyncSession, user: User, category: str, key: str,
                  letter: Letter, now: dt.datetime | None = None) -> bool:
    """Put one email in the outbox, once per key (another node's sweep may race this one);
    whether it was added."""
    moment = now or utcnow()
    row = {"user_id": user.id, "to_address": user.email, "category": category,
           "key": key[:200], "subject": letter.subject[:300], "body": letter.body,
           "calendar": letter.calendar.decode("utf-8"), "calendar_method": letter.method,
           "status": DeliveryStatus.pending, "attempts": 0, "last_error": "",
           "next_attempt_at": moment, "created_at": moment}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    result = await session.execute(dialect.insert(MailMessage).values(row)
                                   .on_conflict_do_nothing(index_elements=["key"]))
    return bool(getattr(result, "rowcount", 0))


def _due(now: dt.datetime) -> Select[MailMessage]:
    return select(MailMessage).where(
        MailMessage.status == DeliveryStatus.pending, MailMessage.next_attempt_at <= now,
        or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until <= now))


async def any_due(session: AsyncSession, now: dt.datetime | None = None) -> bool:
    """Whether some email waits to be sent (a read, before claiming takes a write)."""
    return bool(await session.scalar(select(_due(now or utcnow()).exists())))


async def claim(session: AsyncSession, now: dt.datetime | None = None,
                limit: int = CLAIM_BATCH) -> list[MailMessage]:
    """Take the emails due for this node to send, held for a while from other nodes."""
    moment = now or utcnow()
    found = (await session.scalars(
        _due(moment).order_by(MailMessage.next_attempt_at, MailMessage.id).limit(limit)
        .with_for_update(skip_locked=True))).all()
    for message in found:
        message.claimed_until = moment + retries.CLAIM_FOR
    await session.flush()
    return list(found)


async def record_attempt(session: AsyncSession, message_id: int, error: str,
                         at: dt.datetime | None = None, scale: float = 1.0
                         ) -> DeliveryStatus | None:
    """Log one send: no error and it is sent; else it waits its next try, or is given up a
    day after it was written."""
    moment = at or utcnow()
    message = await session.get(MailMessage, message_id, with_for_update=True)
    if message is None:
        return None
    message.last_error = error[:500]
    if retries.settle(message, not error, moment, scale) == DeliveryStatus.delivered:
        message.sent_at = moment
    await session.flush()
    return message.status
