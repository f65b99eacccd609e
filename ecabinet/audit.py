"""The audit log: who did or saw what, chained by SHA-256 so a later edit is detectable."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, insert, select
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


@dataclass(frozen=True)
class ChainCheck:
    """What checking the chain found: how many entries, and the first that is wrong
    (-1: every entry holds but the head names another last hash: entries were removed)."""

    checked: int
    broken_at: int | None


async def check_chain(session: AsyncSession) -> ChainCheck:
    """Recompute every entry's hash in order, stopping at the first that does not hold."""
    previous = GENESIS
    checked = 0
    result = await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.id))
    async for entry in result:
        if entry.prev_hash != previous or entry_digest(entry) != entry.hash:
            return ChainCheck(checked, entry.id)
        previous = entry.hash
        checked += 1
    head = await session.get(AuditHead, 1)
    if head is not None and head.last_hash != previous:
        return ChainCheck(checked, -1)
    return ChainCheck(checked, None)


async def verify_chain(session: AsyncSession) -> int | None:
    """The id of the first entry whose hash or link is wrong, or None if the chain holds."""
    return (await check_chain(session)).broken_at


@dataclass(frozen=True)
class AuditFilter:
    """What the administrator looks for; each field left empty matches everything."""

    actor_id: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    meeting_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _matching(flt: AuditFilter) -> Select[AuditEntry]:
    query = select(AuditEntry)
    if flt.actor_id is not None:
        query = query.where(AuditEntry.actor_id == flt.actor_id)
    if flt.action:
        # "meeting." finds every action on meetings; "meeting.postpone" just that one.
        query = query.where(AuditEntry.action.startswith(flt.action, autoescape=True)
                            if flt.action.endswith(".") else AuditEntry.action == flt.action)
    if flt.object_type:
        query = query.where(AuditEntry.object_type == flt.object_type)
    if flt.object_id:
        query = query.where(AuditEntry.object_id == flt.object_id)
    if flt.meeting_id is not None:
        query = query.where(AuditEntry.meeting_id == flt.meeting_id)
    if flt.since is not None:
        query = query.where(AuditEntry.created_at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEntry.created_at < flt.until)
    return query


async def search(session: AsyncSession, flt: AuditFilter, *, before_id: int | None = None,
                 limit: int = 100) -> list[AuditEntry]:
    """The newest entries matching `flt`, older than `before_id` when paging back."""
    query = _matching(flt).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list((await session.scalars(query)).all())


async def actions(session: AsyncSession) -> list[str]:
    """Every action the log holds, for the screen's filter."""
    return list((await session.scalars(
        select(AuditEntry.action).distinct().order_by(AuditEntry.action))).all())


async def entries(
    session: AsyncSession, *, meeting_id: int | None = None, action: str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """The newest audit entries, optionally for one meeting or action."""
    return await search(session, AuditFilter(action=action or "", meeting_id=meeting_id),
                        limit=limit)
