"""Prometheus metrics of a node: what `/metrics` shows, and the calls that move them.

Counters and histograms are moved where things happen (`count_join`, `observe_ballot`,
`count_events`, `observe_request`...). Figures other objects already keep (connected sockets,
page renders, the SFU's packet counters) are read when Prometheus scrapes, from the
`Figures` sources each app adds for as long as it runs, so nothing is added to the SFU's
packet path or to the PDF pool.

One registry per process, not per app: a scrape describes the process it reaches, the
way Prometheus' own process metrics do, and the calls stay plain functions that any layer
can make without being handed an object. Several apps in one process (the tests) then
share the counters, so tests compare before and after; the scrape-time figures are summed
over the apps running at that moment, and an app removes its source when it stops, so
nothing leaks from one app to the next and no metric is registered twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Seconds: from a 2 ms cached page to a 10 s upload of a big scanned PDF.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Ballots are acknowledged after their group commit: tens of ms, a second at worst.
BALLOT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)
# Requests that matched no route share one label, so scanners cannot mint new series.
UNMATCHED = "unmatched"

REGISTRY = CollectorRegistry()
# process_*: CPU seconds, resident memory, open files of this process; python_info.
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

HTTP_LATENCY = Histogram(
    "ecabinet_http_request_duration_seconds",
    "HTTP requests by method, route template and status class, until the last body byte",
    ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=REGISTRY)
JOINS = Counter(
    "ecabinet_meeting_joins", "Live-channel meeting joins, by what the screen received",
    ["kind"], registry=REGISTRY)
EVENTS = Counter(
    "ecabinet_events_emitted", "Meeting events emitted by this node's hub after commit",
    registry=REGISTRY)
CONNECTS = Counter(
    "ecabinet_live_connects", "Live-channel connections accepted (a logged-in user)",
    registry=REGISTRY)
BALLOTS = Counter(
    "ecabinet_ballots", "Ballots cast over the live channel, by outcome", ["outcome"],
    registry=REGISTRY)
BALLOT_ACK = Histogram(
    "ecabinet_ballot_ack_seconds",
    "From receiving a vote:cast to its acknowledgement (queue and group commit included)",
    buckets=BALLOT_BUCKETS, registry=REGISTRY)

JOIN_KINDS = ("snapshot", "events")


@dataclass(frozen=True)
class Figures:
    """What one running app reports at a scrape: counts it keeps anyway."""

    connections: int = 0
    pdf_renders: int = 0
    sfu_peers: int = 0
    sfu_packets_received: int = 0
    sfu_packets_forwarded: int = 0
    sfu_packets_lost: int = 0
    sfu_packets_dropped: int = 0


Source = Callable[[], Figures]
_sources: list[Source] = []
_lock = threading.Lock()


def add_source(source: Source) -> None:
    """Report `source()` at every scrape until `remove_source` (an app's lifespan)."""
    with _lock:
        _sources.append(source)


def remove_source(source: Source) -> None:
    """Stop reporting a source (its app stopped)."""
    with _lock:
        if source in _sources:
            _sources.remove(source)


def count_join(kind: str) -> None:
    """A screen joined a meeting and got a fresh `snapshot` or the missing `events`."""
    JOINS.labels(kind if kind in JOIN_KINDS else "other").inc()


def count_events(count: int = 1) -> None:
    """Committed events the hub emitted to their rooms."""
    EVENTS.inc(count)


def count_connect() -> None:
    """A live-channel connection was accepted."""
    CONNECTS.inc()


def observe_ballot(seconds: float, outcome: str = "ok") -> None:
    """A ballot was acknowledged `seconds` after it arrived (`ok`, or `refused`)."""
    BALLOTS.labels(outcome).inc()
    if outcome == "ok":
        BALLOT_ACK.observe(seconds)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """An HTTP request answered; `route` is its path template, never the raw path."""
    HTTP_LATENCY.labels(method, route, f"{status // 100}xx").observe(seconds)


def _sum() -> Figures:
    with _lock:
        sources = list(_sources)
    totals: dict[str, int] = dict.fromkeys(Figures.__dataclass_fields__, 0)
    for source in sources:
        figures = source()
        for name in totals:
            totals[name] += getattr(figures, name)
    return Figures(**totals)


class _ScrapeTime(Collector):
    """The figures of the running apps, read at each scrape."""

    def collect(self) -> Iterator[Metric]:
        """One family per figure."""
        f = _sum()
        yield GaugeMetricFamily("ecabinet_live_connections",
                                "Live-channel sockets connected to this process",
                                value=f.connections)
        yield CounterMetricFamily("ecabinet_pdf_page_renders",
                                  "Page images handed to the PDF workers since start",
                                  value=f.pdf_renders)
        yield GaugeMetricFamily("ecabinet_sfu_peers", "Video peers connected to this node's SFU",
                                value=f.sfu_peers)
        # The SFU's counters live with each peer's streams and vanish with the peer, so
        # these are gauges over the peers connected now, not counters since start.
        yield GaugeMetricFamily("ecabinet_sfu_packets_received",
                                "RTP packets received from the connected publishers",
                                value=f.sfu_packets_received)
        yield GaugeMetricFamily("ecabinet_sfu_packets_forwarded",
                                "RTP packets sent to the connected subscribers",
                                value=f.sfu_packets_forwarded)
        yield GaugeMetricFamily("ecabinet_sfu_packets_lost",
                                "RTP packets the connected publishers sent that never arrived",
                                value=f.sfu_packets_lost)
        yield GaugeMetricFamily("ecabinet_sfu_packets_dropped",
                                "RTP packets received but not forwarded (malformed, too big)",
                                value=f.sfu_packets_dropped)


REGISTRY.register(_ScrapeTime())


def exposition() -> bytes:
    """Every metric in Prometheus' text format."""
    return generate_latest(REGISTRY)
