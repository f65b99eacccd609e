"""Three SFU nodes (province → district → commune) over real HTTP and real loopback WebRTC."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import uvicorn
from starlette.applications import Starlette

from realtime.sfu import SfuService
from realtime.sfu.cascade import cascade_app, connect_upstream, upstream_exchange

from .conftest import JoinClient
from .peers import ColorTrack, make_client, wait_for_size

TOKEN = "test-cascade-token"
HALL = (160, 120)
COMMUNE_ROOM = (176, 144)


@asynccontextmanager
async def serving(service: SfuService) -> AsyncIterator[str]:
    """Serve a node's /sfu routes with uvicorn on an ephemeral loopback port."""
    app = Starlette()
    app.mount("/sfu", cascade_app(service, TOKEN))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.ensure_future(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/sfu"
    finally:
        server.should_exit = True
        await task


async def test_three_node_cascade_delivers_hall_and_floor(join: JoinClient) -> None:
    province = SfuService(node_id="province")
    await province.open_room(7)
    async with serving(province) as province_url:
        district = SfuService(upstream=upstream_exchange(province_url, TOKEN), node_id="district-1")
        async with serving(district) as district_url:
            commune = SfuService(
                upstream=upstream_exchange(district_url, TOKEN), node_id="commune-1"
            )
            try:
                await join("hall", "hall", video=ColorTrack(*HALL), service=province, meeting=7)
                chair = await join("viewer", "chair", service=province, meeting=7)
                # joining the commune node links commune → district → province
                viewer = await join("viewer", "commune-screen", service=commune, meeting=7)
                assert await wait_for_size(viewer.track("hall"), HALL) >= 1
                room = await join(
                    "remote_room",
                    "commune-room",
                    video=ColorTrack(*COMMUNE_ROOM),
                    service=commune,
                    meeting=7,
                )
                await wait_for_size(room.track("hall"), HALL)

                # the province sends one copy down the tree, whoever watches below
                province_stats = await province.stats(7)
                assert sorted(province_stats["peers"]) == ["chair", "hall", "node:district-1"]
                assert (await district.stats(7))["upstream"] is True

                # the chair at the province gives the floor to a room two levels down
                for _ in range(100):
                    if "commune-room" in province.state(7)["below"]:
                        break
                    await asyncio.sleep(0.05)
                assert "commune-room" in province.state(7)["below"]
                await province.set_floor(7, "commune-room")
                assert await wait_for_size(chair.track("floor"), COMMUNE_ROOM) >= 1
                assert await wait_for_size(viewer.track("floor"), COMMUNE_ROOM) >= 1
                assert commune.state(7)["floor"] == "commune-room"
                assert district.state(7)["floor"] == "commune-room"
                link = (await province.stats(7))["peers"]["node:district-1"]
                assert link["inbound"]["uplink/video"]["packets"] > 0
                # the floor holder's own branch is not sent its stream back down
                assert link["outbound"]["floor/video"]["source"] is None
            finally:
                await commune.close()
                await district.close()
    await province.close()


async def test_cascade_refuses_a_wrong_token_and_a_closed_meeting() -> None:
    province = SfuService(node_id="province")
    await province.open_room(7)
    async with serving(province) as url:
        client, offer = await make_client("viewer")
        try:
            async with aiohttp.ClientSession() as session:
                response = await session.post(
                    f"{url}/cascade/7", json={"offer": offer, "node_id": "x", "token": "wrong"}
                )
                assert response.status == 401
                body = await response.json()
                assert body["error"]["code"] == "unauthorized"
                response = await session.post(
                    f"{url}/join/8",
                    json={"offer": offer, "participant_id": "v", "role": "viewer", "token": TOKEN},
                )
                assert response.status == 404
                assert (await response.json())["error"]["code"] == "room_closed"
            district = SfuService(node_id="district")
            try:
                exchange_failed = None
                try:
                    await connect_upstream(district, url, 8, TOKEN)
                except Exception as exc:
                    exchange_failed = exc
                assert getattr(exchange_failed, "code", None) == "room_closed"
                assert 8 not in district.rooms
            finally:
                await district.close()
        finally:
            await client.pc.close()
    await province.close()
