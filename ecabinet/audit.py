"""The audit log: who did or saw what, chained by SHA-256 so a later edit is detectable."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import webhooks
from ecabinet.mail import letters
from ecabinet.models import AuditEntry, AuditHead
from ecabinet.models.base import utcnow

GENESIS = "0" * 64


def entry_digest(entry: AuditEntry) -> str:
    """The hash an entry must carry, from its content and the previous hash."""
    return _digest({column: getattr(entry, column) for column in _COLUMNS})


def _digest(row: dict[str, Any]) -> str:
    # An entry's columns as `record_many` writes them (and `entry_digest` reads them).
    body = json.dumps(
        {
            "prev": row["prev_hash"],
            "at": row["created_at"].isoformat(),
            "actor": row["actor_id"],
            "action": row["action"],
            "type": row["object_type"],
            "id": row["object_id"],
            "meeting": row["meeting_id"],
            "data": row["data"],
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


async def _lock_head(session: AsyncSession) -> AuditHead:
    head = await session.get(AuditHead, 1, with_for_update=True)
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS)
        session.add(head)
        await session.flush()
    return head


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor_id: int | None,
    object_type: str = "",
    object_id: str | int = "",
    meeting_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction, extending the hash chain."""
    await record_many(session, [AuditRecord(
        action=action, actor_id=actor_id, object_type=object_type, object_id=str(object_id),
        meeting_id=meeting_id, data=data or {})])


@dataclass(frozen=True)
class AuditRecord:
    """What one audit entry says, before it is chained."""

    action: str
    actor_id: int | None
    object_type: str = ""
    object_id: str = ""
    meeting_id: int | None = None
    data: dict[str, Any] | None = None


async def record_many(session: AsyncSession, records: list[AuditRecord]) -> None:
    """Append several entries under one lock of the chain head (a ballot batch, say)."""
    head = await _lock_head(session)
    previous = head.last_hash
    at = utcnow()  # one moment for the batch: per-entry times would order a secret poll
    rows = []
    for rec in records:
        row: dict[str, Any] = {
            "actor_id": rec.actor_id, "action": rec.action, "object_type": rec.object_type,
            "object_id": rec.object_id, "meeting_id": rec.meeting_id, "data": rec.data or {},
            "prev_hash": previous, "created_at": at,
        }
        row["hash"] = previous = _digest(row)
        rows.append(row)
    # One statement for the whole batch, in chain order, on the table itself: ORM objects
    # (or the ORM's bulk insert) would cost more than the hashing, for ids nobody reads.
    if rows:
        await session.execute(insert(_TABLE), rows)
    # Events for other systems, and emails to people, are written in the same transaction
    # as what they report: an action rolled back tells nobody.
    await webhooks.enqueue_audited(session, records, at)
    await letters.audited(session, records, at)
    head.last_hash = previous
    await session.flush()


_TABLE = cast(Table, AuditEntry.__table__)
_COLUMNS = ("actor_id", "action", "object_type", "object_id", "meeting_id", "data",
            "prev_hash", "hash", "created_at")


async def verify_chain(session: AsyncSession) -> int | None:
    """The id of the first entry whose hash or link is wrong, or None if the chain holds."""
    previous = GENESIS
    result = await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.id))
    async for entry in result:
        if entry.prev_hash != previous or entry_digest(entry) != entry.hash:
            return entry.id
        previous = entry.hash
    head = await session.get(AuditHead, 1)
    if head is not None and head.last_hash != previous:
        return -1
    return None


async def entries(
    session: AsyncSession, *, meeting_id: int | None = None, action: str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """The newest audit entries, optionally for one meeting or action."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if meeting_id is not None:
        query = query.where(AuditEntry.meeting_id == meeting_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list((await session.scalars(query)).all())
