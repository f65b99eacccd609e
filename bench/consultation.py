"""Bench: a written consultation answered by N members within a minute, through the live
channel of a real `ecabinet serve` process.

Prints (never asserts), with a floor measured in the same run:
  * reply acknowledgement p50/p99 (acknowledged = stored)            target p99 ≤ 200 ms
  * from the last reply sent to the secretary's screen showing it (the
    `consultation.replied` notice saying N of N have replied)
  * the floor: the same clients doing an emit/ack of the same payload to a bare
    python-socketio server, with the same schedule; and our p99 over it

The server, the bare server and the members each run in their own processes (the members
in several, each driving many socket.io clients); times are taken with CLOCK_MONOTONIC,
which all processes on this machine share.

Run: .venv/bin/python bench/consultation.py [--members 500] [--spread 60] [--procs 4]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import secrets
import statistics
import sys
import tempfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import socketio  # noqa: E402

from bench.vote_round import (  # noqa: E402
    Crowd,
    Delegates,
    bare_server,
    delegate_process,
    free_port,
    insert_delegates,
    insert_sessions,
    now,
    pct,
    raise_fd_limit,
    start_node,
    wait_http,
)

OPINION = "Đề nghị bổ sung đánh giá tác động đối với các xã miền núi. " * 3


@dataclass
class Setup:
    database_url: str
    secret: str
    consultation_id: int
    question_ids: list[int]
    secretary_cookie: str
    cookies: list[str]


async def office(s: Any) -> tuple[Any, Any, Any]:
    """The province's unit with its secretary and chair, who prepare and approve."""
    from ecabinet import accounts, units
    from ecabinet.models import Role

    unit = await units.create_unit(s, name="UBND tỉnh", kind="province")
    secretary = await accounts.create_user(
        s, username="thuky", full_name="Chánh Văn phòng", password="bench-password",
        role=Role.secretary, unit_id=unit.id)
    chair = await accounts.create_user(
        s, username="chutich", full_name="Chủ tịch UBND tỉnh", password="bench-password",
        role=Role.chair, unit_id=unit.id)
    return unit, secretary, chair


async def build(tmp: Path, members: int) -> Setup:
    """A consultation with two questions sent to N delegates, each with a login session."""
    from sqlalchemy import select

    from ecabinet import accounts, db
    from ecabinet.consultations import approval, prepare
    from ecabinet.models import ConsultationQuestion
    from ecabinet.schema import upgrade_async

    database_url = f"sqlite+aiosqlite:///{tmp / 'bench.sqlite'}"
    await upgrade_async(database_url)
    secret = secrets.token_hex(16)
    accounts.configure_hashing(1, 8192)
    engine = db.create_engine(database_url)
    async with db.transaction(db.sessionmaker(engine)) as s:
        unit, secretary, chair = await office(s)
        ids = await insert_delegates(s, unit.id, members, "thanhvien", "Thành viên số")
        made = await prepare.create(s, secretary, prepare.ConsultationInput(
            title="Lấy ý kiến về Đề án sắp xếp đơn vị hành chính", unit_id=unit.id,
            chair_id=chair.id, member_ids=ids, working_days=5,
            questions=[prepare.QuestionInput("Thông qua Đề án?"),
                       prepare.QuestionInput("Trình HĐND tại kỳ họp gần nhất?")]))
        await approval.submit(s, secretary, made.id)
        await approval.approve(s, chair, made.id)
        questions = list((await s.scalars(select(ConsultationQuestion.id).where(
            ConsultationQuestion.consultation_id == made.id)
            .order_by(ConsultationQuestion.position))).all())
        tokens = await insert_sessions(s, [secretary.id, *ids])
    await engine.dispose()
    sign = accounts.sign_token
    return Setup(database_url, secret, made.id, questions, sign(secret, tokens[secretary.id]),
                 [sign(secret, tokens[uid]) for uid in ids])


class Members(Delegates):
    """This process's members (`meeting_id` carries the consultation's id)."""

    async def _reply(self, call: Any, data: dict[str, Any], at: float
                     ) -> tuple[float, float] | str:
        await asyncio.sleep(max(0.0, at - now()))
        sent = now()
        ack = await call(data)
        if not ack.get("ok"):
            return f"{ack.get('error')}"
        return now() - sent, sent

    async def reply_all(self, arg: tuple[float, float, list[int], bool]
                        ) -> tuple[list[float], list[float], list[str]]:
        """Every member replies at a random moment of the window; (ack latencies, send
        times, refusals). `bare`: the same to the bare server instead."""
        start, spread, questions, bare = arg
        random.seed(len(self.cookies))  # the same schedule for ours and the floor

        def data(index: int) -> dict[str, Any]:
            return {"consultation_id": self.meeting_id,
                    "client_reply_id": f"bench-{index:05d}-{secrets.token_hex(6)}",
                    "answers": [{"question_id": q, "choice": (index + n) % 3,
                                 # "Ý kiến khác" (choice 2) always says what it is.
                                 "opinion": OPINION if index % 4 == 0 or (index + n) % 3 == 2
                                 else ""}
                                for n, q in enumerate(questions)]}

        def caller(index: int) -> Any:
            client = self.bare[index] if bare else self._by_index[index]
            event = "vote:cast" if bare else "consultation:reply"
            return lambda payload: client.call(event, payload, timeout=120)

        done = await asyncio.gather(*[
            self._reply(caller(i), data(i), start + random.uniform(0, spread))
            for i in range(len(self.cookies))])
        timed = [d for d in done if isinstance(d, tuple)]
        return [t for t, _ in timed], [s for _, s in timed], [d for d in done
                                                              if isinstance(d, str)][:5]


def members_process(conn: Connection, url: str, bare_url: str, consultation_id: int,
                    cookies: list[str]) -> None:
    """One process of members, driven over a pipe like the vote bench's delegates."""
    delegate_process(conn, url, bare_url, consultation_id, cookies, Members)


async def secretary_screen(url: str, cookie: str, asked: int) -> tuple[socketio.AsyncClient,
                                                                      list[float]]:
    """The office's screen, noting when it learns that everyone has replied."""
    client = socketio.AsyncClient(reconnection=False)
    everyone: list[float] = []

    async def replied(data: dict[str, Any]) -> None:
        if data.get("replied") == asked:
            everyone.append(now())

    client.on("consultation.replied", replied)
    await client.connect(url, headers={"Cookie": f"ecabinet_session={cookie}"},
                         transports=["websocket"], wait_timeout=30)
    return client, everyone


async def run(args: argparse.Namespace) -> None:
    raise_fd_limit()
    tmp = Path(tempfile.mkdtemp(prefix="ecabinet-consultation-"))
    setup = await build(tmp, args.members)
    port, bare_port = free_port(), free_port()
    url, bare_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    env = {**os.environ, "ECABINET_DATABASE_URL": setup.database_url,
           "ECABINET_SECRET_KEY": setup.secret, "ECABINET_DATA_DIR": str(tmp / "data"),
           "ECABINET_PDF_WORKERS": "1"}
    log = (tmp / "server.log").open("wb")
    server = start_node(port, env, log)
    ctx = mp.get_context("spawn")
    bare = ctx.Process(target=bare_server, args=(bare_port, 0), daemon=True)
    bare.start()
    procs: list[mp.Process] = []
    try:
        await wait_http(f"{url}/healthz", server)
        await wait_http(f"{bare_url}/fire", bare)
        pipes = []
        for i in range(args.procs):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=members_process, daemon=True, args=(
                child, url, bare_url, setup.consultation_id, setup.cookies[i::args.procs]))
            proc.start()
            procs.append(proc)
            pipes.append(parent)
        crowd = Crowd(pipes)
        connected = sum(await crowd.ask_async("connect"))
        await crowd.ask_async("connect_bare")
        office, everyone = await secretary_screen(url, setup.secretary_cookie, args.members)
        print(f"{connected} members connected; each replies once at a random moment of "
              f"{args.spread:g} s (two questions; an opinion with every \"Ý kiến khác\" "
              f"and every fourth reply)")

        outcome = {}
        for label, bare_run in (("eCabinet", False), ("bare", True)):
            start = now() + 1.0
            parts = await crowd.ask_async("reply_all", (start, args.spread,
                                                       setup.question_ids, bare_run))
            outcome[label] = ([t for p in parts for t in p[0]], [t for p in parts for t in p[1]],
                              [f for p in parts for f in p[2]])
        await asyncio.sleep(0.5)
        await office.disconnect()

        acks, sent, refused = outcome["eCabinet"]
        bare_acks = outcome["bare"][0]
        print(f"replies acknowledged: {len(acks)}/{args.members}"
              + (f"; refusals: {refused}" if refused else ""))
        print(f"  reply ack p50 {1000 * statistics.median(acks):.1f} ms, "
              f"p99 {1000 * pct(acks, .99):.1f} ms, max {1000 * max(acks):.1f} ms   "
              f"(target p99 ≤ 200 ms)")
        if everyone and sent:
            print(f"  last reply sent → the secretary's screen shows {args.members}/"
                  f"{args.members} replied: {1000 * (everyone[0] - max(sent)):.1f} ms")
        else:
            print("  the secretary's screen never showed every reply")
        print(f"floor: bare python-socketio emit/ack, same clients and schedule: ack p50 "
              f"{1000 * statistics.median(bare_acks):.1f} ms, p99 "
              f"{1000 * pct(bare_acks, .99):.1f} ms")
        print(f"ratio: reply ack p99 / bare emit/ack p99 = "
              f"{pct(acks, .99) / pct(bare_acks, .99):.2f}×")
        crowd.ask("quit")
    finally:
        for proc in procs:
            proc.kill()
        bare.kill()
        server.terminate()
        server.wait(10)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--spread", type=float, default=60.0,
                        help="seconds over which the members reply")
    parser.add_argument("--procs", type=int, default=4, help="member processes")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
