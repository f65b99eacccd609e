"""Attendance: answers to the invitation, check-in at the door, and the quorum."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog, live_state, meetings
from ecabinet.audit import AuditRecord
from ecabinet.errors import DomainError, Forbidden, Invalid
from ecabinet.models import (
    Attendance,
    InvitedUnit,
    Meeting,
    Participant,
    ParticipantRole,
    Role,
    User,
)
from ecabinet.models.attendance import AttendanceResponse, CheckInMethod
from ecabinet.models.base import utcnow

R = AttendanceResponse
# The code at the entrance changes every ROTATE seconds and is accepted for MAX_AGE, so a
# photo of it sent to someone elsewhere soon stops working.
QR_ROTATE_SECONDS = 30
QR_MAX_AGE_SECONDS = 90
_QR_SALT = "ecabinet-checkin"


@dataclass(frozen=True)
class Invitee:
    """Someone expected at the meeting and whether their presence counts for the quorum."""

    user: User
    role: str  # the participant role, or "remote_room" for an invited unit's room
    voting: bool


async def roster(session: AsyncSession, meeting: Meeting) -> list[Invitee]:
    """Everyone invited to take part, in invitation order: named participants, then rooms."""
    rows = (await session.execute(
        select(Participant, User).join(User, User.id == Participant.user_id)
        .where(Participant.meeting_id == meeting.id,
               Participant.role != ParticipantRole.observer)
        .order_by(Participant.id)
    )).all()
    found = [Invitee(user, p.role.value, p.voting) for p, user in rows]
    named = {i.user.id for i in found}
    rooms = await session.scalars(
        select(User).join(InvitedUnit, InvitedUnit.unit_id == User.unit_id)
        .where(InvitedUnit.meeting_id == meeting.id, InvitedUnit.remote.is_(True),
               User.role == Role.remote_room, User.active.is_(True))
        .order_by(InvitedUnit.id, User.id)
    )
    found.extend(Invitee(room, "remote_room", False) for room in rooms if room.id not in named)
    return found


async def _rows(session: AsyncSession, meeting_id: int) -> dict[int, Attendance]:
    rows = await session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id))
    return {row.user_id: row for row in rows}


def counts_present(row: Attendance | None) -> bool:
    """Whether this row puts its member in the room (a substitute's presence does not)."""
    return (row is not None and row.checked_in_at is not None
            and row.response != R.substitute)


def quorum_needed(members: int, rule: str) -> int:
    """How many voting members must be present: more than half, or at least two thirds."""
    if members <= 0:
        return 1
    if rule == "two_thirds":
        return (2 * members + 2) // 3
    return members // 2 + 1


def entry_view(invitee: Invitee, row: Attendance | None) -> dict[str, Any]:
    """One line of the attendance list."""
    user = invitee.user
    return {
        "user_id": user.id, "name": user.full_name, "title": user.title,
        "unit_id": user.unit_id, "role": invitee.role, "voting": invitee.voting,
        "response": row.response.value if row else R.pending.value,
        "reason": row.reason if row else "",
        "substitute_name": row.substitute_name if row else "",
        "substitute_title": row.substitute_title if row else "",
        "present": bool(row and row.checked_in_at),
        "checked_in_at": row.checked_in_at.isoformat() if row and row.checked_in_at else None,
        "method": row.checkin_method if row else "",
        "remote": bool(row and row.remote),
    }


async def counts(session: AsyncSession, meeting: Meeting) -> dict[str, Any]:
    """Present / remote / absent counts and whether the quorum is met, by aggregate queries
    (a check-in must not cost a walk over a thousand invitees)."""
    A, P = Attendance, Participant
    rule = (await live_state.state_of(session, meeting.id)).quorum_rule
    members = int(await session.scalar(
        select(func.count(P.id)).where(P.meeting_id == meeting.id, P.voting.is_(True))) or 0)
    rooms = await _room_ids(session, meeting)
    here = A.checked_in_at.is_not(None)
    is_present = here & (A.response != R.substitute) & P.voting.is_(True)
    # Rows exist only for invitees: those without a participant row are the remote rooms.
    row = (await session.execute(
        select(
            func.count(A.id).filter(is_present),
            func.count(A.id).filter(is_present & A.remote.is_(True)),
            func.count(A.id).filter(P.voting.is_(True) & ~(here & (A.response != R.substitute))
                                    & A.response.in_((R.absent, R.substitute))),
            func.count(A.id).filter(here & (A.response == R.substitute)),
            func.count(A.id).filter(here),
            func.count(A.id).filter(here & P.id.is_(None)),
        ).select_from(A)
        .outerjoin(P, (A.meeting_id == P.meeting_id) & (A.user_id == P.user_id))
        .where(A.meeting_id == meeting.id)
    )).one()
    present, remote, excused, substitutes, attendees, rooms_connected = (int(n) for n in row)
    needed = quorum_needed(members, rule)
    return {
        "members": members, "present": present, "in_hall": present - remote, "remote": remote,
        "absent": members - present, "excused": excused, "substitutes": substitutes,
        "rooms": len(rooms), "rooms_connected": rooms_connected, "attendees": attendees,
        "rule": rule, "needed": needed, "quorum": members > 0 and present >= needed,
    }


async def _room_ids(session: AsyncSession, meeting: Meeting) -> list[int]:
    """The shared accounts of units joining remotely (not also invited by name)."""
    named = select(Participant.user_id).where(Participant.meeting_id == meeting.id)
    rows = await session.scalars(
        select(User.id).join(InvitedUnit, InvitedUnit.unit_id == User.unit_id)
        .where(InvitedUnit.meeting_id == meeting.id, InvitedUnit.remote.is_(True),
               User.role == Role.remote_room, User.active.is_(True), User.id.not_in(named))
    )
    return list(rows.all())


async def find_invitee(session: AsyncSession, meeting: Meeting, user_id: int) -> Invitee | None:
    """One invitee, found without loading the whole roster."""
    found = (await session.execute(
        select(Participant, User).join(User, User.id == Participant.user_id)
        .where(Participant.meeting_id == meeting.id, Participant.user_id == user_id)
    )).first()
    if found is not None:
        joined, user = found
        if joined.role == ParticipantRole.observer:
            return None
        return Invitee(user, joined.role.value, joined.voting)
    if user_id in await _room_ids(session, meeting):
        room = await session.get(User, user_id)
        assert room is not None
        return Invitee(room, "remote_room", False)
    return None


def _present_voters(meeting_id: int) -> Select[int]:
    return (
        select(Participant.user_id)
        .join(Attendance, (Attendance.meeting_id == Participant.meeting_id)
              & (Attendance.user_id == Participant.user_id))
        .where(Participant.meeting_id == meeting_id, Participant.voting.is_(True),
               Attendance.checked_in_at.is_not(None), Attendance.response != R.substitute)
    )


async def present_voter_ids(session: AsyncSession, meeting_id: int,
                            among: Collection[int] | None = None) -> set[int]:
    """Voting members in the room now (in the hall or on a remote site), optionally only
    those among some user ids."""
    query = _present_voters(meeting_id)
    if among is not None:
        query = query.where(Participant.user_id.in_(set(among)))
    return set((await session.scalars(query)).all())


async def present_voter_count(session: AsyncSession, meeting_id: int) -> int:
    """How many voting members are in the room now."""
    return int(await session.scalar(
        select(func.count()).select_from(_present_voters(meeting_id).subquery())) or 0)


async def voting_member_count(session: AsyncSession, meeting_id: int) -> int:
    """How many voting members the meeting has."""
    return int(await session.scalar(
        select(func.count(Participant.id))
        .where(Participant.meeting_id == meeting_id, Participant.voting.is_(True))) or 0)


async def voting_member_ids(session: AsyncSession, meeting_id: int) -> list[int]:
    """Every voting member of the meeting, in id order."""
    rows = await session.scalars(
        select(Participant.user_id)
        .where(Participant.meeting_id == meeting_id, Participant.voting.is_(True))
        .order_by(Participant.user_id)
    )
    return list(rows.all())


async def _target(
    session: AsyncSession, actor: User, meeting: Meeting, user_id: int | None
) -> Invitee:
    """The invitee an action is about: oneself, or anyone for the managing secretary."""
    wanted = actor.id if user_id is None else user_id
    if wanted != actor.id and not await meetings.can_manage(session, actor, meeting):
        raise Forbidden("forbidden")
    found = await find_invitee(session, meeting, wanted)
    if found is None:
        raise Forbidden("not_invited")
    return found


async def _row(session: AsyncSession, meeting_id: int, user_id: int) -> Attendance:
    row = await session.scalar(
        select(Attendance).where(Attendance.meeting_id == meeting_id,
                                 Attendance.user_id == user_id)
        .with_for_update()
    )
    if row is None:
        row = Attendance(meeting_id=meeting_id, user_id=user_id, response=R.pending, reason="",
                         substitute_name="", substitute_title="", checkin_method="",
                         remote=False)
        session.add(row)
    return row


async def _publish(session: AsyncSession, actor: User, meeting: Meeting, person: Invitee,
                   row: Attendance, action: str) -> None:
    await _publish_many(session, meeting, [(actor, person, row)], action)


async def _publish_many(session: AsyncSession, meeting: Meeting,
                        rows: Sequence[tuple[User, Invitee, Attendance]], action: str) -> None:
    # Every event of a group carries the tally after the whole group: they commit together,
    # so no screen could ever have seen one in between.
    await session.flush()
    tally = await counts(session, meeting)
    records = []
    for actor, person, row in rows:
        entry = entry_view(person, row)
        await eventlog.append(session, meeting.id, "attendance.updated",
                              {"entry": entry, "counts": tally})
        records.append(AuditRecord(
            action=action, actor_id=actor.id, object_type="attendance",
            object_id=str(person.user.id), meeting_id=meeting.id,
            data={"response": entry["response"], "present": entry["present"],
                  "method": entry["method"], "remote": entry["remote"]}))
    await audit.record_many(session, records)


async def respond(
    session: AsyncSession, actor: User, meeting_id: int, *, response: str,
    user_id: int | None = None, reason: str = "", substitute_name: str = "",
    substitute_title: str = "",
) -> Attendance:
    """Answer the invitation: attend, absent (with a reason) or send a substitute (named)."""
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    live_state.require_open_for_members(meeting)
    invitee = await _target(session, actor, meeting, user_id)
    try:
        answer = R(response)
    except ValueError as exc:
        raise Invalid("field_invalid", field="response") from exc
    if answer == R.pending:
        raise Invalid("field_invalid", field="response")
    if answer == R.absent and not reason.strip():
        raise Invalid("absence_needs_reason")
    if answer == R.substitute and not substitute_name.strip():
        raise Invalid("substitute_needs_name")
    row = await _row(session, meeting.id, invitee.user.id)
    row.response = answer
    row.reason = reason.strip() if answer != R.attend else ""
    row.substitute_name = substitute_name.strip() if answer == R.substitute else ""
    row.substitute_title = substitute_title.strip() if answer == R.substitute else ""
    row.responded_at = utcnow()
    await _publish(session, actor, meeting, invitee, row, "attendance.respond")
    return row


async def check_in(
    session: AsyncSession, actor: User, meeting_id: int, *, user_id: int | None = None,
    method: str = CheckInMethod.tablet, remote: bool = False, now: datetime | None = None,
) -> Attendance:
    """Record a presence: one's own (tablet, QR) or anyone's by the secretary.

    Someone who checks in themselves is present in person, whatever they answered
    before; the secretary checking in a member who sent a substitute records the
    substitute's presence.
    """
    done = (await check_in_many(
        session, [CheckIn(actor, meeting_id, user_id, method, remote)], now))[0]
    if isinstance(done, DomainError):
        raise done
    return done


@dataclass(frozen=True)
class CheckIn:
    """One check-in asked for: by whom, in which meeting, for whom (None: oneself)."""

    actor: User
    meeting_id: int
    user_id: int | None = None
    method: str = CheckInMethod.tablet
    remote: bool = False


async def check_in_many(session: AsyncSession, requests: Sequence[CheckIn],
                        now: datetime | None = None) -> list[Attendance | DomainError]:
    """`check_in` for a group in the caller's transaction: a hall of tablets arriving at
    once costs one tally and one audit-chain extension per meeting, not one per tablet.
    Each request gets its row or its own refusal; a refusal changes nothing."""
    outcomes: list[Attendance | DomainError] = []
    changed: dict[int, tuple[Meeting, list[tuple[User, Invitee, Attendance]]]] = {}
    for request in requests:
        try:
            meeting, invitee, row, moved = await _check_in_one(session, request, now)
        except DomainError as exc:
            outcomes.append(exc)
            continue
        outcomes.append(row)
        if moved:  # a repeated tap or scan changes nothing and says nothing
            changed.setdefault(meeting.id, (meeting, []))[1].append((request.actor, invitee, row))
    for meeting, rows in changed.values():
        await _publish_many(session, meeting, rows, "attendance.check_in")
    return outcomes


async def _check_in_one(session: AsyncSession, request: CheckIn, now: datetime | None
                        ) -> tuple[Meeting, Invitee, Attendance, bool]:
    # Every refusal comes before the first change, so a refused request leaves no trace.
    actor = request.actor
    meeting = await meetings.get_meeting(session, actor, request.meeting_id)
    live_state.require_open_for_members(meeting)
    invitee = await _target(session, actor, meeting, request.user_id)
    by_secretary = invitee.user.id != actor.id
    method = CheckInMethod.secretary if by_secretary else CheckInMethod(request.method)
    row = await _row(session, meeting.id, invitee.user.id)
    before = (row.response, row.checked_in_at is not None, row.remote)
    if not by_secretary and row.response != R.attend:
        row.response = R.attend
        row.responded_at = now or utcnow()
        row.reason = row.substitute_name = row.substitute_title = ""
    elif by_secretary and row.response in (R.pending, R.absent):
        row.response = R.attend
    if row.checked_in_at is None:
        row.checked_in_at = now or utcnow()
        row.left_at = None
    row.checkin_method = method.value
    # A remote room is by definition elsewhere.
    row.remote = request.remote or invitee.role == "remote_room"
    return meeting, invitee, row, before != (row.response, True, row.remote)


async def check_out(
    session: AsyncSession, actor: User, meeting_id: int, *, user_id: int | None = None
) -> Attendance:
    """Record that someone left (the quorum may no longer hold)."""
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    live_state.require_open_for_members(meeting)
    invitee = await _target(session, actor, meeting, user_id)
    row = await _row(session, meeting.id, invitee.user.id)
    row.checked_in_at = None
    row.left_at = utcnow()
    await _publish(session, actor, meeting, invitee, row, "attendance.check_out")
    return row


async def set_quorum_rule(session: AsyncSession, actor: User, meeting_id: int, rule: str
                          ) -> dict[str, Any]:
    """Choose the meeting's quorum rule; returns the new tally."""
    await live_state.set_settings(session, actor, meeting_id, quorum_rule=rule)
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    tallied = await counts(session, meeting)
    await eventlog.append(session, meeting.id, "attendance.counts", {"counts": tallied})
    return tallied


# -- the code at the entrance ------------------------------------------------------


def _qr_serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_QR_SALT)


async def entrance_token(session: AsyncSession, user: User, meeting_id: int, secret: str) -> str:
    """A short-lived signed code for the hall entrance (presiders and the hall display)."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    live_state.require_open_for_members(meeting)
    if not await live_state.presides(session, user, meeting):
        joined = await live_state.participant(session, meeting.id, user.id)
        if joined is None or joined.role != ParticipantRole.observer:
            raise Forbidden("forbidden")
    token: str = _qr_serializer(secret).dumps({"m": meeting.id})
    return token


def token_meeting(token: str, secret: str, max_age: int = QR_MAX_AGE_SECONDS) -> int:
    """The meeting a scanned entrance code names, or Invalid when forged or too old."""
    try:
        data = _qr_serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise Invalid("checkin_code_expired") from exc
    except BadSignature as exc:
        raise Invalid("checkin_code_invalid") from exc
    meeting_id = data.get("m") if isinstance(data, dict) else None
    if not isinstance(meeting_id, int):
        raise Invalid("checkin_code_invalid")
    return meeting_id


async def check_in_with_code(
    session: AsyncSession, user: User, token: str, secret: str
) -> tuple[int, Attendance]:
    """Check oneself in by the code scanned at the entrance; returns the meeting id too."""
    meeting_id = token_meeting(token, secret)
    row = await check_in(session, user, meeting_id, method=CheckInMethod.qr)
    return meeting_id, row


# -- what screens show -------------------------------------------------------------


async def snapshot(session: AsyncSession, user: User, meeting: Meeting) -> dict[str, Any]:
    """The tally and whether the user manages the list: the part every screen of the
    user's audience shares. The list itself is `roster_view`, fetched when shown."""
    return {
        "counts": await counts(session, meeting),
        "manages": await meetings.can_manage(session, user, meeting),
    }


async def roster_view(session: AsyncSession, user: User, meeting: Meeting) -> dict[str, Any]:
    """Every invitee's answer and presence, the tally, and the seq the list is current to.

    The seq is read before the rows, as for a snapshot: a change committed in between is
    both in the list and replayed as an `attendance.updated` event, which sets a line.
    """
    seq = meeting.last_seq
    invitees = await roster(session, meeting)
    rows = await _rows(session, meeting.id)
    entries = [entry_view(i, rows.get(i.user.id)) for i in invitees]
    return {
        "seq": seq,
        "entries": entries,
        **await snapshot(session, user, meeting),
        "mine": next((e for e in entries if e["user_id"] == user.id), None),
    }


def my_entry(user: User, role: str | None, voting: bool, row: Attendance | None
             ) -> dict[str, Any] | None:
    """The user's own line of the list (None if not an invitee), from their roster role
    and attendance row (as `standing.standing_of` reads them)."""
    if role is None:
        return None
    return entry_view(Invitee(user, role, voting), row)
