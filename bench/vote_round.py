"""Bench: a vote round with N delegates on a real `ecabinet serve` process.

Prints (never asserts), with a floor measured in the same run:
  * check-in acknowledgement p50/p99 (all N check in from their tablets)
  * open → every screen shows the ballot
  * ballot acknowledgement p50/p99 (acknowledged = committed by the group-commit writer)
                                                           target p99 ≤ 200 ms
  * close → the last of N screens has the result           target ≤ 150 ms and
    ≤ 1.5× a bare python-socketio broadcast to the same N clients (the floor)
  * the floor for the ballots: the same clients answering a bare broadcast with an
    emit/ack to the bare server, with the same spread (their p99, and ours over it)

The server, a bare python-socketio server (the floor) and the delegates each run in
their own processes; every delegate process drives many socket.io clients. Times are
taken with CLOCK_MONOTONIC, which all processes on this machine share.

Run: .venv/bin/python bench/vote_round.py [--delegates 1000] [--procs 4] [--spread 5]

--spread is the window over which the delegates press their button after the ballot
appears (people do not all press within the same millisecond); --spread 0 is a burst.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import socketio  # noqa: E402

BARE_ROUNDS = 5


def now() -> float:
    """The shared monotonic clock, in seconds."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- set-up: a meeting in session with N delegates, each with a login session ---------


@dataclass
class Setup:
    database_url: str
    secret: str
    meeting_id: int
    poll_ids: list[int]
    chair_cookie: str
    chair_csrf: str
    cookies: list[str]


async def build(tmp: Path, delegates: int, rounds: int, database_url: str = "",
                visibilities: Sequence[str] = ("named",)) -> Setup:
    """A meeting in session with N delegates and `rounds` draft polls (SQLite in tmp unless
    `database_url` is given; poll r is `visibilities[r % len(visibilities)]`)."""

    from ecabinet import accounts, db, meetings, units, voting
    from ecabinet.models import AgendaItem, ParticipantRole, Role
    from ecabinet.models.base import utcnow
    from ecabinet.schema import upgrade_async

    database_url = database_url or f"sqlite+aiosqlite:///{tmp / 'bench.sqlite'}"
    await upgrade_async(database_url)
    secret = secrets.token_hex(16)
    accounts.configure_hashing(1, 8192)
    engine = db.create_engine(database_url)
    async with db.transaction(db.sessionmaker(engine)) as s:
        unit = await units.create_unit(s, name="Hội đồng nhân dân tỉnh", kind="province")
        secretary = await accounts.create_user(
            s, username="thuky", full_name="Thư ký kỳ họp", password="bench-password",
            role=Role.secretary, unit_id=unit.id)
        chair = await accounts.create_user(
            s, username="chutoa", full_name="Chủ tọa kỳ họp", password="bench-password",
            role=Role.chair, unit_id=unit.id)
        ids = await insert_delegates(s, unit.id, delegates, "daibieu", "Đại biểu số")
        meeting = await meetings.create_meeting(s, secretary, meetings.MeetingInput(
            title="Kỳ họp chuyên đề", unit_id=unit.id, chair_id=chair.id,
            starts_at=utcnow() + timedelta(days=1), urgent=True,
            participants=[(uid, ParticipantRole.delegate) for uid in ids]))
        s.add(AgendaItem(meeting_id=meeting.id, position=1, title="Nghị quyết về kế hoạch"))
        await s.flush()
        for step, actor in (("submit", secretary), ("approve", chair), ("publish", secretary),
                            ("start", secretary)):
            await meetings.transition(s, actor, meeting.id, step)
        tokens = await insert_sessions(s, [chair.id, *ids])
        polls = []
        for r in range(rounds):
            poll = await voting.create_poll(s, chair, meeting.id, voting.PollInput(
                question=f"Biểu quyết thông qua nghị quyết (lượt {r + 1})",
                visibility=visibilities[r % len(visibilities)]))
            polls.append(poll.id)
    await engine.dispose()
    cookie = accounts.sign_token
    return Setup(database_url, secret, meeting.id, polls, cookie(secret, tokens[chair.id]),
                 f"csrf-{chair.id}", [cookie(secret, tokens[uid]) for uid in ids])


async def insert_delegates(session: Any, unit_id: int, count: int, username: str,
                           full_name: str) -> list[int]:
    """`count` delegate accounts of the unit, written in one statement; their ids."""
    from sqlalchemy import insert, select

    from ecabinet import accounts
    from ecabinet.models import Role, User
    from ecabinet.models.base import utcnow

    hashed = accounts.hash_password("bench-password")
    await session.execute(insert(User), [
        {"username": f"{username}{n:04d}", "full_name": f"{full_name} {n}", "title": "",
         "role": Role.delegate, "unit_id": unit_id, "password_hash": hashed,
         "language": "vi", "active": True, "failed_logins": 0, "created_at": utcnow()}
        for n in range(count)])
    return list((await session.scalars(select(User.id).where(
        User.role == Role.delegate, User.username.like(f"{username}%"))
        .order_by(User.id))).all())


async def insert_sessions(session: Any, user_ids: Sequence[int]) -> dict[int, str]:
    """A login session for each user, valid for six hours; the tokens by user id."""
    from sqlalchemy import insert

    from ecabinet.models import LoginSession
    from ecabinet.models.base import utcnow

    tokens = {uid: secrets.token_urlsafe(32) for uid in user_ids}
    await session.execute(insert(LoginSession), [
        {"token": tok, "csrf_token": f"csrf-{uid}", "user_id": uid,
         "expires_at": utcnow() + timedelta(hours=6), "created_at": utcnow()}
        for uid, tok in tokens.items()])
    return tokens


# -- the floor: a bare python-socketio server ------------------------------------------


def bare_server(port: int, payload_size: int) -> None:
    """A python-socketio server with nothing but a room and a broadcast trigger."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    raise_fd_limit()
    sio = socketio.AsyncServer(async_mode="asgi")

    @sio.on("connect")
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await sio.enter_room(sid, "all")

    @sio.on("vote:cast")
    async def cast(sid: str, data: Any = None) -> dict[str, Any]:
        # The floor for a ballot: received, answered, nothing written.
        return {"ok": True, "ballot": {"poll_id": data.get("poll_id"), "receipt": "x" * 16}}

    async def fire(request: Request) -> JSONResponse:
        seq = int(request.query_params.get("seq", "0"))
        kind = request.query_params.get("type", "poll.updated")
        await sio.emit("event", {"seq": seq, "type": kind, "data": "x" * payload_size},
                       room="all")
        return JSONResponse({"ok": True})

    app = socketio.ASGIApp(sio, other_asgi_app=Starlette(routes=[Route("/fire", fire,
                                                                       methods=["POST"])]))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")


# -- the delegates: one process drives many socket.io clients ---------------------------


class Delegates:
    """This process's share of the delegates and what each measured."""

    def __init__(self, url: str, bare_url: str, meeting_id: int, cookies: list[str]) -> None:
        self.url, self.bare_url, self.meeting_id, self.cookies = url, bare_url, meeting_id, cookies
        self.bare: list[socketio.AsyncClient] = []
        self.seen: dict[str, list[float]] = {}
        self.ballot_tasks: list[asyncio.Task[None]] = []
        self.acks: list[float] = []
        self.failures: list[str] = []
        self.spread = 0.0
        self.poll_id = 0

    async def _connect_one(self, index: int, limit: asyncio.Semaphore) -> None:
        client = socketio.AsyncClient(reconnection=False)

        async def on_event(event: dict[str, Any]) -> None:
            arrived = now()
            if event["type"] == "poll.updated":
                poll = event["data"]["poll"]
                key = f"{poll['status']}:{poll['id']}"
                self.seen.setdefault(key, [0.0] * len(self.cookies))[index] = arrived
                if poll["status"] == "open" and poll["id"] == self.poll_id:
                    self.ballot_tasks.append(asyncio.create_task(self._vote(index, poll["id"])))

        client.on("event", on_event)
        async with limit:
            await client.connect(
                self.url, headers={"Cookie": f"ecabinet_session={self.cookies[index]}"},
                transports=["websocket"], wait_timeout=30)
        self._by_index[index] = client

    async def connect(self) -> int:
        self._by_index: dict[int, socketio.AsyncClient] = {}
        limit = asyncio.Semaphore(50)
        await asyncio.gather(*[self._connect_one(i, limit) for i in range(len(self.cookies))])
        return len(self._by_index)

    async def _timed(self, index: int, event: str, data: dict[str, Any]) -> float | None:
        started = now()
        ack = await self._by_index[index].call(event, data, timeout=180)
        if not ack.get("ok"):
            self.failures.append(f"{event}: {ack.get('error')}")
            return None
        return now() - started

    async def check_in(self, spread: float) -> list[float]:
        async def one(index: int) -> float | None:
            await asyncio.sleep(random.uniform(0, spread))
            return await self._timed(index, "attendance:checkin", {"meeting_id": self.meeting_id})
        done = await asyncio.gather(*[one(i) for i in range(len(self.cookies))])
        return [d for d in done if d is not None]

    async def join(self, last_seq: int) -> int:
        async def one(index: int) -> bool:
            ack = await self._by_index[index].call(
                "meeting:join", {"meeting_id": self.meeting_id, "last_seq": last_seq}, timeout=60)
            return bool(ack.get("ok"))
        return sum(await asyncio.gather(*[one(i) for i in range(len(self.cookies))]))

    async def _vote(self, index: int, poll_id: int) -> None:
        await asyncio.sleep(random.uniform(0, self.spread))
        took = await self._timed(index, "vote:cast", {
            "poll_id": poll_id, "choice": index % 3,
            "client_ballot_id": f"bench-{poll_id}-{index}-{secrets.token_hex(8)}"})
        if took is not None:
            self.acks.append(took)

    async def connect_bare(self) -> int:
        limit = asyncio.Semaphore(50)

        async def one(index: int) -> None:
            client = socketio.AsyncClient(reconnection=False)

            async def on_event(event: dict[str, Any]) -> None:
                key = f"bare:{event['seq']}"
                self.seen.setdefault(key, [0.0] * len(self.cookies))[index] = now()
                if event["type"] == "burst":  # as a delegate's tablet answers a poll opening
                    self.ballot_tasks.append(asyncio.create_task(self._vote_bare(client)))

            client.on("event", on_event)
            async with limit:
                await client.connect(self.bare_url, transports=["websocket"], wait_timeout=30)
            self.bare.append(client)
        await asyncio.gather(*[one(i) for i in range(len(self.cookies))])
        return len(self.bare)

    async def _vote_bare(self, client: socketio.AsyncClient) -> None:
        await asyncio.sleep(random.uniform(0, self.spread))
        started = now()
        ack = await client.call("vote:cast", {"poll_id": 0, "choice": 0}, timeout=180)
        if ack.get("ok"):
            self.acks.append(now() - started)

    async def close_all(self) -> None:
        for client in [*self._by_index.values(), *self.bare]:
            try:
                await client.disconnect()
            except Exception:
                pass


def delegate_process(conn: Connection, url: str, bare_url: str, meeting_id: int,
                     cookies: list[str], crowd_type: type[Delegates] = Delegates) -> None:
    """Run this process's delegates, answering the parent's commands over a pipe; a
    command not listed here calls the crowd's async method of that name with the argument."""
    raise_fd_limit()

    async def main() -> None:
        crowd = crowd_type(url, bare_url, meeting_id, cookies)
        loop = asyncio.get_running_loop()
        while True:
            command, arg = await loop.run_in_executor(None, conn.recv)
            if command == "connect":
                conn.send(await crowd.connect())
            elif command == "checkin":
                conn.send(await crowd.check_in(arg))
            elif command == "join":
                conn.send(await crowd.join(arg))
            elif command == "arm":
                crowd.poll_id, crowd.spread = arg
                crowd.acks, crowd.ballot_tasks = [], []
                conn.send(True)
            elif command == "voted":
                # Some screens may still be receiving the ballot: wait until every one has it.
                for _ in range(600):
                    if len(crowd.ballot_tasks) >= len(cookies):
                        break
                    await asyncio.sleep(0.05)
                await asyncio.gather(*crowd.ballot_tasks)
                conn.send((crowd.acks, crowd.failures[-5:]))
            elif command == "connect_bare":
                conn.send(await crowd.connect_bare())
            elif command == "seen":
                await asyncio.sleep(0.3)  # let stragglers arrive before reporting
                conn.send(crowd.seen.get(arg, []))
            elif command == "quit":
                await crowd.close_all()
                conn.send(True)
                return
            else:
                conn.send(await getattr(crowd, command)(arg))

    asyncio.run(main())


# -- the run ------------------------------------------------------------------------------


class Crowd:
    """The parent's handle on every delegate process."""

    def __init__(self, pipes: list[Connection]) -> None:
        self.pipes = pipes

    def ask(self, command: str, arg: Any = None) -> list[Any]:
        for pipe in self.pipes:
            pipe.send((command, arg))
        return [pipe.recv() for pipe in self.pipes]

    async def ask_async(self, command: str, arg: Any = None) -> list[Any]:
        return await asyncio.to_thread(self.ask, command, arg)

    def seen(self, key: str) -> list[float]:
        return [t for part in self.ask("seen", key) for t in part]


async def wait_http(url: str, process: subprocess.Popen[bytes] | mp.Process) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            try:
                await http.get(url)
                return
            except httpx.TransportError:
                alive = process.poll() is None if isinstance(process, subprocess.Popen) \
                    else process.is_alive()
                if not alive:
                    raise SystemExit(f"server at {url} exited") from None
                await asyncio.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


_seen_ballots = (0.0, 0.0)


async def server_ballot_time(url: str) -> float:
    """The server's mean ballot time (arrival to acknowledgement) since the last call."""
    global _seen_ballots
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"{url}/metrics")).text
    figures = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
               if line.startswith(("ecabinet_ballot_ack_seconds_sum ",
                                   "ecabinet_ballot_ack_seconds_count "))}
    total, count = figures["ecabinet_ballot_ack_seconds_sum"], \
        figures["ecabinet_ballot_ack_seconds_count"]
    before, _seen_ballots = _seen_ballots, (total, count)
    return (total - before[0]) / max(1.0, count - before[1])


def last_arrival(times: list[float], expected: int) -> tuple[float, int]:
    got = [t for t in times if t > 0]
    return (max(got) if got else float("nan")), len(got)


def start_node(port: int, env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    """`ecabinet serve` in its own process."""
    return subprocess.Popen([sys.executable, "-m", "ecabinet.cli", "serve", "--port", str(port),
                             "--no-upgrade"], cwd=ROOT, env=env, stdout=log, stderr=log)


async def run(args: argparse.Namespace) -> None:
    raise_fd_limit()
    tmp = Path(tempfile.mkdtemp(prefix="ecabinet-vote-"))
    t0 = now()
    setup = await build(tmp, args.delegates, args.rounds,
                        visibilities=args.visibility.split(","))
    print(f"set-up: {args.delegates} delegates, meeting in session ({now() - t0:.1f} s)")

    port, bare_port = free_port(), free_port()
    url, bare_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    env = {**os.environ, "ECABINET_DATABASE_URL": setup.database_url,
           "ECABINET_SECRET_KEY": setup.secret, "ECABINET_DATA_DIR": str(tmp / "data"),
           "ECABINET_PDF_WORKERS": "1"}
    log = (tmp / "server.log").open("wb")
    server = start_node(port, env, log)
    ctx = mp.get_context("spawn")
    bare = ctx.Process(target=bare_server, args=(bare_port, 900), daemon=True)
    bare.start()
    procs: list[mp.Process] = []
    pipes: list[Connection] = []
    try:
        await wait_http(f"{url}/healthz", server)
        await wait_http(f"{bare_url}/fire", bare)
        share = [setup.cookies[i::args.procs] for i in range(args.procs)]
        for part in share:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=delegate_process,
                               args=(child, url, bare_url, setup.meeting_id, part), daemon=True)
            proc.start()
            procs.append(proc)
            pipes.append(parent)
        crowd = Crowd(pipes)
        t0 = now()
        connected = sum(await crowd.ask_async("connect"))
        print(f"connected: {connected} delegate sockets ({now() - t0:.1f} s)")

        # Check-in: each tablet checks its delegate in, before opening the meeting screen.
        t0 = now()
        checkins = [t for part in await crowd.ask_async("checkin", args.checkin_spread)
                    for t in part]
        print(f"check-in: {len(checkins)} acknowledged in {now() - t0:.1f} s; ack p50 "
              f"{1000 * pct(checkins, .5):.1f} ms, p99 {1000 * pct(checkins, .99):.1f} ms")
        async with httpx.AsyncClient(
                base_url=url, cookies={"ecabinet_session": setup.chair_cookie},
                headers={"x-csrf-token": setup.chair_csrf}) as chair:
            snapshot = (await chair.get(f"/api/meetings/{setup.meeting_id}")).json()
            present = snapshot["attendance"]["counts"]["present"]
            joined = sum(await crowd.ask_async("join", snapshot["seq"]))
            print(f"joined the meeting channel: {joined}; present {present}/{args.delegates}, "
                  f"quorum {snapshot['attendance']['counts']['quorum']}")

            results = []
            for poll_id in setup.poll_ids:
                crowd.ask("arm", (poll_id, args.spread))
                t_open = now()
                opened = await chair.post(f"/api/polls/{poll_id}/open", json={})
                assert opened.status_code == 200, opened.text
                acked = await crowd.ask_async("voted")
                acks = [a for part, _f in acked for a in part]
                failures = [f for _p, fails in acked for f in fails]
                shown, n_shown = last_arrival(crowd.seen(f"open:{poll_id}"), args.delegates)
                t_close = now()
                closed = await chair.post(f"/api/polls/{poll_id}/close", json={})
                assert closed.status_code == 200, closed.text
                result = closed.json()["result"]
                last, n_closed = last_arrival(crowd.seen(f"closed:{poll_id}"), args.delegates)
                results.append((acks, last - t_close, n_closed, shown - t_open, n_shown, result,
                                failures, await server_ballot_time(url)))

        connected_bare = sum(await crowd.ask_async("connect_bare"))
        floors = []
        async with httpx.AsyncClient(base_url=bare_url) as http:
            for seq in range(1, BARE_ROUNDS + 1):
                t_fire = now()
                await http.post(f"/fire?seq={seq}")
                last, n = last_arrival(crowd.seen(f"bare:{seq}"), args.delegates)
                if n == args.delegates:
                    floors.append(last - t_fire)
        floor = statistics.median(floors) if floors else float("nan")
        # The floor for the ballots: the same clients answer a bare broadcast with an
        # emit/ack to the bare server, with the same spread.
        crowd.ask("arm", (0, args.spread))
        async with httpx.AsyncClient(base_url=bare_url) as http:
            await http.post(f"/fire?seq={BARE_ROUNDS + 1}&type=burst")
        bare_acks = [a for part, _f in await crowd.ask_async("voted") for a in part]

        print()
        for n, (acks, to_result, n_closed, to_ballot, n_shown, result, failures,
                server_mean) in enumerate(
                results, start=1):
            print(f"round {n}: {len(acks)} ballots acknowledged (spread {args.spread:g} s); "
                  f"counted {result['voted']}, counts {result['counts']}, "
                  f"passed {result['passed']}")
            if failures:
                print(f"  refusals: {failures}")
            print(f"  open → ballot on {n_shown} screens: {1000 * to_ballot:.0f} ms")
            print(f"  ballot ack p50 {1000 * pct(acks, .5):.1f} ms, "
                  f"p99 {1000 * pct(acks, .99):.1f} ms, "
                  f"max {1000 * max(acks, default=float('nan')):.1f} ms   (target p99 ≤ 200 ms)")
            print(f"  of which in the server, from the ballot's arrival to its acknowledgement "
                  f"(/metrics): mean {1000 * server_mean:.1f} ms")
            print(f"  close → result on {n_closed} screens: {1000 * to_result:.0f} ms "
                  f"(target ≤ 150 ms)")
        print(f"floor: bare python-socketio emit/ack from {len(bare_acks)} clients answering a "
              f"broadcast (spread {args.spread:g} s): ack p50 {1000 * pct(bare_acks, .5):.1f} ms, "
              f"p99 {1000 * pct(bare_acks, .99):.1f} ms")
        for n, (acks, *_rest) in enumerate(results, start=1):
            print(f"ratio round {n}: ballot ack p99 / bare emit/ack p99 = "
                  f"{pct(acks, .99) / pct(bare_acks, .99):.2f}×")
        print(f"floor: bare python-socketio broadcast to {connected_bare} clients, median of "
              f"{len(floors)}: {1000 * floor:.0f} ms (each: "
              f"{', '.join(f'{1000 * f:.0f}' for f in floors)} ms)")
        for n, (_a, to_result, *_rest) in enumerate(results, start=1):
            print(f"ratio round {n}: close→result / bare broadcast = {to_result / floor:.2f}×  "
                  f"(target ≤ 1.5×)")
        crowd.ask("quit")
    finally:
        for proc in procs:
            proc.kill()
        bare.kill()
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if server.returncode not in (0, -15, None):
            sys.stderr.write((tmp / "server.log").read_text(errors="replace")[-3000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument("--procs", type=int, default=4, help="delegate processes")
    parser.add_argument("--spread", type=float, default=5.0,
                        help="seconds over which delegates press their button")
    parser.add_argument("--checkin-spread", type=float, default=30.0,
                        help="seconds over which the delegates check in")
    parser.add_argument("--rounds", type=int, default=1, help="polls, one after another")
    parser.add_argument("--visibility", default="named",
                        help="poll visibility per round, cycled: named, secret or e.g. "
                             "named,secret")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
