"""Bench: one node, or two `ecabinet serve` nodes behind nginx (PostgreSQL + Redis), at scale.

Prints (never asserts), each phase against a baseline measured in the same run:
  a. N delegates (default 5,000) connect and `meeting:join` one meeting: total time and join
     ack p50/p99, against a bare python-socketio server doing connect + one emit/ack per
     client                                                   target ratio ≤ 2×
  b. memory per idle connection, server vs bare (bench/idle_connections.py)
                                                              target ratio ≤ 1.05×
  c. reconnect storm: every client's transport closes at once while the chair adds events;
     all come back with `meeting:join {last_seq}`. How many end on the server's exact state
     (every client: its applied seq is the server's last seq; a sample: the events it
     applied equal the server's log for that user, and a fresh snapshot over the socket
     equals the one HTTP serves, but for live.server_time) and the time until the last
     one does.
  d. a 1,000-ballot round with spread 0, a named then a secret poll (bench/vote_round.py,
     its own one-node set-up): ballot ack p99 target ≤ 200 ms, close→result / bare
     broadcast target ≤ 1.5×
  e. 1,000 logins arriving together on SQLite and on PostgreSQL (bench/logins.py):
     errors target 0, login p99

One node runs on SQLite; `--nodes 2` runs two nodes on a fresh PostgreSQL database
(127.0.0.1:5432, trust) with Redis (127.0.0.1:6379, a channel of its own) behind nginx
(a generated config: round robin, websocket upgrade for /socket.io/, no sticky sessions).

Run: .venv/bin/python bench/scale.py [--nodes 1|2] [--delegates 5000] [--phases a,b,c,d,e]
Smoke: .venv/bin/python bench/scale.py --delegates 200 --ballots 200 --logins 20
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing as mp
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import socketio  # noqa: E402

from bench import idle_connections, logins, vote_round  # noqa: E402
from bench.vote_round import (  # noqa: E402
    Crowd,
    Delegates,
    Setup,
    delegate_process,
    free_port,
    now,
    pct,
    raise_fd_limit,
    start_node,
    wait_http,
)

PG_ADMIN = os.environ.get("ECABINET_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = "redis://127.0.0.1:6379/0"
STORM_EVENTS = 5  # events the chair adds while every client is away


def digest(value: Any) -> str:
    """A stable hash of a JSON value."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


# -- the delegates' screens ----------------------------------------------------------------


class Screens(Delegates):
    """Delegates whose screens apply the meeting's events strictly in seq order, as
    static/js/live.js does, so their state can be compared with the server's."""

    def __init__(self, url: str, bare_url: str, meeting_id: int, cookies: list[str]) -> None:
        super().__init__(url, bare_url, meeting_id, cookies)
        n = len(cookies)
        self.seq = [0] * n
        self.base = [0] * n  # seq of the last snapshot applied
        self.applied: list[list[tuple[int, str, str]]] = [[] for _ in range(n)]
        self.early: list[dict[int, dict[str, Any]]] = [{} for _ in range(n)]
        self.target = 0
        self.done_at = [0.0] * n
        self.limit = asyncio.Semaphore(50)

    def _apply(self, index: int, event: dict[str, Any]) -> None:
        if event.get("meeting_id") != self.meeting_id or event["seq"] <= self.seq[index]:
            return
        self.early[index][event["seq"]] = event
        while self.seq[index] + 1 in self.early[index]:
            ready = self.early[index].pop(self.seq[index] + 1)
            self.applied[index].append((ready["seq"], ready["type"], digest(ready["data"])))
            self.seq[index] = ready["seq"]
        self._check_done(index)

    def _check_done(self, index: int) -> None:
        if self.target and self.seq[index] >= self.target and not self.done_at[index]:
            self.done_at[index] = now()

    def _take(self, index: int, ack: dict[str, Any]) -> None:
        """Apply a join/sync acknowledgement: a snapshot, or the missing events."""
        if "snapshot" in ack:
            self.base[index] = self.seq[index] = ack["snapshot"]["seq"]
            self.applied[index] = []
            self.early[index] = {s: e for s, e in self.early[index].items() if s > self.seq[index]}
            self._check_done(index)
        for event in ack.get("events", []):
            self._apply(index, event)

    async def _open(self, index: int) -> None:
        client = socketio.AsyncClient(reconnection=False)

        async def on_event(event: dict[str, Any]) -> None:
            self._apply(index, event)

        client.on("event", on_event)
        async with self.limit:
            await client.connect(
                self.url, headers={"Cookie": f"ecabinet_session={self.cookies[index]}"},
                transports=["websocket"], wait_timeout=60)
        self._by_index[index] = client

    async def connect(self) -> int:
        """Open every delegate's socket."""
        self._by_index = {}
        await asyncio.gather(*[self._open(i) for i in range(len(self.cookies))])
        return len(self._by_index)

    async def _join(self, client: socketio.AsyncClient, last_seq: int | None
                    ) -> tuple[float, dict[str, Any]]:
        data: dict[str, Any] = {"meeting_id": self.meeting_id}
        if last_seq is not None:
            data["last_seq"] = last_seq
        started = now()
        async with self.limit:
            ack = await client.call("meeting:join", data, timeout=300)
        return now() - started, ack

    async def join_all(self, _arg: Any = None) -> tuple[list[float], list[str]]:
        """Every screen joins from scratch (a snapshot); ack latencies and refusals."""
        async def one(index: int) -> float | None:
            took, ack = await self._join(self._by_index[index], None)
            if not ack.get("ok"):
                self.failures.append(f"meeting:join: {ack.get('error', {}).get('code')}")
                return None
            self._take(index, ack)
            return took
        done = await asyncio.gather(*[one(i) for i in range(len(self.cookies))])
        refusals, self.failures = self.failures, []
        return [d for d in done if d is not None], refusals

    async def join_bare(self, _arg: Any = None) -> list[float]:
        """One emit/ack per bare client (idle_connections.BARE_SERVER answers it)."""
        async def one(client: socketio.AsyncClient) -> float:
            async with self.limit:
                started = now()
                await client.call("meeting:join", {"meeting_id": 1}, timeout=300)
                return now() - started
        return list(await asyncio.gather(*[one(c) for c in self.bare]))

    async def close_bare(self, _arg: Any = None) -> int:
        """Disconnect from the bare server."""
        await asyncio.gather(*[c.disconnect() for c in self.bare], return_exceptions=True)
        closed, self.bare = len(self.bare), []
        return closed

    async def drop(self, _arg: Any = None) -> int:
        """Close every transport at once, without a socket.io disconnect."""
        clients = list(self._by_index.values())
        await asyncio.gather(*[c.eio.ws.close() for c in clients if c.eio.ws is not None],
                             return_exceptions=True)
        for _ in range(200):
            if not any(c.connected for c in clients):
                break
            await asyncio.sleep(0.05)
        return sum(not c.connected for c in clients)

    async def rejoin(self, target: int) -> tuple[list[float], list[int], list[str]]:
        """Every screen reconnects and sends `meeting:join {last_seq}`; when each reached
        `target`, and the seq each ends on."""
        self.target, self.done_at = target, [0.0] * len(self.cookies)

        async def one(index: int) -> None:
            try:
                await self._open(index)
                _took, ack = await self._join(self._by_index[index], self.seq[index])
            except Exception as exc:  # a refused or timed-out reconnect is a figure too
                self.failures.append(f"reconnect: {type(exc).__name__}: {exc}")
                return
            if not ack.get("ok"):
                self.failures.append(f"meeting:join: {ack.get('error', {}).get('code')}")
                return
            self._take(index, ack)
        await asyncio.gather(*[one(i) for i in range(len(self.cookies))])
        await asyncio.sleep(0.5)  # stragglers delivered live
        return self.done_at, self.seq, self.failures

    async def compare(self, sample: int) -> list[tuple[bool, bool, list[str]]]:
        """For `sample` screens: (applied events == the server's log for this user,
        fresh socket snapshot's seq == the screen's seq, keys where the socket snapshot
        differs from the HTTP one)."""
        out = []
        base = f"/api/meetings/{self.meeting_id}"
        for index in range(min(sample, len(self.cookies))):
            async with httpx.AsyncClient(
                    base_url=self.url, timeout=60,
                    cookies={"ecabinet_session": self.cookies[index]}) as http:
                log = (await http.get(f"{base}/events",
                                      params={"after": self.base[index]})).json()
                server = [(e["seq"], e["type"], digest(e["data"]))
                          for e in log.get("events", [])]
                _took, ack = await self._join(self._by_index[index], None)
                fresh = ack.get("snapshot", {})
                served = (await http.get(base)).json()
            for snap in (fresh, served):  # the server's clock at the time of asking
                snap.get("live", {}).pop("server_time", None)
            differ = sorted(k for k in fresh.keys() | served.keys()
                            if digest(fresh.get(k)) != digest(served.get(k)))
            out.append((server == self.applied[index], fresh.get("seq") == self.seq[index],
                        differ))
        return out


# -- the nodes -------------------------------------------------------------------------------


NGINX_CONF = """
worker_processes 1;
worker_rlimit_nofile 65536;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 32768; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream ecabinet {{
{servers}
        keepalive 64;
    }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_http_version 1.1;
        location /socket.io/ {{
            proxy_pass http://ecabinet;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 3600s;
        }}
        location / {{
            proxy_pass http://ecabinet;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def start_nginx(tmp: Path, ports: list[int]) -> tuple[subprocess.Popen[bytes], int]:
    """nginx in front of the nodes on a free port, from a generated config in `tmp`."""
    port = free_port()
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, servers=servers, port=port))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, port


def _psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True, capture_output=True)


@contextmanager
def pg_database(name: str) -> Iterator[str]:
    """Create database `name` (trust auth as in the tests), yield its URL, drop it."""
    _psql(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB."""
    return idle_connections.rss_kb(pid) / 1024


# -- the phases ------------------------------------------------------------------------------


class Cluster:
    """The nodes (and nginx) of this run and the address clients use."""

    def __init__(self, url: str, nodes: list[subprocess.Popen[bytes]], node_urls: list[str],
                 setup: Setup) -> None:
        self.url, self.nodes, self.node_urls, self.setup = url, nodes, node_urls, setup


def start_bare() -> tuple[subprocess.Popen[bytes], str]:
    """idle_connections.BARE_SERVER: connect, and `meeting:join` answered with an ack."""
    port = free_port()
    bare = subprocess.Popen([sys.executable, "-c", idle_connections.BARE_SERVER, str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=raise_fd_limit)
    return bare, f"http://127.0.0.1:{port}"


async def phase_a(crowd: Crowd, cluster: Cluster, bare_url: str, n: int) -> None:
    """Connect + join against connect + one emit/ack on the bare server."""
    t0 = now()
    connected = sum(await crowd.ask_async("connect"))
    t_connected = now() - t0
    joins = await crowd.ask_async("join_all")
    total = now() - t0
    acks = [t for part, _refused in joins for t in part]
    refused = Counter(r for _part, refusals in joins for r in refusals)
    t0 = now()
    bare_connected = sum(await crowd.ask_async("connect_bare"))
    b_connect = now() - t0
    bare_acks = [t for part in await crowd.ask_async("join_bare") for t in part]
    bare_total = now() - t0
    await crowd.ask_async("close_bare")
    print(f"a. {connected}/{n} delegates connected in {t_connected:.1f} s, {len(acks)} joined "
          f"after {total:.1f} s in all; join ack p50 "
          f"{1000 * pct(acks, .5):.0f} ms, p99 {1000 * pct(acks, .99):.0f} ms")
    if refused:
        print(f"   joins refused: {dict(refused)}")
    print(f"   bare python-socketio: {bare_connected} connected in {b_connect:.1f} s, one "
          f"emit/ack each after {bare_total:.1f} s in all; ack p50 "
          f"{1000 * pct(bare_acks, .5):.0f} ms, p99 {1000 * pct(bare_acks, .99):.0f} ms")
    print(f"   ratio connect+join / bare = {total / bare_total:.2f}×  (target ≤ 2×)")


async def phase_c(crowd: Crowd, cluster: Cluster, n: int, sample: int) -> None:
    """Drop every transport, add events, bring everyone back, compare with the server."""
    setup = cluster.setup
    async with httpx.AsyncClient(
            base_url=cluster.url, timeout=60, cookies={"ecabinet_session": setup.chair_cookie},
            headers={"x-csrf-token": setup.chair_csrf}) as chair:
        before = (await chair.get(f"/api/meetings/{setup.meeting_id}")).json()["seq"]
        t_drop = now()
        dropped = sum(await crowd.ask_async("drop"))
        for k in range(STORM_EVENTS):
            made = await chair.post(f"/api/meetings/{setup.meeting_id}/polls",
                                    json={"question": f"Biểu quyết bổ sung số {k + 1}"})
            assert made.status_code == 201, made.text
        target = (await chair.get(f"/api/meetings/{setup.meeting_id}")).json()["seq"]
        t_back = now()
        answers = await crowd.ask_async("rejoin", target)
        done = [t for times, _s, _f in answers for t in times]
        seqs = [s for _t, ss, _f in answers for s in ss]
        failures = [f for _t, _s, fs in answers for f in fs]
        exact = sum(s == target for s in seqs)
        reached = [t for t in done if t > 0]
        compared = [c for part in await crowd.ask_async("compare", max(1, sample // len(
            crowd.pipes))) for c in part]
        after = (await chair.get(f"/api/meetings/{setup.meeting_id}")).json()["seq"]
    print(f"c. reconnect storm: {dropped}/{n} transports closed at once; the chair added "
          f"{target - before} events meanwhile (seq {before} → {target})")
    print(f"   {exact}/{n} screens end on the server's last seq {target}"
          f"{f' (the server moved on to {after})' if after != target else ''}; "
          f"the last one {max(reached, default=float('nan')) - t_drop:.2f} s after the drop "
          f"({max(reached, default=float('nan')) - t_back:.2f} s after reconnecting began)")
    if failures:
        print(f"   failures: {dict(Counter(failures))}")
    print(f"   sample of {len(compared)}: applied events = server log "
          f"{sum(c[0] for c in compared)}, fresh snapshot seq = screen seq "
          f"{sum(c[1] for c in compared)}, socket snapshot = HTTP snapshot "
          f"{sum(not c[2] for c in compared)}")
    differing = sorted({k for c in compared for k in c[2]})
    if differing:
        print(f"   keys where socket and HTTP snapshots differ: {differing}")


def phase_b(cluster: Cluster, n: int, workers: int) -> None:
    """Memory per idle connection on the first node vs the bare server."""
    setup = cluster.setup
    cookie = f"ecabinet_session={setup.cookies[0]}"
    node = cluster.nodes[0]
    before, after, secs = idle_connections.connect_all(
        cluster.node_urls[0], cookie, setup.meeting_id, n, workers, node.pid)
    bare, bare_url = start_bare()
    try:
        idle_connections.wait_http(f"{bare_url}/socket.io/?EIO=4&transport=polling")
        b_before, b_after, b_secs = idle_connections.connect_all(
            bare_url, "", 1, n, workers, bare.pid)
    finally:
        bare.terminate()
        bare.wait(30)
    per, bare_per = (after - before) / n, (b_after - b_before) / n
    print(f"b. {n} idle connections on node 1: RSS {before / 1024:.0f} → {after / 1024:.0f} MB,"
          f" {per:.1f} KB each (connect+join {secs:.1f} s); bare python-socketio "
          f"{bare_per:.1f} KB each ({b_secs:.1f} s)")
    print(f"   ratio per connection / bare = {per / bare_per:.2f}×  (target ≤ 1.05×)")


async def phase_d(args: argparse.Namespace) -> None:
    """vote_round.py's round at spread 0: a named poll, then a secret one."""
    print(f"d. vote rounds (bench/vote_round.py, one node on SQLite): {args.ballots} "
          "delegates, spread 0; round 1 named, round 2 secret")
    await vote_round.run(argparse.Namespace(
        delegates=args.ballots, procs=args.procs, spread=0.0, checkin_spread=10.0, rounds=2,
        visibility="named,secret"))


async def phase_e(args: argparse.Namespace) -> None:
    """logins.py on SQLite, then on PostgreSQL."""
    print(f"e. {args.logins} logins together (bench/logins.py), SQLite:")
    run = argparse.Namespace(logins=args.logins, creations=0, connections=500, database_url="")
    await logins.run(run)
    print(f"e. {args.logins} logins together (bench/logins.py), PostgreSQL:")
    with pg_database(f"ecabinet_bench_logins_{secrets.token_hex(4)}") as url:
        run.database_url = url
        await logins.run(run)


# -- the run ---------------------------------------------------------------------------------


async def with_cluster(args: argparse.Namespace, tmp: Path, database_url: str) -> None:
    """Seed, start the node(s) (and nginx), run phases a, b and c."""
    t0 = now()
    setup = await vote_round.build(tmp, args.delegates, 0, database_url=database_url)
    print(f"set-up: {args.delegates} delegates with login sessions, a meeting in session "
          f"({now() - t0:.1f} s)")
    env = {**os.environ, "ECABINET_DATABASE_URL": setup.database_url,
           "ECABINET_SECRET_KEY": setup.secret, "ECABINET_DATA_DIR": str(tmp / "data"),
           "ECABINET_PDF_WORKERS": "1"}
    if args.nodes > 1:
        env |= {"ECABINET_REDIS_URL": REDIS_URL,
                "ECABINET_REDIS_CHANNEL": f"ecabinet-bench-{secrets.token_hex(6)}"}
    ports = [free_port() for _ in range(args.nodes)]
    logs = [(tmp / f"node{i + 1}.log").open("wb") for i in range(args.nodes)]
    nodes = [start_node(port, env, log) for port, log in zip(ports, logs, strict=True)]
    nginx: subprocess.Popen[bytes] | None = None
    procs: list[Any] = []
    bare: subprocess.Popen[bytes] | None = None
    try:
        for port, node in zip(ports, nodes, strict=True):
            await wait_http(f"http://127.0.0.1:{port}/healthz", node)
        node_urls = [f"http://127.0.0.1:{p}" for p in ports]
        url = node_urls[0]
        if args.nodes > 1:
            nginx, nginx_port = start_nginx(tmp, ports)
            url = f"http://127.0.0.1:{nginx_port}"
            await wait_http(f"{url}/healthz", nginx)
        cluster = Cluster(url, nodes, node_urls, setup)
        where = (f"{args.nodes} nodes behind nginx on PostgreSQL + Redis" if args.nodes > 1
                 else "one node on " + ("PostgreSQL" if "postgresql" in database_url
                                        else "SQLite"))
        print(f"cluster: {where}; server RSS "
              f"{', '.join(f'{rss_mb(n.pid):.0f} MB' for n in nodes)}; machine: "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        phases = set(args.phases.split(","))
        if phases & {"a", "c"}:
            bare, bare_url = start_bare()
            idle_connections.wait_http(f"{bare_url}/socket.io/?EIO=4&transport=polling")
            ctx = mp.get_context("spawn")
            pipes = []
            for i in range(args.procs):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=delegate_process, daemon=True, args=(
                    child, url, bare_url, setup.meeting_id, setup.cookies[i::args.procs],
                    Screens))
                proc.start()
                procs.append(proc)
                pipes.append(parent)
            crowd = Crowd(pipes)
            await phase_a(crowd, cluster, bare_url, args.delegates)
            print(f"   server RSS with {args.delegates} joined: "
                  f"{', '.join(f'{rss_mb(n.pid):.0f} MB' for n in nodes)}")
            if "c" in phases:
                await phase_c(crowd, cluster, args.delegates, args.sample)
            await crowd.ask_async("quit")
        if "b" in phases:
            phase_b(cluster, args.idle or args.delegates, args.procs)
    finally:
        for proc in procs:
            proc.kill()
        for process in [p for p in (bare, nginx) if p is not None]:
            process.terminate()
            process.wait(10)
        for node in nodes:
            node.terminate()
            try:
                node.wait(20)
            except subprocess.TimeoutExpired:
                node.kill()
        for log in logs:
            log.close()


async def run(args: argparse.Namespace) -> None:
    raise_fd_limit()
    phases = set(args.phases.split(","))
    started = time.monotonic()
    if phases & {"a", "b", "c"}:
        tmp = Path(tempfile.mkdtemp(prefix="ecabinet-scale-"))
        if args.nodes > 1 or args.postgres:
            with pg_database(f"ecabinet_bench_scale_{secrets.token_hex(4)}") as url:
                await with_cluster(args, tmp, url)
        else:
            await with_cluster(args, tmp, "")
        shutil.rmtree(tmp, ignore_errors=True)
    for name, phase in (("d", phase_d), ("e", phase_e)):
        if name in phases:
            try:
                await phase(args)
            except (Exception, SystemExit) as exc:  # report and go on with the next phase
                print(f"{name}. failed: {type(exc).__name__}: {exc}")
    print(f"(whole run {time.monotonic() - started:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, choices=(1, 2), default=1)
    parser.add_argument("--postgres", action="store_true", help="one node on PostgreSQL too")
    parser.add_argument("--delegates", type=int, default=5000, help="phases a, c (and b)")
    parser.add_argument("--idle", type=int, default=0,
                        help="idle connections in phase b (default: --delegates)")
    parser.add_argument("--sample", type=int, default=40,
                        help="screens whose events and snapshot are compared in phase c")
    parser.add_argument("--ballots", type=int, default=1000, help="delegates voting in phase d")
    parser.add_argument("--logins", type=int, default=1000, help="logins together in phase e")
    parser.add_argument("--procs", type=int, default=4, help="delegate processes")
    parser.add_argument("--phases", default="a,b,c,d,e")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
