"""Two nodes on one PostgreSQL database and one Redis: a change on one reaches screens on both."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

import pytest

from ecabinet.app import create_app
from ecabinet.config import Settings
from tests.conftest import World, start_server, stop_server
from tests.live import LiveClient
from tests.test_meetings import make_meeting


async def test_event_committed_on_node_a_reaches_client_on_node_b(
    settings: Settings, sessions: Any, world: World
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("several nodes share PostgreSQL, not an SQLite file")
    shared = replace(settings, redis_url="redis://127.0.0.1:6379/0",
                     redis_channel=f"ecabinet-test-{secrets.token_hex(4)}")
    node_a = await start_server(create_app(shared))
    node_b = await start_server(create_app(shared))
    meeting_id = await make_meeting(sessions, world)
    delegate = LiveClient(node_b.url)
    secretary = LiveClient(node_a.url)
    try:
        await delegate.login("delegate")  # the session made on node B...
        await delegate.connect()
        joined = await delegate.call("meeting:join", {"meeting_id": meeting_id})
        assert joined["ok"]
        await secretary.login("secretary")  # ...and the change made on node A
        response = await secretary.http.post(
            f"/api/meetings/{meeting_id}/transitions/submit", json={})
        assert response.status_code == 200
        await delegate.wait_for(lambda: any(e["seq"] == 2 for e in delegate.events))
        assert delegate.events[-1]["data"]["status"] == "submitted"
        await delegate.wait_for(lambda: delegate.notices)
    finally:
        await delegate.close()
        await secretary.close()
        await stop_server(node_a)
        await stop_server(node_b)
