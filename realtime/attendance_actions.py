"""Live attendance actions: a tablet checks its user in (or out).

Check-ins go through a group commit: when the meeting opens, a hall of tablets checks in
within seconds, and one transaction per tablet would queue them on the write lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import accounts, attendance, payload
from ecabinet.errors import Unauthenticated
from ecabinet.group_commit import GroupCommit
from ecabinet.models import Attendance, User
from realtime.hub import Ack, Hub


@dataclass(frozen=True)
class _Tap:
    token: str
    meeting_id: int
    remote: bool


async def _check_in_group(session: AsyncSession, taps: Sequence[_Tap]
                          ) -> list[Attendance | Exception]:
    users = await accounts.users_by_token(session, [tap.token for tap in taps])
    requests = [attendance.CheckIn(users[tap.token], tap.meeting_id, remote=tap.remote)
                for tap in taps if tap.token in users]
    done = iter(await attendance.check_in_many(session, requests))
    expired = Unauthenticated("session_expired")
    return [next(done) if tap.token in users else expired for tap in taps]


async def check_out(session: AsyncSession, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """`attendance:checkout` {meeting_id}: the tablet's user left the meeting."""
    row = await attendance.check_out(session, user, payload.required_int(data, "meeting_id"))
    return {"present": row.checked_in_at is not None}


def register(hub: Hub) -> None:
    """Attach the attendance actions to the live channel."""
    writer: GroupCommit[_Tap, Attendance] = GroupCommit(hub.sessions, _check_in_group,
                                                        name="check-in")
    hub.add_cleanup(writer.stop)

    async def check_in(sid: str, data: Any = None) -> Ack:
        """`attendance:checkin` {meeting_id, remote?}: the tablet's own user is present."""
        body = payload.as_object(data)
        tap = _Tap(await hub.token(sid), payload.required_int(body, "meeting_id"),
                   payload.boolean(body, "remote"))
        row = await writer.submit(tap)
        return {"ok": True, "present": row.checked_in_at is not None, "remote": row.remote}

    hub.action("attendance:checkin", check_in)
    hub.on("attendance:checkout", check_out)
