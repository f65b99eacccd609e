"""The live channel over a real server: authentication, rooms, live events, replay."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import socketio

from tests.conftest import LiveServer, World
from tests.live import LiveClient
from tests.test_meetings import make_meeting


async def test_socket_without_session_is_refused(live_server: LiveServer, world: World) -> None:
    sio = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(live_server.url, transports=["websocket"], wait_timeout=5)
    forged = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await forged.connect(live_server.url, headers={"Cookie": "ecabinet_session=forged.sig"},
                             transports=["websocket"], wait_timeout=5)


async def test_socket_for_foreign_meeting_is_refused(live_server: LiveServer, world: World,
                                                     sessions: Any) -> None:
    meeting_id = await make_meeting(sessions, world)
    outsider = LiveClient(live_server.url)
    try:
        await outsider.login("outsider")
        await outsider.connect()
        ack = await outsider.call("meeting:join", {"meeting_id": meeting_id, "last_seq": 0})
        assert ack["ok"] is False
        assert ack["error"]["code"] == "meeting_not_found"
        assert "Không tìm thấy" in ack["error"]["message"]
        bad = await outsider.call("meeting:join", {"meeting_id": "1"})
        assert bad["ok"] is False and bad["error"]["code"] == "field_invalid"
    finally:
        await outsider.close()


async def test_change_reaches_members_live_and_reconnect_replays_the_gap(
    live_server: LiveServer, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    delegate = LiveClient(live_server.url)
    secretary = LiveClient(live_server.url)
    try:
        await delegate.login("delegate")
        await delegate.connect()
        joined = await delegate.call("meeting:join", {"meeting_id": meeting_id})
        assert joined["ok"] and joined["snapshot"]["seq"] == 1
        assert joined["snapshot"]["meeting"]["status"] == "draft"

        await secretary.login("secretary")
        response = await secretary.http.post(
            f"/api/meetings/{meeting_id}/transitions/submit", json={})
        assert response.status_code == 200
        await delegate.wait_for(lambda: any(e["seq"] == 2 for e in delegate.events))
        live = next(e for e in delegate.events if e["seq"] == 2)
        assert live["type"] == "meeting.status" and live["data"]["status"] == "submitted"
        await delegate.wait_for(lambda: delegate.notices)

        # The tablet drops off the Wi-Fi; two changes happen meanwhile.
        await delegate.sio.disconnect()
        chair = LiveClient(live_server.url)
        await chair.login("chair")
        await chair.http.post(f"/api/meetings/{meeting_id}/transitions/approve", json={})
        await secretary.http.post(f"/api/meetings/{meeting_id}/transitions/publish", json={})
        await chair.close()

        delegate.sio = socketio.AsyncClient(reconnection=False)
        delegate.sio.on("event", delegate._on_event)
        await delegate.connect()
        back = await delegate.call("meeting:join", {"meeting_id": meeting_id, "last_seq": 2})
        assert back["ok"]
        assert [(e["seq"], e["data"]["status"]) for e in back["events"]] == [
            (3, "approved"), (4, "published")]
    finally:
        await delegate.close()
        await secretary.close()


async def _still_connected(client: LiveClient) -> bool:
    await asyncio.sleep(0.3)  # time for the server's disconnect to arrive
    return bool(client.sio.connected)


async def test_logout_and_deactivation_close_the_sessions_sockets(
    live_server: LiveServer, world: World
) -> None:
    tablet, desktop, admin = (LiveClient(live_server.url) for _ in range(3))
    try:
        for client, name in ((tablet, "delegate"), (desktop, "delegate"), (admin, "admin")):
            await client.login(name)
            await client.connect()
        # Logging out on the tablet ends that session's socket, not the desktop's.
        assert (await tablet.http.post("/api/logout", json={})).status_code == 200
        assert not await _still_connected(tablet)
        assert await _still_connected(desktop)
        # The admin deactivates the account: every socket of it goes.
        changed = await admin.http.put(f"/api/users/{world['delegate'].id}",
                                       json={"active": False})
        assert changed.status_code == 200, changed.text
        assert not await _still_connected(desktop)
        assert await _still_connected(admin)
    finally:
        for client in (tablet, desktop, admin):
            await client.close()


async def test_a_delegate_taken_off_the_meeting_stops_receiving_it(
    live_server: LiveServer, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    delegate, observer, secretary = (LiveClient(live_server.url) for _ in range(3))
    try:
        for client, name in ((delegate, "delegate"), (observer, "observer")):
            await client.login(name)
            await client.connect()
            assert (await client.call("meeting:join", {"meeting_id": meeting_id}))["ok"]
        await secretary.login("secretary")
        meeting = (await secretary.http.get(f"/api/meetings/{meeting_id}")).json()["meeting"]
        body = {
            "title": meeting["title"], "unit_id": meeting["unit"]["id"],
            "chair_id": meeting["chair"]["id"], "starts_at": meeting["starts_at"],
            "place": meeting["place"], "urgent": meeting["urgent"],
            "participants": [{"user_id": p["user_id"], "role": p["role"]}
                             for p in (await secretary.http.get(
                                 f"/api/meetings/{meeting_id}/participants")).json()
                             if p["user_id"] != world["delegate"].id],
            "invited_units": meeting["invited_units"],
        }
        edited = await secretary.http.put(f"/api/meetings/{meeting_id}", json=body)
        assert edited.status_code == 200, edited.text
        await delegate.wait_for(lambda: any(t == "meetings.changed" for t, _ in delegate.notices))
        # A later change reaches the members, not the one taken off.
        body["title"] = "Phiên họp thường kỳ tháng 12 (điều chỉnh)"
        assert (await secretary.http.put(f"/api/meetings/{meeting_id}",
                                         json=body)).status_code == 200
        await observer.wait_for(lambda: any(
            e["data"].get("meeting", {}).get("title", "").endswith("(điều chỉnh)")
            for e in observer.events))
        await asyncio.sleep(0.3)
        assert not any(e["data"].get("meeting", {}).get("title", "").endswith("(điều chỉnh)")
                       for e in delegate.events)
        assert delegate.sio.connected  # still connected for their other meetings
        refused = await delegate.call("meeting:join", {"meeting_id": meeting_id})
        assert refused["ok"] is False and refused["error"]["code"] == "meeting_not_found"
    finally:
        for client in (delegate, observer, secretary):
            await client.close()
