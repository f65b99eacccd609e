"""A user's standing towards a meeting: what they may do there, read in a few small queries.

A meeting screen differs from one user to the next only through these few facts and a
handful of the user's own rows (their ballots, the restricted documents they may read).
Users with the same facts form one audience, and `snapshot` builds each audience's view
of the meeting once per seq instead of once per screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import live_state, meetings
from ecabinet.models import Attendance, Meeting, Participant, ParticipantRole, Role, User

Audience = tuple[bool, bool, bool, bool]


@dataclass(frozen=True)
class Standing:
    """What the user is to the meeting."""

    manages: bool  # a secretary of the meeting's unit or above (or its creator)
    chair: bool
    admin: bool
    takes_part: bool  # invited to answer, speak and ask, not only to watch
    voter: bool
    invited: bool = False  # a participant by name (observers too), as `meetings.is_member` asks
    # Their role on the attendance list ("remote_room" for an invited unit's room), or
    # None when they are not on it (observers, admins, secretaries not invited).
    roster_role: str | None = None
    # Their row of the attendance list, read with the rest (None: no answer or presence yet).
    attendance: Attendance | None = None

    @property
    def audience(self) -> Audience:
        """The facts that shape the shared parts of a meeting screen (`voter` does not:
        it is sent on its own with the user's ballots)."""
        return (self.manages, self.chair, self.admin, self.takes_part)


# The participant row and the attendance row in one query: joins are counted in queries.
_INVITED = (select(Participant, Attendance)
            .outerjoin(Attendance, and_(Attendance.meeting_id == Participant.meeting_id,
                                        Attendance.user_id == Participant.user_id))
            .where(Participant.meeting_id == bindparam("meeting_id"),
                   Participant.user_id == bindparam("user_id")))
_ATTENDED = select(Attendance).where(Attendance.meeting_id == bindparam("meeting_id"),
                                     Attendance.user_id == bindparam("user_id"))


async def standing_of(session: AsyncSession, user: User, meeting: Meeting) -> Standing:
    """The user's standing towards a meeting they may see."""
    params = {"meeting_id": meeting.id, "user_id": user.id}
    found = (await session.execute(_INVITED, params)).first()
    joined, attended = found if found is not None else (None, None)
    if joined is not None:
        role = None if joined.role == ParticipantRole.observer else joined.role.value
    elif await live_state.is_remote_room(session, user, meeting.id):
        role = "remote_room"
        attended = await session.scalar(_ATTENDED, params)
    else:
        role = None
    return Standing(
        manages=await meetings.can_manage(session, user, meeting),
        chair=meetings.is_chair(user, meeting),
        admin=user.role == Role.admin,
        takes_part=meetings.is_chair(user, meeting) or role is not None,
        voter=bool(joined is not None and joined.voting),
        invited=joined is not None,
        roster_role=role,
        attendance=attended,
    )
