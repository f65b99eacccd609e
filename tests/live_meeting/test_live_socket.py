"""The live meeting over socket.io on a real server: tablets, the console and the hall."""

from __future__ import annotations

from typing import Any

import socketio

from tests.conftest import LiveServer, World
from tests.live import LiveClient
from tests.live_meeting.conftest import build_hall


async def joined(url: str, username: str, meeting_id: int) -> LiveClient:
    client = LiveClient(url)
    await client.login(username)
    await client.connect()
    ack = await client.call("meeting:join", {"meeting_id": meeting_id})
    assert ack["ok"], ack
    client.seq = ack["snapshot"]["seq"]  # type: ignore[attr-defined]
    return client


def of_type(client: LiveClient, type_: str) -> list[dict[str, Any]]:
    return [e for e in client.events if e["type"] == type_]


async def test_vote_round_over_the_live_channel(live_server: LiveServer, world: World,
                                                sessions: Any) -> None:
    hall = await build_hall(sessions, world, extra_voters=0)
    m = hall.meeting_id
    chair = await joined(live_server.url, "chair", m)
    tablet = await joined(live_server.url, "delegate", m)
    tablet2 = await joined(live_server.url, "delegate2", m)
    display = await joined(live_server.url, "observer", m)
    try:
        for client in (chair, tablet, tablet2):
            ack = await client.call("attendance:checkin", {"meeting_id": m})
            assert ack == {"ok": True, "present": True, "remote": False}
        await display.wait_for(lambda: len(of_type(display, "attendance.updated")) == 3)
        assert of_type(display, "attendance.updated")[-1]["data"]["counts"]["quorum"] is True

        # The chair puts the item up and gives the floor from the queue.
        assert (await chair.call("live:item", {"meeting_id": m, "item_id": hall.items[1]}))["ok"]
        hand = await tablet.call("speaker:request", {"meeting_id": m})
        refused = await tablet2.call("speaker:grant",
                                     {"meeting_id": m, "request_id": hand["request_id"]})
        assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
        assert (await chair.call("speaker:grant", {"meeting_id": m,
                                                   "request_id": hand["request_id"]}))["ok"]
        await display.wait_for(lambda: of_type(display, "floor.changed"))
        assert of_type(display, "floor.changed")[0]["data"]["user_id"] == hall["delegate"].id

        # A poll opens; a ballot is acknowledged with its receipt; the hall sees a count.
        created = await chair.http.post(f"/api/meetings/{m}/polls",
                                        json={"question": "Thông qua phương án sơ tán?",
                                              "item_id": hall.items[1]})
        pid = created.json()["id"]
        assert (await chair.call("poll:open", {"poll_id": pid}))["poll"]["status"] == "open"
        ballot = {"poll_id": pid, "choice": 0, "client_ballot_id": "socket-ballot-000001"}
        first = await tablet.call("vote:cast", ballot)
        assert first["ok"] and first["already"] is False
        await display.wait_for(lambda: of_type(display, "poll.progress"))
        assert of_type(display, "poll.progress")[-1]["data"]["voted"] == 1

        # The tablet drops off the Wi-Fi, comes back, catches up, and resends its ballot.
        last_seq = max(e["seq"] for e in tablet.events)
        await tablet.sio.disconnect()
        other = {"poll_id": pid, "choice": 1, "client_ballot_id": "socket-ballot-000002"}
        assert (await tablet2.call("vote:cast", other))["ok"]
        # The live count goes out a moment later (at most two counts a second).
        await display.wait_for(lambda: of_type(display, "poll.progress")[-1]["data"]["voted"] == 2)
        tablet.sio = socketio.AsyncClient(reconnection=False)
        tablet.sio.on("event", tablet._on_event)
        await tablet.connect()
        back = await tablet.call("meeting:join", {"meeting_id": m, "last_seq": last_seq})
        assert [e["data"]["voted"] for e in back["events"] if e["type"] == "poll.progress"] == [2]
        again = await tablet.call("vote:cast", ballot)
        assert again["ok"] and again["already"] is True and again["receipt"] == first["receipt"]

        refused = await display.call("vote:cast", {**ballot, "client_ballot_id": "x" * 20})
        assert refused["ok"] is False and refused["error"]["code"] == "not_eligible"
        refused = await tablet.call("vote:close", {"poll_id": pid})
        assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
        early = await display.call("vote:close_due", {"poll_id": pid})
        assert early["ok"] is False and early["error"]["code"] == "poll_not_due"

        closed = await chair.call("vote:close", {"poll_id": pid})
        assert closed["ok"] and closed["poll"]["result"]["counts"] == [1, 1, 0]
        await display.wait_for(lambda: any(
            e["data"]["poll"]["status"] == "closed" for e in of_type(display, "poll.updated")))
        # Nothing any screen received said who chose what.
        for client in (display, tablet2):
            assert all("choice" not in e["data"] for e in client.events)
    finally:
        for client in (chair, tablet, tablet2, display):
            await client.close()
