"""Append meeting events in the writer's transaction; hand them to the live layer after commit.

The domain never talks to socket.io: it appends rows here, and whoever installed a
publisher (the realtime hub) receives the committed events. A rolled-back
transaction publishes nothing, so screens never show a change that did not happen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from ecabinet.models import Meeting, MeetingEvent

# Replays larger than this are replaced by a fresh snapshot.
REPLAY_LIMIT = 1000


@dataclass(frozen=True)
class Notice:
    """A non-sequenced nudge to some users' screens (e.g. their meeting list changed)."""

    user_ids: tuple[int, ...]
    type: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Committed:
    """What one transaction published: sequenced events and user notices."""

    events: tuple[MeetingEvent, ...]
    notices: tuple[Notice, ...]


Publisher = Callable[[Committed], None]
# Key in a session factory's `info`: the publishers of that factory's commits, so two
# apps in one process (tests, a node and its bench) never see each other's events.
PUBLISHERS = "ecabinet_publishers"


def add_publisher(factory: async_sessionmaker[AsyncSession], publisher: Publisher) -> None:
    """Receive every batch committed through `factory` (called synchronously; must not block)."""
    info: dict[str, Any] = factory.kw.setdefault("info", {})
    info.setdefault(PUBLISHERS, []).append(publisher)


def remove_publisher(factory: async_sessionmaker[AsyncSession], publisher: Publisher) -> None:
    """Stop receiving events."""
    publishers = factory.kw.get("info", {}).get(PUBLISHERS, [])
    if publisher in publishers:
        publishers.remove(publisher)


async def append(
    session: AsyncSession,
    meeting_id: int,
    type: str,
    data: dict[str, Any],
    *,
    audience: Iterable[int] | None = None,
) -> MeetingEvent:
    """Append one event; `audience` limits it to those user ids (others see a placeholder)."""
    # UPDATE ... RETURNING takes the meeting row's write lock until commit, so
    # concurrent writers to one meeting get consecutive seq numbers, never a gap.
    seq = (
        await session.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id)
            .values(last_seq=Meeting.last_seq + 1)
            .returning(Meeting.last_seq)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one()
    row = MeetingEvent(
        meeting_id=meeting_id,
        seq=seq,
        type=type,
        data=data,
        audience=sorted(set(audience)) if audience is not None else None,
    )
    session.add(row)
    session.info.setdefault("ecabinet_events", []).append(row)
    return row


def notify(session: AsyncSession, user_ids: Iterable[int], type: str, **data: Any) -> None:
    """Nudge users' screens after commit, outside any meeting's sequence."""
    ids = tuple(sorted(set(user_ids)))
    if ids:
        session.info.setdefault("ecabinet_notices", []).append(Notice(ids, type, data))


@event.listens_for(Session, "after_commit")
def _publish_after_commit(sync_session: Session) -> None:
    events = tuple(sync_session.info.pop("ecabinet_events", ()))
    notices = tuple(sync_session.info.pop("ecabinet_notices", ()))
    if not (events or notices):
        return
    batch = Committed(events, notices)
    for publisher in list(sync_session.info.get(PUBLISHERS, ())):
        publisher(batch)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(sync_session: Session) -> None:
    sync_session.info.pop("ecabinet_events", None)
    sync_session.info.pop("ecabinet_notices", None)


def visible_to(row: MeetingEvent, user_id: int) -> bool:
    """Whether this user may see the event's content."""
    return row.audience is None or user_id in row.audience


def placeholder(row: MeetingEvent) -> dict[str, Any]:
    """What one outside an event's audience receives: its seq, so seq stays continuous."""
    return {"meeting_id": row.meeting_id, "seq": row.seq, "type": "hidden", "data": {}}


def envelope(row: MeetingEvent, user_id: int | None = None) -> dict[str, Any]:
    """The wire form of an event; outside its audience, a placeholder that keeps seq continuous."""
    if user_id is not None and not visible_to(row, user_id):
        return placeholder(row)
    return {
        "meeting_id": row.meeting_id,
        "seq": row.seq,
        "type": row.type,
        "data": row.data,
        "at": row.created_at.isoformat(),
    }


async def since(
    session: AsyncSession, meeting_id: int, after_seq: int, limit: int = REPLAY_LIMIT
) -> Sequence[MeetingEvent] | None:
    """Events with seq > after_seq in order, or None when more than `limit` are missing."""
    current = await session.scalar(select(Meeting.last_seq).where(Meeting.id == meeting_id))
    if current is None:
        return None
    if current - after_seq > limit or after_seq < 0:
        return None
    rows = await session.scalars(
        select(MeetingEvent)
        .where(MeetingEvent.meeting_id == meeting_id, MeetingEvent.seq > after_seq)
        .order_by(MeetingEvent.seq)
    )
    return rows.all()
