"""The live meeting's common ground: who runs it, which item is on, and its live settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog, meetings
from ecabinet.errors import Conflict, Forbidden, Invalid
from ecabinet.models import (
    AgendaItem,
    InvitedUnit,
    LiveState,
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantRole,
    Role,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.units import ancestors

QUORUM_RULES = ("majority", "two_thirds")
# Before the session delegates still answer invitations and send questions.
OPEN_FOR_MEMBERS = (MeetingStatus.published, MeetingStatus.in_session)
AGENDA_PUBLIC = (MeetingStatus.published, MeetingStatus.in_session, MeetingStatus.adjourned,
                 MeetingStatus.closed)
MIN_SPEAKING_SECONDS = 30
MAX_SPEAKING_SECONDS = 3600


async def state_of(session: AsyncSession, meeting_id: int, *, create: bool = False) -> LiveState:
    """The meeting's live settings; unsaved defaults unless `create` (writers pass it)."""
    state = await session.get(LiveState, meeting_id)
    if state is None:
        state = LiveState(meeting_id=meeting_id, current_item_id=None, quorum_rule="majority",
                          speaking_limit_seconds=300)
        if create:
            session.add(state)
            await session.flush()
    return state


async def presides(session: AsyncSession, user: User, meeting: Meeting) -> bool:
    """The chair runs the meeting; the managing secretary may work the console for them."""
    return meetings.is_chair(user, meeting) or await meetings.can_manage(session, user, meeting)


async def presider_ids(session: AsyncSession, meeting: Meeting) -> set[int]:
    """The chair and every secretary who manages the meeting (the console's users)."""
    unit_ids = [unit.id for unit in await ancestors(session, meeting.unit_id)]
    secretaries = await session.scalars(
        select(User.id).where(User.role == Role.secretary, User.unit_id.in_(unit_ids)))
    return {meeting.chair_id, meeting.created_by_id, *secretaries}


async def presided_meeting(session: AsyncSession, user: User, meeting_id: int) -> Meeting:
    """The meeting if the user presides over it (NotFound if they may not even see it)."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    if not await presides(session, user, meeting):
        raise Forbidden("forbidden")
    return meeting


def require_in_session(meeting: Meeting) -> None:
    """Refuse unless the meeting is being held now."""
    if meeting.status != MeetingStatus.in_session:
        raise Conflict("meeting_not_in_session")


def require_open_for_members(meeting: Meeting) -> None:
    """Refuse unless the meeting is published or in session."""
    if meeting.status not in OPEN_FOR_MEMBERS:
        raise Conflict("meeting_not_open")


# Built once (every join and live action asks): see accounts._SESSION_BY_TOKEN.
_PARTICIPANT = select(Participant).where(Participant.meeting_id == bindparam("meeting_id"),
                                         Participant.user_id == bindparam("user_id"))


async def participant(session: AsyncSession, meeting_id: int, user_id: int) -> Participant | None:
    """The user's participation in the meeting, if invited by name."""
    found: Participant | None = await session.scalar(
        _PARTICIPANT, {"meeting_id": meeting_id, "user_id": user_id})
    return found


async def is_remote_room(session: AsyncSession, user: User, meeting_id: int) -> bool:
    """Whether the user is the shared account of a unit invited to join remotely."""
    if user.role != Role.remote_room or user.unit_id is None:
        return False
    found = await session.scalar(
        select(InvitedUnit.id).where(InvitedUnit.meeting_id == meeting_id,
                                     InvitedUnit.unit_id == user.unit_id,
                                     InvitedUnit.remote.is_(True))
    )
    return found is not None


async def takes_part(session: AsyncSession, user: User, meeting: Meeting) -> bool:
    """Invited to take part (not merely to watch): may answer, speak and send questions."""
    if user.id == meeting.chair_id:
        return True
    joined = await participant(session, meeting.id, user.id)
    if joined is not None:
        return joined.role != ParticipantRole.observer
    return await is_remote_room(session, user, meeting.id)


async def item_of(session: AsyncSession, meeting_id: int, item_id: int | None) -> AgendaItem | None:
    """An agenda item of this meeting, or Invalid if the id names another meeting's item."""
    if item_id is None:
        return None
    item = await session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting_id:
        raise Invalid("item_not_in_meeting")
    return item


def item_view(item: AgendaItem | None) -> dict[str, Any] | None:
    """The short form of an agenda item the live screens show."""
    if item is None:
        return None
    return {"id": item.id, "position": item.position, "title": item.title,
            "description": item.description, "presenter": item.presenter,
            "planned_minutes": item.planned_minutes}


async def items(session: AsyncSession, meeting_id: int) -> list[AgendaItem]:
    """The meeting's agenda in order."""
    rows = await session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
        .order_by(AgendaItem.position, AgendaItem.id)
    )
    return list(rows.all())


async def set_current_item(
    session: AsyncSession, actor: User, meeting_id: int, item_id: int | None
) -> LiveState:
    """Put an agenda item before the hall (or none); every screen follows."""
    meeting = await presided_meeting(session, actor, meeting_id)
    require_in_session(meeting)
    item = await item_of(session, meeting.id, item_id)
    state = await state_of(session, meeting.id, create=True)
    if state.current_item_id == item_id:
        return state
    state.current_item_id = item_id
    state.updated_at = utcnow()
    await session.flush()
    await eventlog.append(session, meeting.id, "live.item", {"current_item": item_view(item)})
    await audit.record(session, "live.item", actor_id=actor.id, object_type="agenda_item",
                       object_id=item_id or "", meeting_id=meeting.id,
                       data={"title": item.title if item else ""})
    return state


async def set_settings(
    session: AsyncSession, actor: User, meeting_id: int, *, quorum_rule: str | None = None,
    speaking_limit_seconds: int | None = None,
) -> LiveState:
    """Change the quorum rule or the default speaking time of a meeting."""
    meeting = await presided_meeting(session, actor, meeting_id)
    if meeting.status in (MeetingStatus.adjourned, MeetingStatus.closed):
        raise Conflict("meeting_over")
    state = await state_of(session, meeting.id, create=True)
    if quorum_rule is not None:
        if quorum_rule not in QUORUM_RULES:
            raise Invalid("field_invalid", field="quorum_rule")
        state.quorum_rule = quorum_rule
    if speaking_limit_seconds is not None:
        if not MIN_SPEAKING_SECONDS <= speaking_limit_seconds <= MAX_SPEAKING_SECONDS:
            raise Invalid("speaking_limit_range", low=MIN_SPEAKING_SECONDS,
                          high=MAX_SPEAKING_SECONDS)
        state.speaking_limit_seconds = speaking_limit_seconds
    state.updated_at = utcnow()
    await session.flush()
    await eventlog.append(session, meeting.id, "live.settings", settings_view(state))
    await audit.record(session, "live.settings", actor_id=actor.id, object_type="meeting",
                       object_id=meeting.id, meeting_id=meeting.id, data=settings_view(state))
    return state


def settings_view(state: LiveState) -> dict[str, Any]:
    """The live settings as screens show them."""
    return {"quorum_rule": state.quorum_rule,
            "speaking_limit_seconds": state.speaking_limit_seconds}


async def snapshot(session: AsyncSession, user: User, meeting: Meeting) -> dict[str, Any]:
    """The live part of a meeting screen: current item, agenda outline, settings, clock."""
    state = await state_of(session, meeting.id)
    runs = await presides(session, user, meeting)
    # Before publication the agenda is the preparers' business only.
    agenda = await items(session, meeting.id) if runs or meeting.status in AGENDA_PUBLIC else []
    current = next((i for i in agenda if i.id == state.current_item_id), None)
    return {
        "current_item": item_view(current),
        "items": [item_view(i) for i in agenda],
        **settings_view(state),
        "presides": runs,
        "takes_part": await takes_part(session, user, meeting),
        # Lets screens run the speaking and voting timers on the server's clock.
        "server_time": utcnow().isoformat(),
    }
