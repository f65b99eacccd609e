"""Meetings: create, edit, list, and move through their life."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.models import (
    AuditEntry,
    InvitedUnit,
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantRole,
    Role,
    Unit,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.units import descendant_ids
from ecabinet.workdays import local_date, working_days_between

INVITATION_LEAD_WORKING_DAYS = 3
S = MeetingStatus


@dataclass
class MeetingInput:
    """What a secretary fills in for a meeting."""

    title: str
    unit_id: int
    chair_id: int
    starts_at: datetime
    ends_at: datetime | None = None
    place: str = ""
    description: str = ""
    urgent: bool = False
    # (user id, role in the meeting)
    participants: Sequence[tuple[int, ParticipantRole]] = field(default_factory=list)
    # (unit id, joins remotely from its own meeting room)
    invited_units: Sequence[tuple[int, bool]] = field(default_factory=list)


async def _managed_unit_ids(session: AsyncSession, user: User) -> set[int]:
    if user.unit_id is None:
        return set()
    return await descendant_ids(session, user.unit_id)


async def can_manage(session: AsyncSession, user: User, meeting: Meeting) -> bool:
    """Secretaries prepare meetings of their own unit and the units below it."""
    if user.role != Role.secretary:
        return False
    if meeting.created_by_id == user.id:
        return True
    return meeting.unit_id in await _managed_unit_ids(session, user)


def is_chair(user: User, meeting: Meeting) -> bool:
    """Whether the user presides over this meeting."""
    return user.role == Role.chair and meeting.chair_id == user.id


async def member_ids(session: AsyncSession, meeting: Meeting) -> set[int]:
    """Everyone who belongs to the meeting: participants, chair, creator, remote rooms."""
    ids = {meeting.chair_id, meeting.created_by_id}
    ids.update(
        (await session.scalars(
            select(Participant.user_id).where(Participant.meeting_id == meeting.id)
        )).all()
    )
    remote_units = select(InvitedUnit.unit_id).where(InvitedUnit.meeting_id == meeting.id)
    ids.update(
        (await session.scalars(
            select(User.id).where(User.unit_id.in_(remote_units), User.role == Role.remote_room)
        )).all()
    )
    return ids


# Built once (every live action asks): see accounts._SESSION_BY_TOKEN.
_INVITED = select(Participant.id).where(Participant.meeting_id == bindparam("meeting_id"),
                                        Participant.user_id == bindparam("user_id")).limit(1)


async def is_member(session: AsyncSession, user: User, meeting: Meeting, *,
                    invited: bool | None = None) -> bool:
    """Whether `user` is among `member_ids`, asked of that user alone: every live action
    checks it, and a thousand-member meeting must not be read whole each time.

    `invited`: whether the user is a participant, if the caller has read it already.
    """
    if user.id in (meeting.chair_id, meeting.created_by_id):
        return True
    if invited is None:
        invited = bool(await session.scalar(
            _INVITED, {"meeting_id": meeting.id, "user_id": user.id}))
    if invited:
        return True
    if user.role != Role.remote_room or user.unit_id is None:
        return False
    return bool(await session.scalar(select(InvitedUnit.id).where(
        InvitedUnit.meeting_id == meeting.id, InvitedUnit.unit_id == user.unit_id).limit(1)))


async def can_view(session: AsyncSession, user: User, meeting: Meeting, *,
                   invited: bool | None = None) -> bool:
    """Admins, managing secretaries and members see a meeting; nobody else learns it exists.
    (`invited`: as for `is_member`.)"""
    if user.role == Role.admin:
        return True
    if await is_member(session, user, meeting, invited=invited):
        return True
    return await can_manage(session, user, meeting)


async def get_meeting(session: AsyncSession, user: User, meeting_id: int) -> Meeting:
    """A meeting the user may see, or NotFound."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or not await can_view(session, user, meeting):
        raise NotFound("meeting_not_found")
    return meeting


async def list_meetings(
    session: AsyncSession, user: User, *, status: MeetingStatus | None = None
) -> list[Meeting]:
    """Meetings the user may see, soonest first."""
    query = select(Meeting).order_by(Meeting.starts_at.desc())
    if status is not None:
        query = query.where(Meeting.status == status)
    if user.role != Role.admin:
        member = select(Participant.meeting_id).where(Participant.user_id == user.id)
        conditions = [
            Meeting.id.in_(member),
            Meeting.chair_id == user.id,
            Meeting.created_by_id == user.id,
        ]
        if user.role == Role.remote_room and user.unit_id is not None:
            conditions.append(
                Meeting.id.in_(
                    select(InvitedUnit.meeting_id).where(InvitedUnit.unit_id == user.unit_id)
                )
            )
        if user.role == Role.secretary:
            managed = await _managed_unit_ids(session, user)
            if managed:
                conditions.append(Meeting.unit_id.in_(managed))
        query = query.where(or_(*conditions))
    return list((await session.scalars(query)).all())


def _check_lead_time(starts_at: datetime, urgent: bool, now: datetime) -> None:
    if starts_at.tzinfo is None:
        raise Invalid("naive_datetime")
    if starts_at <= now:
        raise Invalid("meeting_in_past")
    if urgent:
        return
    lead = working_days_between(local_date(now), local_date(starts_at))
    if lead < INVITATION_LEAD_WORKING_DAYS:
        raise Invalid("lead_time_too_short", days=INVITATION_LEAD_WORKING_DAYS, lead=lead)


async def _validate(session: AsyncSession, actor: User, data: MeetingInput) -> None:
    # One check for create and update alike: an edit must not reach what creating could not.
    if not data.title.strip():
        raise Invalid("required_fields")
    if data.ends_at is not None and data.ends_at <= data.starts_at:
        raise Invalid("ends_before_start")
    if await session.get(Unit, data.unit_id) is None:
        raise Invalid("unknown_unit")
    chair = await session.get(User, data.chair_id)
    if chair is None or chair.role != Role.chair or not chair.active:
        raise Invalid("chair_must_be_chair")
    user_ids = {uid for uid, _ in data.participants}
    if user_ids:
        found = set((await session.scalars(select(User.id).where(User.id.in_(user_ids)))).all())
        if found != user_ids:
            raise Invalid("unknown_user")
    unit_ids = {uid for uid, _ in data.invited_units}
    if unit_ids:
        found = set((await session.scalars(select(Unit.id).where(Unit.id.in_(unit_ids)))).all())
        if found != unit_ids:
            raise Invalid("unknown_unit")
    if actor.unit_id is None or data.unit_id not in await _managed_unit_ids(session, actor):
        raise Forbidden("unit_not_managed")


async def _screen_ids(session: AsyncSession, unit_id: int) -> list[int]:
    # Observer accounts are screens and watchers: they see a meeting, never take part in it.
    return list((await session.scalars(select(User.id).where(
        User.unit_id == unit_id, User.role == Role.observer, User.active.is_(True)))).all())


async def _write_members(session: AsyncSession, meeting: Meeting, data: MeetingInput) -> None:
    await session.execute(delete(Participant).where(Participant.meeting_id == meeting.id))
    await session.execute(delete(InvitedUnit).where(InvitedUnit.meeting_id == meeting.id))
    roles: dict[int, ParticipantRole] = {uid: ParticipantRole(r) for uid, r in data.participants}
    # The unit's screen accounts (the hall display) watch every meeting of their unit; the
    # form does not list them among the people, so nobody has to remember to add them.
    for screen in await _screen_ids(session, meeting.unit_id):
        roles.setdefault(screen, ParticipantRole.observer)
    roles[meeting.chair_id] = ParticipantRole.chair
    for uid, role in roles.items():
        session.add(Participant(
            meeting_id=meeting.id, user_id=uid, role=role,
            voting=role in (ParticipantRole.chair, ParticipantRole.delegate),
        ))
    for unit_id, remote in dict(data.invited_units).items():
        session.add(InvitedUnit(meeting_id=meeting.id, unit_id=unit_id, remote=remote))
    await session.flush()


async def create_meeting(
    session: AsyncSession, actor: User, data: MeetingInput, *, now: datetime | None = None
) -> Meeting:
    """A new draft meeting; its invitation must leave 3 working days unless urgent."""
    if actor.role != Role.secretary:
        raise Forbidden("forbidden")
    await _validate(session, actor, data)
    _check_lead_time(data.starts_at, data.urgent, now or utcnow())
    meeting = Meeting(
        title=data.title.strip(), description=data.description.strip(), unit_id=data.unit_id,
        chair_id=data.chair_id, created_by_id=actor.id, starts_at=data.starts_at,
        ends_at=data.ends_at, place=data.place.strip(), urgent=data.urgent,
    )
    session.add(meeting)
    await session.flush()
    await _write_members(session, meeting, data)
    view = await describe(session, meeting)
    await eventlog.append(session, meeting.id, "meeting.updated", {"meeting": view})
    await audit.record(session, "meeting.create", actor_id=actor.id, object_type="meeting",
                       object_id=meeting.id, meeting_id=meeting.id, data={"title": meeting.title})
    eventlog.notify(session, await member_ids(session, meeting), "meetings.changed",
                    meeting_id=meeting.id)
    return meeting


async def update_meeting(
    session: AsyncSession, actor: User, meeting_id: int, data: MeetingInput,
    *, now: datetime | None = None,
) -> Meeting:
    """Edit a meeting that has not started; a rescheduled one re-checks the lead time."""
    meeting = await get_meeting(session, actor, meeting_id)
    if not await can_manage(session, actor, meeting):
        raise Forbidden("forbidden")
    if meeting.status not in (S.draft, S.submitted, S.approved, S.published):
        raise Conflict("meeting_not_editable", status=meeting.status.value)
    await _validate(session, actor, data)
    if data.starts_at != meeting.starts_at or data.urgent != meeting.urgent:
        _check_lead_time(data.starts_at, data.urgent, now or utcnow())
    before = await member_ids(session, meeting)
    meeting.title = data.title.strip()
    meeting.description = data.description.strip()
    meeting.unit_id = data.unit_id
    meeting.chair_id = data.chair_id
    meeting.starts_at = data.starts_at
    meeting.ends_at = data.ends_at
    meeting.place = data.place.strip()
    meeting.urgent = data.urgent
    if meeting.published_at is not None:
        meeting.revision += 1
    await _write_members(session, meeting, data)
    await session.flush()
    view = await describe(session, meeting)
    await eventlog.append(session, meeting.id, "meeting.updated", {"meeting": view})
    await audit.record(session, "meeting.update", actor_id=actor.id, object_type="meeting",
                       object_id=meeting.id, meeting_id=meeting.id, data={"title": meeting.title})
    after = await member_ids(session, meeting)
    eventlog.notify(session, before | after, "meetings.changed", meeting_id=meeting.id)
    left = [uid for uid in before - after
            if (user := await session.get(User, uid)) is None
            or not await can_view(session, user, meeting)]
    # Their open screens stop receiving the meeting's events after commit.
    eventlog.notify(session, left, "meeting.left", meeting_id=meeting.id)
    return meeting


@dataclass(frozen=True)
class Transition:
    """One step of the life of a meeting: from which states, to which, and who may take it."""

    name: str
    sources: frozenset[MeetingStatus]
    target: MeetingStatus
    may: Callable[[bool, bool], bool]  # (manages, chairs) -> allowed


def _manager(manages: bool, chairs: bool) -> bool:
    return manages


def _chair(manages: bool, chairs: bool) -> bool:
    return chairs


def _manager_or_chair(manages: bool, chairs: bool) -> bool:
    return manages or chairs


# A meeting announced or being prepared, not yet started: it may be postponed or cancelled.
_NOT_STARTED = (S.submitted, S.approved, S.published)

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("submit", frozenset({S.draft}), S.submitted, _manager),
        Transition("approve", frozenset({S.submitted}), S.approved, _chair),
        Transition("return", frozenset({S.submitted}), S.draft, _chair),
        Transition("publish", frozenset({S.approved}), S.published, _manager_or_chair),
        Transition("start", frozenset({S.published}), S.in_session, _manager_or_chair),
        Transition("adjourn", frozenset({S.in_session}), S.adjourned, _manager_or_chair),
        Transition("close", frozenset({S.adjourned}), S.closed, _manager),
        Transition("cancel", frozenset(_NOT_STARTED), S.cancelled, _manager_or_chair),
    )
}

# Checks other modules add before a transition may happen (e.g. "the agenda has items"),
# kept here so meetings.py need not import them.
Guard = Callable[[AsyncSession, Meeting], Any]
_guards: dict[str, list[Guard]] = {}


def add_guard(transition: str, guard: Guard) -> None:
    """Run `guard(session, meeting)` (async; raise a DomainError to refuse) before a transition."""
    _guards.setdefault(transition, []).append(guard)


async def allowed_transitions(session: AsyncSession, user: User, meeting: Meeting) -> list[str]:
    """The transitions this user could take now, for the UI's buttons."""
    manages = await can_manage(session, user, meeting)
    chairs = is_chair(user, meeting)
    return [
        t.name for t in TRANSITIONS.values()
        if meeting.status in t.sources and t.may(manages, chairs)
    ]


async def transition(
    session: AsyncSession, actor: User, meeting_id: int, name: str, *, comment: str = "",
    now: datetime | None = None, confirm_day: bool = True,
) -> Meeting:
    """Move a meeting one step along its life, checking role and state, with audit and event.

    Starting on another day than scheduled needs `confirm_day`: the HTTP route passes what
    the person confirmed (false unless the request says so); in-process callers (the demo,
    scripts) start knowingly. Either way the start's audit entry records the other day.
    """
    step = TRANSITIONS.get(name)
    if step is None:
        raise Invalid("unknown_transition", name=name)
    meeting = await get_meeting(session, actor, meeting_id)
    if not step.may(await can_manage(session, actor, meeting), is_chair(actor, meeting)):
        raise Forbidden("forbidden")
    if meeting.status not in step.sources:
        raise Conflict("bad_transition", name=name, status=meeting.status.value)
    if name == "return" and not comment.strip():
        raise Invalid("return_needs_comment")
    if name == "cancel" and not comment.strip():
        # Everyone invited is told why: a cancellation without a reason helps nobody.
        raise Invalid("reason_required", field="comment")
    if name == "publish":
        # Publishing sends the invitation: QĐ 45/2018 counts the lead time from here, so a
        # meeting that waited too long for approval must be rescheduled or marked urgent.
        _check_lead_time(meeting.starts_at, meeting.urgent, now or utcnow())
    if name == "start" and not confirm_day:
        started = local_date(now or utcnow())
        if started != local_date(meeting.starts_at):
            raise Conflict("start_other_day", scheduled=_dmy(local_date(meeting.starts_at)),
                           today=_dmy(started))
    for guard in _guards.get(name, []):
        await guard(session, meeting)
    previous = meeting.status
    recorded: dict[str, Any] = {"from": previous.value, "to": step.target.value,
                                "comment": comment.strip()}
    if now is not None:
        # Said by an in-process caller recording what already happened (the demo's past
        # meetings, an import); the entry's own time is when it was written.
        recorded["at"] = now.isoformat()
    if name == "start":
        recorded.update(other_day(meeting, now or utcnow()))
    meeting.status = step.target
    if name == "return":
        meeting.return_comment = comment.strip()
    elif name == "cancel":
        meeting.change_reason = comment.strip()
        meeting.revision += 1
    elif name == "submit":
        meeting.return_comment = ""
    if name == "publish":
        meeting.published_at = utcnow()
    await session.flush()
    await eventlog.append(session, meeting.id, "meeting.status", {
        "status": meeting.status.value, "previous": previous.value, "transition": name,
        "comment": meeting.change_reason if name == "cancel" else meeting.return_comment,
        "by": actor.full_name,
    })
    await audit.record(session, f"meeting.{name}", actor_id=actor.id, object_type="meeting",
                       object_id=meeting.id, meeting_id=meeting.id,
                       data=recorded)
    eventlog.notify(session, await member_ids(session, meeting), "meetings.changed",
                    meeting_id=meeting.id, status=meeting.status.value)
    return meeting


async def postpone(session: AsyncSession, actor: User, meeting_id: int, *, starts_at: datetime,
                   ends_at: datetime | None, reason: str, now: datetime | None = None
                   ) -> Meeting:
    """Move a meeting not yet started to a later time, saying why to everyone invited."""
    meeting = await get_meeting(session, actor, meeting_id)
    if not (await can_manage(session, actor, meeting) or is_chair(actor, meeting)):
        raise Forbidden("forbidden")
    if meeting.status not in _NOT_STARTED:
        raise Conflict("meeting_not_postponable", status=meeting.status.value)
    if not reason.strip():
        raise Invalid("reason_required", field="reason")
    if starts_at <= max(meeting.starts_at, now or utcnow()):
        # Postponing moves it later; an earlier time is a different meeting to announce.
        raise Invalid("postpone_not_later", field="starts_at")
    if ends_at is not None and ends_at <= starts_at:
        raise Invalid("ends_before_start", field="ends_at")
    before = meeting.starts_at
    if meeting.postponed_from is None:
        meeting.postponed_from = before
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at
    meeting.change_reason = reason.strip()
    meeting.revision += 1
    await session.flush()
    await eventlog.append(session, meeting.id, "meeting.updated",
                          {"meeting": await describe(session, meeting)})
    await audit.record(session, "meeting.postpone", actor_id=actor.id, object_type="meeting",
                       object_id=meeting.id, meeting_id=meeting.id,
                       # Both in UTC, as stored: the form's start comes in Vietnam's offset.
                       data={"from": before.astimezone(UTC).isoformat(),
                             "to": starts_at.astimezone(UTC).isoformat(),
                             "reason": meeting.change_reason})
    eventlog.notify(session, await member_ids(session, meeting), "meetings.changed",
                    meeting_id=meeting.id, status=meeting.status.value)
    return meeting


def _dmy(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def other_day(meeting: Meeting, started: datetime) -> dict[str, Any]:
    """How a start on `started` differs from the scheduled day, in Vietnam: empty on the
    day itself, else {"scheduled": iso, "early" or "late": days}, as the start's audit
    entry records it."""
    scheduled, actual = local_date(meeting.starts_at), local_date(started)
    if scheduled == actual:
        return {}
    days = (actual - scheduled).days
    return {"scheduled": meeting.starts_at.isoformat(),
            ("late" if days > 0 else "early"): abs(days)}


async def _transition_time(session: AsyncSession, meeting_id: int, name: str
                           ) -> datetime | None:
    row = (await session.execute(
        select(AuditEntry.created_at, AuditEntry.data)
        .where(AuditEntry.meeting_id == meeting_id, AuditEntry.action == f"meeting.{name}")
        .order_by(AuditEntry.id.desc()).limit(1)
    )).first()
    return transition_moment(*row) if row is not None else None


def transition_moment(created: datetime, data: Any) -> datetime:
    """When a transition's audit entry says it happened: the "at" an in-process caller
    recorded (the demo's past meetings, an import), else when the entry was written."""
    at = data.get("at") if isinstance(data, dict) else None
    return datetime.fromisoformat(at) if isinstance(at, str) else created


async def held_times(session: AsyncSession, meeting: Meeting
                     ) -> tuple[datetime | None, datetime | None]:
    """When the meeting actually started and adjourned, as its transitions were recorded:
    (None, None) before it started, (started, None) while in session. Official documents
    (minutes, conclusion notice) take these, never the schedule, for what happened."""
    started = await _transition_time(session, meeting.id, "start")
    if started is None:
        return None, None
    ended = await _transition_time(session, meeting.id, "adjourn")
    return started, ended if ended is not None and ended >= started else None


async def held_day(session: AsyncSession, meeting: Meeting) -> date:
    """The day the meeting ended (or started, or, never started, was scheduled), in Vietnam."""
    started, ended = await held_times(session, meeting)
    return local_date(ended or started or meeting.ends_at or meeting.starts_at)


async def describe(session: AsyncSession, meeting: Meeting) -> dict[str, Any]:
    """The meeting as every member's screen shows it.

    Its people are counted, not listed: a thousand-member list would go to every screen
    on every join and every edit. `participants_of` lists them for the screens that show it.
    """
    invited = (await session.execute(
        select(InvitedUnit, Unit).join(Unit, Unit.id == InvitedUnit.unit_id)
        .where(InvitedUnit.meeting_id == meeting.id).order_by(InvitedUnit.id)
    )).all()
    people = await session.scalar(
        select(func.count(Participant.id)).where(Participant.meeting_id == meeting.id))
    unit = await session.get(Unit, meeting.unit_id)
    chair = await session.get(User, meeting.chair_id)
    return {
        "id": meeting.id,
        "title": meeting.title,
        "description": meeting.description,
        "unit": {"id": meeting.unit_id, "name": unit.name if unit else ""},
        "chair": {"id": meeting.chair_id, "name": chair.full_name if chair else ""},
        "created_by": meeting.created_by_id,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat() if meeting.ends_at else None,
        "place": meeting.place,
        "urgent": meeting.urgent,
        "status": meeting.status.value,
        "return_comment": meeting.return_comment,
        "change_reason": meeting.change_reason,
        "postponed_from": meeting.postponed_from.isoformat() if meeting.postponed_from else None,
        "participant_count": int(people or 0),
        "invited_units": [
            {"unit_id": iu.unit_id, "name": un.name, "remote": iu.remote} for iu, un in invited
        ],
    }


async def participants_of(session: AsyncSession, meeting: Meeting) -> list[dict[str, Any]]:
    """Everyone invited by name, in invitation order, with their role and vote."""
    # Columns, not ORM objects: a thousand-member meeting would build thousands of them.
    people = (await session.execute(
        select(Participant.user_id, User.full_name, User.title, Participant.role,
               Participant.voting, User.unit_id)
        .join(User, User.id == Participant.user_id)
        .where(Participant.meeting_id == meeting.id).order_by(Participant.id)
    )).all()
    return [{"user_id": user_id, "name": name, "title": title, "role": role.value,
             "voting": voting, "unit_id": unit_id}
            for user_id, name, title, role, voting, unit_id in people]


def summary(meeting: Meeting) -> dict[str, Any]:
    """The short form for meeting lists."""
    return {
        "id": meeting.id,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "place": meeting.place,
        "status": meeting.status.value,
        "urgent": meeting.urgent,
        "unit_id": meeting.unit_id,
        "postponed": meeting.postponed_from is not None,
    }
