"""Who may take part in a meeting's video, in which role, through which SFU node.

The SFU itself (realtime/sfu) knows nothing of accounts; these rules decide what the
hub asks of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog, meetings, units
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.models import Meeting, MeetingStatus, Role, User

# Rooms can test their cameras once the meeting is published; it runs in session.
VIDEO_STATES = frozenset({MeetingStatus.published, MeetingStatus.in_session})
ROLES = ("hall", "remote_room", "viewer")
RECORDING_NAME = re.compile(r"^\d{8}T\d{6}Z\.mkv$")


def participant_id(user_id: int, role: str = "viewer") -> str:
    """The SFU participant id of a user: chosen by the server, never by the client.

    The hall publisher is a participant of its own, so the secretary broadcasting the hall
    from the hall's PC can also watch from a tablet without one replacing the other.
    """
    return f"hall:{user_id}" if role == "hall" else f"user:{user_id}"


async def may_control(session: AsyncSession, user: User, meeting: Meeting) -> bool:
    """The chair and the managing secretary run the floor, mutes and recording."""
    return meetings.is_chair(user, meeting) or await meetings.can_manage(session, user, meeting)


async def join_role(session: AsyncSession, user: User, meeting_id: int, requested: str) -> str:
    """Check that the user may join the meeting's video in the requested role."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    if requested not in ROLES:
        raise Invalid("video_bad_role")
    if meeting.status not in VIDEO_STATES:
        raise Conflict("video_not_open")
    if requested == "hall" and not await may_control(session, user, meeting):
        raise Forbidden("video_hall_only_office")
    if requested == "remote_room" and user.role != Role.remote_room:
        raise Forbidden("video_remote_rooms_only")
    if not await meetings.is_member(session, user, meeting) and user.role != Role.admin:
        # Managing secretaries see meetings they are not members of; video is for members.
        if not await may_control(session, user, meeting):
            raise Forbidden("forbidden")
    return requested


async def require_control(session: AsyncSession, user: User, meeting_id: int) -> Meeting:
    """The meeting, if the user may control its video."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    if not await may_control(session, user, meeting):
        raise Forbidden("forbidden")
    return meeting


def browser_ice_servers(urls: Sequence[str], username: str = "", credential: str = ""
                        ) -> list[dict[str, str]]:
    """`RTCPeerConnection`'s `iceServers` for the browsers: the configured STUN/TURN URLs,
    TURN ones with the TURN credentials. None by default (closed government networks)."""
    servers: list[dict[str, str]] = []
    for url in urls:
        server = {"urls": url}
        if url.startswith(("turn:", "turns:")) and username:
            server |= {"username": username, "credential": credential}
        servers.append(server)
    return servers


def sfu_ice_servers(urls: Sequence[str]) -> list[str]:
    """The URLs the SFU's own peers use: STUN only, since a server needs no relay of its
    own and aiortc would reject TURN without credentials."""
    return [url for url in urls if url.startswith(("stun:", "stuns:"))]


def parse_nodes(raw: str) -> dict[str, str]:
    """`ECABINET_SFU_NODES`: `UNITCODE=URL,...`, the SFU node serving each unit's subtree."""
    nodes: dict[str, str] = {}
    for part in raw.split(","):
        code, sep, url = part.strip().partition("=")
        if sep and code.strip() and url.strip():
            nodes[code.strip()] = url.strip().rstrip("/")
    return nodes


async def node_for(session: AsyncSession, user: User, nodes: Mapping[str, str]) -> str | None:
    """The SFU node nearest to the user's unit (a district node for its communes), if any."""
    if not nodes or user.unit_id is None:
        return None
    for unit in await units.ancestors(session, user.unit_id):
        if unit.code and unit.code in nodes:
            return nodes[unit.code]
    return None


@dataclass(frozen=True)
class Recording:
    """A recorded floor stream attached to a meeting."""

    name: str
    size: int
    started_at: str


def recordings_dir(data_dir: Path, meeting_id: int) -> Path:
    """Where a meeting's recordings are kept."""
    return data_dir / "recordings" / str(meeting_id)


def new_recording_path(data_dir: Path, meeting_id: int, now: datetime) -> Path:
    """A fresh file name for a recording starting now."""
    folder = recordings_dir(data_dir, meeting_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{now.strftime('%Y%m%dT%H%M%SZ')}.mkv"


def list_recordings(data_dir: Path, meeting_id: int) -> list[Recording]:
    """The meeting's recordings, oldest first."""
    folder = recordings_dir(data_dir, meeting_id)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if RECORDING_NAME.match(path.name):
            stamp = datetime.strptime(path.name[:15], "%Y%m%dT%H%M%S")
            found.append(Recording(path.name, path.stat().st_size, stamp.isoformat() + "Z"))
    return found


async def announce_recording(session: AsyncSession, user: User, data_dir: Path,
                             meeting_id: int, *, recording: bool) -> None:
    """Tell every screen that recording started or stopped, with the meeting's recordings
    so far, and audit who did it (the video controllers only)."""
    meeting = await require_control(session, user, meeting_id)
    listed = [r.__dict__ for r in list_recordings(data_dir, meeting.id)]
    await eventlog.append(session, meeting.id, "video.recordings",
                          {"recording": recording, "recordings": listed})
    action = "start" if recording else "stop"
    await audit.record(session, f"video.recording_{action}", actor_id=user.id,
                       object_type="meeting", object_id=meeting.id, meeting_id=meeting.id)


async def _recorded_meeting(session: AsyncSession, user: User, meeting_id: int) -> Meeting:
    # A recording is what was said in the room: the meeting's members and the secretaries
    # who manage it may have it; an administrator who is neither may not (NotFound alike).
    meeting = await meetings.get_meeting(session, user, meeting_id)
    if not await meetings.is_member(session, user, meeting) \
            and not await meetings.can_manage(session, user, meeting):
        raise NotFound("meeting_not_found")
    return meeting


async def recordings(session: AsyncSession, user: User, data_dir: Path, meeting_id: int
                     ) -> list[Recording]:
    """The meeting's recordings, for its members and managing secretaries."""
    meeting = await _recorded_meeting(session, user, meeting_id)
    return list_recordings(data_dir, meeting.id)


async def recording_file(
    session: AsyncSession, user: User, data_dir: Path, meeting_id: int, name: str
) -> Path:
    """A recording the user may download (members, managing secretaries); audited."""
    meeting = await _recorded_meeting(session, user, meeting_id)
    path = recordings_dir(data_dir, meeting.id) / name
    # The name pattern keeps user input from ever naming another path.
    if not RECORDING_NAME.match(name) or not path.is_file():
        raise NotFound("not_found")
    await audit.record(session, "video.recording_download", actor_id=user.id,
                       object_type="recording", object_id=name, meeting_id=meeting.id)
    return path
