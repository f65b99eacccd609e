"""Calendar feeds (RFC 5545): each person may have one secret address of their meetings,
which Outlook, Thunderbird and phone calendars subscribe to; a new address replaces the old
one, and it can be revoked. Only the token's SHA-256 is kept, as with sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from icalendar import Calendar
from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit
from ecabinet.errors import NotFound
from ecabinet.meeting_calendar import PRODID, meeting_event
from ecabinet.models import CalendarFeed, Meeting, MeetingStatus, Participant, User
from ecabinet.models.base import utcnow

S = MeetingStatus
# What a calendar shows: meetings announced to their members, and those since cancelled.
SHOWN = (S.published, S.in_session, S.adjourned, S.closed, S.cancelled)
# How far back the feed reaches; calendars keep what they already have.
PAST_DAYS = 400


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def renew(session: AsyncSession, user: User) -> str:
    """A new secret token for the user's feed (the old address stops working)."""
    token = secrets.token_urlsafe(32)
    await session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    session.add(CalendarFeed(user_id=user.id, token_hash=_digest(token)))
    await audit.record(session, "calendar.renew", actor_id=user.id, object_type="user",
                       object_id=user.id)
    return token


async def revoke(session: AsyncSession, user: User) -> None:
    """The user's feed address stops working."""
    await session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    await audit.record(session, "calendar.revoke", actor_id=user.id, object_type="user",
                       object_id=user.id)


async def state(session: AsyncSession, user: User) -> dict[str, Any]:
    """Whether the user has a live feed, and since when (the address itself is shown once)."""
    feed = await session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return {"active": feed is not None,
            "created_at": feed.created_at.isoformat() if feed else None}


async def owner(session: AsyncSession, token: str) -> User:
    """The active account a feed token belongs to, else NotFound."""
    user = await session.scalar(select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
                                .where(CalendarFeed.token_hash == _digest(token)))
    if user is None or not user.active:
        raise NotFound("calendar_feed_not_found")
    return user


async def calendar(session: AsyncSession, user: User, host: str) -> bytes:
    """The user's meetings as an iCalendar file, in Vietnam's time zone."""
    invited = select(Participant.meeting_id).where(Participant.user_id == user.id)
    meetings = (await session.scalars(select(Meeting).where(
        or_(Meeting.chair_id == user.id, Meeting.created_by_id == user.id,
            Meeting.id.in_(invited)),
        Meeting.status.in_(SHOWN), Meeting.published_at.is_not(None),
        Meeting.starts_at >= utcnow() - timedelta(days=PAST_DAYS),
    ).order_by(Meeting.starts_at))).all()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"eCabinet – {user.full_name}")
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, host))
    cal.add_missing_timezones()
    return cal.to_ical()
