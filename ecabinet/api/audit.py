"""The audit log on screen (administrators): look entries up, check the hash chain, export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import audit, audit_labels, payload, spreadsheet
from ecabinet.api.context import authed, ok
from ecabinet.api.spec import (
    COUNT,
    DATE,
    ID,
    INT,
    STR,
    TIME,
    arr,
    dict_of,
    named,
    nullable,
    obj,
    operation,
    record,
)
from ecabinet.errors import Invalid
from ecabinet.models import AuditEntry, Role, User
from ecabinet.workdays import VIETNAM

PAGE = 100
CSV_MOST = 50_000
ACTOR = record(id=ID, name=STR, username=STR)
# The labels are in the request's language (the code itself when the table lacks one).
ENTRY = named("AuditEntry", record(
    id=ID, at=TIME, actor=nullable(ACTOR), action=STR, action_label=STR, object_type=STR,
    object_type_label=STR, object_id=STR, meeting_id=nullable(ID), data={"type": "object"}))
# The filter's choices: the families of the actions the log holds (`family` is the prefix
# that matches them all, "meeting."), and every object type the server records.
FAMILY = record(family=STR, family_name=STR, family_label=STR,
                actions=arr(record(action=STR, action_label=STR)))
OBJECT_TYPE = record(object_type=STR, object_type_label=STR)
FILTER = obj(actor_id=ID, action=STR, object_type=STR, object_id=STR, meeting_id=ID,
             since=DATE, until=DATE, before_id=ID)
# broken_at: the first entry whose hash or link does not hold (-1: entries were removed
# from the end), with that entry when it exists.
CHECK = record(intact={"type": "boolean"}, checked=COUNT, broken_at=nullable(INT),
               entry=nullable(ENTRY))
# The export is read in Vietnamese; codes keep their own columns for filtering in Excel.
HEADERS = ("Số", "Thời điểm", "Người thực hiện", "Tài khoản", "Hành động", "Mã hành động",
           "Loại đối tượng", "Mã loại đối tượng", "Mã đối tượng", "Cuộc họp", "Chi tiết",
           "Hash")


def _day(raw: str | None, name: str) -> dt.date | None:
    return payload.day({name: raw}, name, required=False) if raw else None


def _filter(request: Request) -> audit.AuditFilter:
    query = request.query_params
    since, until = _day(query.get("since"), "since"), _day(query.get("until"), "until")
    if since and until and until < since:
        raise Invalid("date_range_invalid", field="until")
    start = dt.time(tzinfo=VIETNAM)
    return audit.AuditFilter(
        actor_id=payload.query_int(query.get("actor_id"), "actor_id"),
        action=(query.get("action") or "").strip()[:80],
        object_type=(query.get("object_type") or "").strip()[:40],
        object_id=(query.get("object_id") or "").strip()[:80],
        meeting_id=payload.query_int(query.get("meeting_id"), "meeting_id"),
        # Days are Vietnam's: "until 31/12" takes in the whole of that day.
        since=dt.datetime.combine(since, start) if since else None,
        until=dt.datetime.combine(until + dt.timedelta(days=1), start) if until else None)


async def _people(session: AsyncSession, entries: list[AuditEntry]) -> dict[int, User]:
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    if not ids:
        return {}
    return {u.id: u for u in (await session.scalars(select(User).where(User.id.in_(ids))))}


def _view(entry: AuditEntry, people: dict[int, User], language: str) -> dict[str, Any]:
    actor = people.get(entry.actor_id) if entry.actor_id is not None else None
    return {"id": entry.id, "at": entry.created_at.isoformat(),
            "actor": {"id": actor.id, "name": actor.full_name, "username": actor.username}
            if actor else None,
            "action": entry.action,
            "action_label": audit_labels.action_label(entry.action, language),
            "object_type": entry.object_type,
            "object_type_label": audit_labels.object_type_label(entry.object_type, language),
            "object_id": entry.object_id, "meeting_id": entry.meeting_id,
            "data": entry.data}


def _families(actions: list[str], language: str) -> list[dict[str, Any]]:
    grouped: dict[str, list[str]] = {}
    for action in actions:
        grouped.setdefault(audit_labels.family_of(action), []).append(action)
    return [{"family": f"{family}.", "family_name": audit_labels.family_name(family, language),
             "family_label": audit_labels.family_label(family, language),
             "actions": [{"action": a, "action_label": audit_labels.action_label(a, language)}
                         for a in members]}
            for family, members in grouped.items()]


def _data_labels(entries: list[AuditEntry], language: str) -> dict[str, str]:
    # Only the keys this page shows, labelled where the table knows them.
    keys = {key for e in entries if isinstance(e.data, dict) for key in e.data}
    return {key: audit_labels.data_key_label(key, language) for key in sorted(keys)
            if key in audit_labels.DATA_KEYS}


@operation("Audit entries, newest first, 100 at a time (admin)", tag="audit", query=FILTER,
           response=record(entries=arr(ENTRY), next_before_id=nullable(ID),
                           actions=arr(STR), families=arr(FAMILY),
                           object_types=arr(OBJECT_TYPE), data_labels=dict_of(STR)))
async def list_entries(request: Request) -> Response:
    """`before_id` pages back: pass the last answer's `next_before_id`."""
    flt = _filter(request)
    before = payload.query_int(request.query_params.get("before_id"), "before_id")
    async with authed(request, read_only=True) as ctx:
        ctx.require(Role.admin)
        found = await audit.search(ctx.db, flt, before_id=before, limit=PAGE + 1)
        people = await _people(ctx.db, found[:PAGE])
        known = await audit.actions(ctx.db)
    more = len(found) > PAGE
    language = request.state.language
    return ok({"entries": [_view(e, people, language) for e in found[:PAGE]],
               "next_before_id": found[PAGE - 1].id if more else None, "actions": known,
               "families": _families(known, language),
               "object_types": [
                   {"object_type": code,
                    "object_type_label": audit_labels.object_type_label(code, language)}
                   for code in audit_labels.OBJECT_TYPES],
               "data_labels": _data_labels(found[:PAGE], language)})


@operation("Check the audit log's hash chain from its first entry (admin)", tag="audit",
           response=CHECK)
async def check_chain(request: Request) -> Response:
    """Every entry's SHA-256 is recomputed over its content and the previous hash."""
    async with authed(request, read_only=True) as ctx:
        ctx.require(Role.admin)
        result = await audit.check_chain(ctx.db)
        entry = (await ctx.db.get(AuditEntry, result.broken_at)
                 if result.broken_at and result.broken_at > 0 else None)
        people = await _people(ctx.db, [entry] if entry else [])
    return ok({"intact": result.broken_at is None, "checked": result.checked,
               "broken_at": result.broken_at,
               "entry": _view(entry, people, request.state.language) if entry else None})


@operation("The matching audit entries as CSV for Excel (admin; at most 50,000)",
           tag="audit", query=FILTER, response=STR, content="text/csv")
async def export_csv(request: Request) -> Response:
    """UTF-8 with BOM, Vietnamese headers; the export itself is audited."""
    flt = _filter(request)
    async with authed(request) as ctx:
        ctx.require(Role.admin)
        found = await audit.search(ctx.db, flt, limit=CSV_MOST)
        people = await _people(ctx.db, found)
        await audit.record(ctx.db, "audit.export", actor_id=ctx.user.id, object_type="audit",
                           data={"rows": len(found)})
    rows = []
    for entry in found:
        view = _view(entry, people, "vi")
        local = entry.created_at.astimezone(VIETNAM)
        rows.append((entry.id, local.strftime("%d/%m/%Y %H:%M:%S"),
                     view["actor"]["name"] if view["actor"] else "Hệ thống",
                     view["actor"]["username"] if view["actor"] else "",
                     view["action_label"], entry.action, view["object_type_label"],
                     entry.object_type, entry.object_id, entry.meeting_id or "",
                     spreadsheet.json_cell(entry.data), entry.hash))
    return Response(spreadsheet.csv_text(HEADERS, rows), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="nhat-ky-he-thong.csv"',
                             "cache-control": "no-store"})


routes = [
    Route("/api/audit", list_entries, methods=["GET"]),
    Route("/api/audit/check", check_chain, methods=["GET"]),
    Route("/api/audit.csv", export_csv, methods=["GET"]),
]
