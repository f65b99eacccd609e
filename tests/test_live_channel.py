"""The live channel over a real server: authentication, rooms, live events, replay."""

from __future__ import annotations

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
