"""`/metrics` on a real node: counters move with logins, joins, events and ballots; strangers
are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from ecabinet.api.metrics import scraper_allowed
from ecabinet.config import Settings
from tests.conftest import LiveServer, World
from tests.live import LiveClient
from tests.live_meeting.conftest import build_hall
from tests.security.nodes import client_at, node

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(url: str) -> Samples:
    """Every sample of the node's /metrics, by (name, labels)."""
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when the series does not exist yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def joined(url: str, username: str, meeting_id: int) -> LiveClient:
    client = LiveClient(url)
    await client.login(username)
    await client.connect()
    assert (await client.call("meeting:join", {"meeting_id": meeting_id}))["ok"]
    return client


async def test_counters_move_with_logins_events_and_ballots(
        live_server: LiveServer, world: World, sessions: Any) -> None:
    hall = await build_hall(sessions, world, extra_voters=0)
    m = hall.meeting_id
    before = await scrape(live_server.url)
    chair = await joined(live_server.url, "chair", m)
    tablet = await joined(live_server.url, "delegate", m)
    try:
        assert (await tablet.call("attendance:checkin", {"meeting_id": m}))["ok"]
        meeting = await tablet.http.get(f"/api/meetings/{m}")
        assert meeting.status_code == 200
        created = await chair.http.post(f"/api/meetings/{m}/polls",
                                        json={"question": "Thông qua phương án sơ tán?",
                                              "item_id": hall.items[1]})
        pid = created.json()["id"]
        assert (await chair.call("poll:open", {"poll_id": pid}))["ok"]
        ballot = {"poll_id": pid, "choice": 0, "client_ballot_id": "metrics-ballot-000001"}
        assert (await tablet.call("vote:cast", ballot))["ok"]
        refused = await chair.call("vote:cast", dict(ballot, client_ballot_id="x" * 20))
        assert refused["ok"] is False  # the chair has not checked in
        await tablet.wait_for(lambda: any(e["type"] == "poll.updated" for e in tablet.events))
        during = await scrape(live_server.url)
    finally:
        await chair.close()
        await tablet.close()

    assert value(during, "ecabinet_live_connections") == 2
    assert value(during, "ecabinet_live_connects_total") \
        == value(before, "ecabinet_live_connects_total") + 2
    assert value(during, "ecabinet_ballots_total", outcome="ok") \
        == value(before, "ecabinet_ballots_total", outcome="ok") + 1
    assert value(during, "ecabinet_ballots_total", outcome="refused") \
        == value(before, "ecabinet_ballots_total", outcome="refused") + 1
    assert value(during, "ecabinet_ballot_ack_seconds_count") \
        == value(before, "ecabinet_ballot_ack_seconds_count") + 1
    # The check-in and the opened poll at least, each emitted once by this node's hub.
    assert value(during, "ecabinet_events_emitted_total") \
        >= value(before, "ecabinet_events_emitted_total") + 2

    # HTTP latency is labelled with the route's template, never with the raw path.
    def requests(route: str, method: str, status: str = "2xx") -> float:
        labels = {"method": method, "route": route, "status": status}
        name = "ecabinet_http_request_duration_seconds_count"
        return value(during, name, **labels) - value(before, name, **labels)

    assert requests("/api/login", "POST") == 2
    assert requests("/api/meetings/{id:int}", "GET") == 1
    assert requests("/api/meetings/{id:int}/polls", "POST") == 1
    routes = {dict(labels).get("route") for name, labels in during
              if name == "ecabinet_http_request_duration_seconds_count"}
    assert f"/api/meetings/{m}" not in routes


async def test_a_meeting_join_is_counted_by_what_the_screen_got(
        live_server: LiveServer, world: World, sessions: Any) -> None:
    hall = await build_hall(sessions, world, extra_voters=0)
    before = await scrape(live_server.url)
    tablet = await joined(live_server.url, "delegate", hall.meeting_id)
    try:
        # Reconnecting with an up-to-date seq gets the (no) missing events, not a snapshot.
        again = await tablet.call("meeting:join", {"meeting_id": hall.meeting_id,
                                                   "last_seq": 0})
        assert again["ok"] and "events" in again
    finally:
        await tablet.close()
    after = await scrape(live_server.url)
    for kind in ("snapshot", "events"):
        assert value(after, "ecabinet_meeting_joins_total", kind=kind) \
            == value(before, "ecabinet_meeting_joins_total", kind=kind) + 1, kind


async def test_metrics_are_refused_to_addresses_not_allowed(settings: Settings) -> None:
    async with node(settings, metrics_allow=("10.8.0.0/24",)) as app:
        for address, status in [("127.0.0.1", 200), ("10.8.0.7", 200), ("10.8.1.7", 403),
                                ("192.168.1.20", 403)]:
            async with client_at(app, address) as client:
                response = await client.get("/metrics")
            assert response.status_code == status, address
            if status == 403:
                assert response.json()["error"]["code"] == "forbidden"
                assert "ecabinet_" not in response.text
    async with node(settings) as app, client_at(app, "10.8.0.7") as client:
        assert (await client.get("/metrics")).status_code == 403  # loopback only by default


def test_allowed_addresses() -> None:
    assert scraper_allowed("::1", ())
    assert scraper_allowed("::ffff:127.0.0.1", ())
    assert scraper_allowed("fd00::5", ("fd00::/64",))
    assert not scraper_allowed("fd00:0:0:1::5", ("fd00::/64",))
    assert not scraper_allowed("testclient", ("0.0.0.0/0",))
    assert not scraper_allowed(None, ())


def test_the_allowed_networks_come_from_the_environment(tmp_path: Path) -> None:
    def load(allow: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ECABINET_DATA_DIR": str(tmp_path), "ECABINET_SECRET_KEY": "k",
               "ECABINET_METRICS_ALLOW": allow}
        return subprocess.run(
            [sys.executable, "-c", "from ecabinet.config import load_settings; "
             "print(','.join(load_settings().metrics_allow))"],
            env=env, capture_output=True, text=True, check=False)

    assert load("10.8.0.9/24, fd00::/64").stdout.strip() == "10.8.0.0/24,fd00::/64"
    assert load("").stdout.strip() == ""
    wrong = load("10.8.0.300/24")
    assert wrong.returncode != 0 and "ECABINET_METRICS_ALLOW" in wrong.stderr
