"""The agenda: ordered items prepared by the office, approved by the chair, read by delegates.

Before publication only those preparing the meeting (its managing secretaries and its
chair) see the agenda; from publication on every member does, and every change to an
item keeps the previous version and marks the item "updated" on delegates' screens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog, meetings
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.models import (
    AgendaItem,
    AgendaItemRevision,
    InvitedUnit,
    Meeting,
    MeetingStatus,
    Participant,
    Role,
    Unit,
    User,
)
from ecabinet.units import ancestors

S = MeetingStatus
# From publication on, the agenda and its documents are every member's.
PUBLISHED = frozenset({S.published, S.in_session, S.adjourned, S.closed})
# The agenda may change while being drafted and, versioned, once published; while the
# chair is deciding (submitted, approved) it is frozen, and after the session it is record.
EDITABLE = frozenset({S.draft, S.published, S.in_session})
MAX_MINUTES = 600
_REVISED_FIELDS = ("title", "description", "presenter", "presenter_unit_id", "planned_minutes")


@dataclass
class ItemInput:
    """What the secretary fills in for an agenda item."""

    title: str
    description: str = ""
    presenter: str = ""
    presenter_unit_id: int | None = None
    planned_minutes: int = 15


# -- who sees and edits the agenda ------------------------------------------------


async def manager_ids(session: AsyncSession, meeting: Meeting) -> set[int]:
    """Secretaries who may prepare this meeting: its creator and the offices above its unit."""
    unit_ids = [unit.id for unit in await ancestors(session, meeting.unit_id)]
    ids = set(
        (await session.scalars(
            select(User.id).where(User.role == Role.secretary, User.unit_id.in_(unit_ids))
        )).all()
    )
    ids.add(meeting.created_by_id)
    return ids


async def preparer_ids(session: AsyncSession, meeting: Meeting) -> set[int]:
    """Everyone who sees the agenda before publication: managing secretaries and the chair."""
    return await manager_ids(session, meeting) | {meeting.chair_id}


async def can_prepare(session: AsyncSession, user: User, meeting: Meeting) -> bool:
    """Whether the user prepares (secretary) or approves (chair) this meeting."""
    return meetings.is_chair(user, meeting) or await meetings.can_manage(session, user, meeting)


async def is_member(session: AsyncSession, user: User, meeting: Meeting) -> bool:
    """`meetings.can_view` in at most two indexed look-ups (page requests call this often)."""
    if user.role == Role.admin or user.id in (meeting.chair_id, meeting.created_by_id):
        return True
    if await session.scalar(select(exists().where(
        Participant.meeting_id == meeting.id, Participant.user_id == user.id
    ))):
        return True
    if user.role == Role.remote_room and user.unit_id is not None and await session.scalar(
        select(exists().where(InvitedUnit.meeting_id == meeting.id,
                              InvitedUnit.unit_id == user.unit_id))
    ):
        return True
    return await meetings.can_manage(session, user, meeting)


async def can_read(session: AsyncSession, user: User, meeting: Meeting) -> bool:
    """Whether the user may see this meeting's agenda and (unrestricted) documents now."""
    if meeting.status in PUBLISHED:
        return await is_member(session, user, meeting)
    return await can_prepare(session, user, meeting)


async def audience(session: AsyncSession, meeting: Meeting) -> list[int] | None:
    """Who receives agenda events now: everyone once published, else the preparers."""
    if meeting.status in PUBLISHED:
        return None
    return sorted(await preparer_ids(session, meeting))


async def readable_meeting(session: AsyncSession, user: User, meeting_id: int) -> Meeting:
    """The meeting if the user may read its agenda; NotFound if they may not see the meeting."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    if not await can_read(session, user, meeting):
        raise Forbidden("agenda_not_published")
    return meeting


async def editable_meeting(session: AsyncSession, user: User, meeting_id: int) -> Meeting:
    """The meeting if the user manages it and its agenda may change now."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    if not await meetings.can_manage(session, user, meeting):
        raise Forbidden("forbidden")
    if meeting.status not in EDITABLE:
        raise Conflict("agenda_locked", status=meeting.status.value)
    return meeting


# -- items -----------------------------------------------------------------------


async def _validated(session: AsyncSession, data: ItemInput) -> ItemInput:
    title = data.title.strip()
    if not title:
        raise Invalid("item_title_required")
    if len(title) > 500:
        raise Invalid("field_too_long", field="title", max=500)
    if not 1 <= data.planned_minutes <= MAX_MINUTES:
        raise Invalid("item_minutes_invalid", max=MAX_MINUTES)
    unit_id = data.presenter_unit_id
    if unit_id is not None and await session.get(Unit, unit_id) is None:
        raise Invalid("unknown_unit")
    return ItemInput(title=title, description=data.description.strip(),
                     presenter=data.presenter.strip(), presenter_unit_id=data.presenter_unit_id,
                     planned_minutes=data.planned_minutes)


async def _items(session: AsyncSession, meeting_id: int) -> list[AgendaItem]:
    return list((await session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
        .order_by(AgendaItem.position, AgendaItem.id)
    )).all())


async def list_items(session: AsyncSession, user: User, meeting_id: int) -> list[AgendaItem]:
    """The agenda in order, if the user may read it."""
    meeting = await readable_meeting(session, user, meeting_id)
    return await _items(session, meeting.id)


async def get_item(session: AsyncSession, user: User, item_id: int) -> tuple[AgendaItem, Meeting]:
    """An item and its meeting, if the user may read the agenda."""
    item = await session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("item_not_found")
    try:
        meeting = await meetings.get_meeting(session, user, item.meeting_id)
    except NotFound as exc:
        raise NotFound("item_not_found") from exc  # as if absent: ids reveal nothing
    if not await can_read(session, user, meeting):
        raise NotFound("item_not_found")
    return item, meeting


async def _editable_item(
    session: AsyncSession, user: User, item_id: int
) -> tuple[AgendaItem, Meeting]:
    item = await session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("item_not_found")
    try:
        meeting = await editable_meeting(session, user, item.meeting_id)
    except NotFound as exc:
        raise NotFound("item_not_found") from exc
    return item, meeting


async def _emit_item(session: AsyncSession, meeting: Meeting, item: AgendaItem) -> None:
    await eventlog.append(session, meeting.id, "agenda.item_updated",
                          {"item": await item_view(session, item, meeting)},
                          audience=await audience(session, meeting))


async def add_item(session: AsyncSession, actor: User, meeting_id: int, data: ItemInput
                   ) -> AgendaItem:
    """Append an item to the agenda (secretary of the meeting, while the agenda is editable)."""
    meeting = await editable_meeting(session, actor, meeting_id)
    clean = await _validated(session, data)
    last = await session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    )
    item = AgendaItem(meeting_id=meeting.id, position=(last or 0) + 1, title=clean.title,
                      description=clean.description, presenter=clean.presenter,
                      presenter_unit_id=clean.presenter_unit_id,
                      planned_minutes=clean.planned_minutes)
    session.add(item)
    await session.flush()
    await _emit_item(session, meeting, item)
    await audit.record(session, "agenda.add", actor_id=actor.id, object_type="agenda_item",
                       object_id=item.id, meeting_id=meeting.id, data={"title": item.title})
    return item


def _fields(item: AgendaItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in _REVISED_FIELDS}


async def update_item(session: AsyncSession, actor: User, item_id: int, data: ItemInput
                      ) -> AgendaItem:
    """Change an item; after publication the previous text is kept and the version bumped."""
    item, meeting = await _editable_item(session, actor, item_id)
    clean = await _validated(session, data)
    before = _fields(item)
    after = {"title": clean.title, "description": clean.description,
             "presenter": clean.presenter, "presenter_unit_id": clean.presenter_unit_id,
             "planned_minutes": clean.planned_minutes}
    if before == after:
        return item
    if meeting.status in PUBLISHED:
        session.add(AgendaItemRevision(item_id=item.id, version=item.version, data=before,
                                       changed_by_id=actor.id))
        item.version += 1
    for name, value in after.items():
        setattr(item, name, value)
    await session.flush()
    await _emit_item(session, meeting, item)
    await audit.record(session, "agenda.update", actor_id=actor.id, object_type="agenda_item",
                       object_id=item.id, meeting_id=meeting.id,
                       data={"version": item.version,
                             "changed": sorted(k for k in after if after[k] != before[k])})
    return item


async def remove_item(session: AsyncSession, actor: User, item_id: int) -> None:
    """Take an item (and its documents) off the agenda."""
    item, meeting = await _editable_item(session, actor, item_id)
    title = item.title
    await session.delete(item)
    await session.flush()
    await eventlog.append(session, meeting.id, "agenda.item_removed", {"item_id": item_id},
                          audience=await audience(session, meeting))
    await audit.record(session, "agenda.remove", actor_id=actor.id, object_type="agenda_item",
                       object_id=item_id, meeting_id=meeting.id, data={"title": title})


async def reorder(session: AsyncSession, actor: User, meeting_id: int, item_ids: Sequence[int]
                  ) -> list[AgendaItem]:
    """Put the items in the given order; the list must name every item exactly once."""
    meeting = await editable_meeting(session, actor, meeting_id)
    items = await _items(session, meeting.id)
    by_id = {item.id: item for item in items}
    if len(item_ids) != len(by_id) or set(item_ids) != set(by_id):
        raise Invalid("agenda_order_mismatch")
    for position, item_id in enumerate(item_ids, start=1):
        by_id[item_id].position = position
    await session.flush()
    await eventlog.append(session, meeting.id, "agenda.order", {"item_ids": list(item_ids)},
                          audience=await audience(session, meeting))
    await audit.record(session, "agenda.reorder", actor_id=actor.id, object_type="meeting",
                       object_id=meeting.id, meeting_id=meeting.id,
                       data={"item_ids": list(item_ids)})
    return [by_id[i] for i in item_ids]


async def revisions(session: AsyncSession, user: User, item_id: int) -> list[dict[str, Any]]:
    """Earlier versions of an item, newest first."""
    item, _meeting = await get_item(session, user, item_id)
    rows = await session.scalars(
        select(AgendaItemRevision).where(AgendaItemRevision.item_id == item.id)
        .order_by(AgendaItemRevision.version.desc())
    )
    return [{"version": r.version, "changed_at": r.created_at.isoformat(), **r.data}
            for r in rows]


# -- views -----------------------------------------------------------------------


def changed_after_publish(created_at: datetime, version: int, published_at: datetime | None
                          ) -> bool:
    """Whether something appeared or changed after the meeting was published."""
    return published_at is not None and (version > 1 or created_at > published_at)


async def item_view(session: AsyncSession, item: AgendaItem, meeting: Meeting) -> dict[str, Any]:
    """An item as every reader's screen shows it."""
    unit = await session.get(Unit, item.presenter_unit_id) if item.presenter_unit_id else None
    return {
        "id": item.id,
        "meeting_id": item.meeting_id,
        "position": item.position,
        "title": item.title,
        "description": item.description,
        "presenter": item.presenter,
        "presenter_unit": {"id": unit.id, "name": unit.name} if unit else None,
        "planned_minutes": item.planned_minutes,
        "version": item.version,
        "updated_at": item.updated_at.isoformat(),
        "updated": changed_after_publish(item.created_at, item.version, meeting.published_at),
    }


async def snapshot(session: AsyncSession, user: User, meeting: Meeting) -> dict[str, Any]:
    """The agenda part of a meeting screen: items if readable, and what the user may do."""
    readable = await can_read(session, user, meeting)
    manages = await meetings.can_manage(session, user, meeting)
    items = await _items(session, meeting.id) if readable else []
    return {
        "readable": readable,
        "editable": manages and meeting.status in EDITABLE,
        "manages": manages,
        "items": [await item_view(session, item, meeting) for item in items],
    }


# -- the life of the meeting -------------------------------------------------------


async def require_items(session: AsyncSession, meeting: Meeting) -> None:
    """Guard on "submit": an agenda with no item cannot be sent for approval."""
    count = await session.scalar(
        select(func.count(AgendaItem.id)).where(AgendaItem.meeting_id == meeting.id)
    )
    if not count:
        raise Invalid("agenda_empty")


meetings.add_guard("submit", require_items)
