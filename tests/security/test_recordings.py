"""Recordings of a meeting's floor stream are its members' (and its managing secretaries'):
an admin who is not a member may not download one, and is answered as for one that does not
exist (security review, finding 15)."""

from __future__ import annotations

from typing import Any

from ecabinet import db, meetings
from ecabinet.config import Settings
from ecabinet.models import ParticipantRole, User
from tests.conftest import World, future
from tests.live_meeting.conftest import build_hall

RECORDING = "20261130T010203Z.mkv"
NO_SUCH_RECORDING = "20000101T000000Z.mkv"
CONTENT = b"\x1aE\xdf\xa3 ban ghi phien hop"


async def test_members_download_a_recording_a_non_member_admin_does_not(
        sessions: Any, world: World, settings: Settings, client_factory: Any) -> None:
    hall = await build_hall(sessions, world, extra_voters=0)
    m = hall.meeting_id
    folder = settings.data_dir / "recordings" / str(m)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RECORDING).write_bytes(CONTENT)
    url = f"/api/meetings/{m}/recordings/{RECORDING}"

    # Members, the chair, and the secretary who manages the meeting may.
    for name in ("delegate", "observer", "room", "chair", "secretary"):
        client = await client_factory(name)
        response = await client.get(url)
        assert response.status_code == 200, (name, response.text)
        assert response.content == CONTENT

    # An admin who is not a member may not, nor may anyone outside the meeting: 404, as for
    # a recording that does not exist, and not a byte of it.
    for name in ("admin", "outsider", "district_secretary"):
        client = await client_factory(name)
        response = await client.get(url)
        absent = await client.get(f"/api/meetings/{m}/recordings/{NO_SUCH_RECORDING}")
        assert response.status_code == 404, (name, response.status_code)
        assert response.json() == absent.json(), name
        assert CONTENT not in response.content


async def test_a_managing_secretary_who_is_not_a_member_may_download(
        sessions: Any, world: World, settings: Settings, client_factory: Any) -> None:
    # A district meeting made by the district's secretary: the province's secretary manages
    # it (the district is below the province) without being one of its members.
    async with db.transaction(sessions) as s:
        maker = await s.get(User, world["district_secretary"].id)
        assert maker is not None
        meeting = await meetings.create_meeting(s, maker, meetings.MeetingInput(
            title="Họp giao ban huyện Phú Lộc", unit_id=world.district,
            chair_id=world["chair"].id, starts_at=future(10),
            participants=[(world["delegate"].id, ParticipantRole.delegate)]))
        m = meeting.id
        province_secretary = await s.get(User, world["secretary"].id)
        assert province_secretary is not None
        assert not await meetings.is_member(s, province_secretary, meeting)
        assert await meetings.can_manage(s, province_secretary, meeting)
    folder = settings.data_dir / "recordings" / str(m)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RECORDING).write_bytes(CONTENT)
    url = f"/api/meetings/{m}/recordings/{RECORDING}"
    for name in ("secretary", "district_secretary", "delegate", "chair"):
        response = await (await client_factory(name)).get(url)
        assert response.status_code == 200, (name, response.text)
    for name in ("admin", "delegate2", "outsider"):
        client = await client_factory(name)
        response = await client.get(url)
        absent = await client.get(f"/api/meetings/{m}/recordings/{NO_SUCH_RECORDING}")
        assert response.status_code == 404, (name, response.status_code)
        assert response.json() == absent.json(), name
