"""PostgreSQL out of reach for a while: clear refusals meanwhile, then the node recovers by
itself, and nothing acknowledged is lost."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ecabinet.models import Ballot, SpeakerRequest
from tests.cluster.conftest import Cluster, eventually
from tests.cluster.screen import Screen
from tests.cluster.test_node_killed import open_poll

OUTAGE_SECONDS = 10


def ballot(poll_id: int, n: int) -> dict[str, Any]:
    """Delegate n's ballot, the same on every resend."""
    return {"poll_id": poll_id, "choice": n % 2,
            "client_ballot_id": f"outage-ballot-{poll_id:06d}-{n:04d}"}


def refused_as_unavailable(ack: dict[str, Any]) -> bool:
    """The refusal a screen shows as "try again shortly"."""
    error = ack.get("error") or {}
    return ack.get("ok") is False and error.get("code") == "database_unavailable" \
        and bool(error.get("message"))


async def test_database_unreachable_then_back(cluster: Cluster, engine: AsyncEngine) -> None:
    seeded = await cluster.seed(delegates=4)
    poll_id = await open_poll(engine, seeded.chair, seeded.meeting_id)
    node = cluster.nodes[0]
    people = [seeded.chair, *seeded.delegates]
    screens = [Screen(node.url, person, seeded.meeting_id) for person in people]
    chair, delegates = screens[0], screens[1:]
    asker = seeded.delegates[3]
    # A connection per request: a 503 for the database is handled by Starlette's last-resort
    # handler, after which uvicorn closes the connection (nginx would simply open another).
    http = httpx.AsyncClient(base_url=node.url, headers=asker.headers(),
                             limits=httpx.Limits(max_keepalive_connections=0))
    acked: dict[int, str] = {}
    try:
        for screen in screens:
            await screen.open()
        for n in (0, 1):
            ack = await delegates[n].call("vote:cast", ballot(poll_id, n))
            assert ack["ok"], ack
            acked[n] = ack["receipt"]

        cluster.pg.block()
        blocked_at = time.monotonic()
        try:
            refusals = 0
            # Whatever is tried while the database is out of reach is refused, clearly,
            # on both transports, and the node says it is unhealthy.
            while time.monotonic() - blocked_at < OUTAGE_SECONDS:
                ack = await delegates[2].call("vote:cast", ballot(poll_id, 2))
                assert refused_as_unavailable(ack), ack
                ack = await delegates[3].call("speaker:request",
                                              {"meeting_id": seeded.meeting_id})
                assert refused_as_unavailable(ack), ack
                asked = await http.post(f"/api/meetings/{seeded.meeting_id}/questions",
                                        json={"text": "Đề nghị làm rõ nguồn kinh phí."})
                assert asked.status_code == 503, asked.text
                assert asked.headers.get("retry-after")
                assert asked.json()["error"]["code"] == "database_unavailable"
                assert (await http.get("/healthz")).status_code == 503
                refusals += 1
                await asyncio.sleep(0.5)
            assert refusals >= 2
        finally:
            cluster.pg.unblock()

        # Back by itself: no restart, the pool drops its dead connections and reconnects.
        async def healthy() -> bool:
            return (await http.get("/healthz")).status_code == 200

        await eventually(healthy, 15)
        for n in (2, 3):
            ack = await delegates[n].call("vote:cast", ballot(poll_id, n))
            assert ack["ok"], ack
            acked[n] = ack["receipt"]
        ack = await delegates[3].call("speaker:request", {"meeting_id": seeded.meeting_id})
        assert ack["ok"], ack
        asked = await http.post(f"/api/meetings/{seeded.meeting_id}/questions",
                                json={"text": "Đề nghị làm rõ nguồn kinh phí."})
        assert asked.status_code == 201, asked.text
        closed = await chair.call("vote:close", {"poll_id": poll_id})
        assert closed["ok"] and closed["poll"]["result"]["voted"] == 4, closed

        # Nothing acknowledged was lost, nothing refused was half-done.
        async with engine.connect() as conn:
            stored = dict((await conn.execute(select(Ballot.receipt, Ballot.choice)
                                              .where(Ballot.poll_id == poll_id))).all())
            requests = (await conn.scalars(select(SpeakerRequest.id).where(
                SpeakerRequest.meeting_id == seeded.meeting_id))).all()
        assert stored == {receipt: n % 2 for n, receipt in acked.items()}
        assert len(requests) == 1
        for screen in screens:
            snapshot = await screen.fresh_snapshot()
            await screen.wait_for(lambda s=screen, at=snapshot["seq"]: s.seq >= at)
            assert screen.shows(await screen.fresh_snapshot())
    finally:
        await http.aclose()
        for screen in screens:
            await screen.close()
