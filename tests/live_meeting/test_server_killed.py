"""A real `ecabinet serve` killed with SIGKILL during a poll loses no acknowledged ballot."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
from sqlalchemy import select

from ecabinet import accounts, attendance, audit, db, meetings, units, voting
from ecabinet.models import (
    AgendaItem,
    Ballot,
    LoginSession,
    Meeting,
    ParticipantRole,
    Role,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.schema import upgrade_async
from tests.conftest import free_port, future

VOTERS = 30
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Node:
    """Where the server under test keeps its data and listens."""

    url: str
    database_url: str
    env: dict[str, str]


async def prepare(tmp: Path, visibility: str = "named"
                  ) -> tuple[Node, int, dict[str, str], int]:
    """A meeting in session, VOTERS checked-in delegates with sessions, and an open poll."""
    database_url = f"sqlite+aiosqlite:///{tmp / 'killed.sqlite'}"
    await upgrade_async(database_url)
    secret = secrets.token_hex(16)
    engine = db.create_engine(database_url)
    cookies: dict[str, str] = {}
    try:
        async with db.transaction(db.sessionmaker(engine)) as s:
            unit = await units.create_unit(s, name="UBND tỉnh", kind="province")
            secretary = await accounts.create_user(
                s, username="thuky", full_name="Lê Thị Thu", password="mat-khau-123",
                role=Role.secretary, unit_id=unit.id)
            chair = await accounts.create_user(
                s, username="chutich", full_name="Nguyễn Văn Chủ", password="mat-khau-123",
                role=Role.chair, unit_id=unit.id)
            hashed = accounts.hash_password("mat-khau-123")
            delegates = [User(username=f"daibieu{n}", full_name=f"Đại biểu {n}",
                              role=Role.delegate, unit_id=unit.id, password_hash=hashed)
                         for n in range(VOTERS)]
            s.add_all(delegates)
            await s.flush()
            meeting = await meetings.create_meeting(s, secretary, meetings.MeetingInput(
                title="Họp khẩn", unit_id=unit.id, chair_id=chair.id, starts_at=future(10),
                participants=[(d.id, ParticipantRole.delegate) for d in delegates]))
            s.add(AgendaItem(meeting_id=meeting.id, position=1, title="Phương án ứng phó"))
            await s.flush()
            for step, actor in (("submit", secretary), ("approve", chair),
                                ("publish", secretary), ("start", secretary)):
                await meetings.transition(s, actor, meeting.id, step)
            for person in [chair, *delegates]:
                token = secrets.token_urlsafe(32)
                s.add(LoginSession(token=token, csrf_token="-", user_id=person.id,
                                   expires_at=utcnow() + timedelta(hours=2)))
                cookies[person.username] = accounts.sign_token(secret, token)
            for delegate in delegates:
                await attendance.check_in(s, delegate, meeting.id)
            poll = await voting.create_poll(s, chair, meeting.id, voting.PollInput(
                question="Thông qua phương án ứng phó?", visibility=visibility))
            await voting.open_poll(s, chair, poll.id)
    finally:
        await engine.dispose()
    port = free_port()
    env = {**os.environ, "ECABINET_DATABASE_URL": database_url,
           "ECABINET_DATA_DIR": str(tmp / "data"), "ECABINET_SECRET_KEY": secret,
           "ECABINET_PDF_WORKERS": "1"}
    return Node(f"http://127.0.0.1:{port}", database_url, env), meeting.id, cookies, poll.id


@asynccontextmanager
async def serving(node: Node) -> AsyncIterator[asyncio.subprocess.Process]:
    """`ecabinet serve` in its own process group, until killed or done."""
    port = node.url.rsplit(":", 1)[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ecabinet.cli", "serve", "--port", port, "--no-upgrade",
        cwd=ROOT, env=node.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        async with httpx.AsyncClient() as http, asyncio.timeout(30):
            while True:
                try:
                    if (await http.get(f"{node.url}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.returncode is None, "the server exited"
                await asyncio.sleep(0.1)
        yield process
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


async def connect(node: Node, cookie: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(node.url, headers={"Cookie": f"{accounts.SESSION_COOKIE}={cookie}"},
                         transports=["websocket"], wait_timeout=10)
    return client


def ballot(poll_id: int, n: int) -> dict[str, Any]:
    return {"poll_id": poll_id, "choice": n % 3, "client_ballot_id": f"kill-test-ballot-{n:04d}"}


@pytest.mark.parametrize("visibility", ["named", "secret"])
async def test_sigkill_during_a_poll_loses_no_acknowledged_ballot(tmp_path: Path,
                                                                  visibility: str) -> None:
    node, meeting_id, cookies, poll_id = await prepare(tmp_path, visibility)
    acked: dict[int, str] = {}
    seen: list[int] = []  # the seqs the hall display applied before the server died

    async with serving(node) as process:
        clients = [await connect(node, cookies[f"daibieu{n}"]) for n in range(VOTERS)]
        screen = await connect(node, cookies["chutich"])
        screen.on("event", lambda event: seen.append(event["seq"]))
        joined = await screen.call("meeting:join", {"meeting_id": meeting_id}, timeout=10)
        seen.append(joined["snapshot"]["seq"])
        half = asyncio.Event()

        async def vote(n: int) -> None:
            await asyncio.sleep(0.02 * n)  # delegates press one after another
            try:
                ack = await clients[n].call("vote:cast", ballot(poll_id, n), timeout=5)
            except Exception:
                return  # the server died before answering
            if ack.get("ok"):
                acked[n] = ack["receipt"]
                if len(acked) >= VOTERS // 3:
                    half.set()

        voting_round = [asyncio.create_task(vote(n)) for n in range(VOTERS)]
        await asyncio.wait_for(half.wait(), 20)
        os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        await asyncio.gather(*voting_round)
        for client in [*clients, screen]:
            await client.disconnect()
    assert VOTERS // 3 <= len(acked) < VOTERS

    # Every acknowledged ballot survived, exactly as acknowledged.
    engine = db.create_engine(node.database_url)
    try:
        async with engine.connect() as conn:
            if visibility == "named":
                rows = (await conn.execute(select(Ballot.receipt, Ballot.choice, User.username)
                                           .join(User, User.id == Ballot.voter_id)
                                           .where(Ballot.poll_id == poll_id))).all()
                stored = {int(name.removeprefix("daibieu")): (receipt, choice)
                          for receipt, choice, name in rows}
                for n, receipt in acked.items():
                    assert stored[n] == (receipt, n % 3)
            else:  # no voter on a secret ballot: its receipt and choice are what was said
                kept = set((await conn.execute(select(Ballot.receipt, Ballot.choice)
                                               .where(Ballot.poll_id == poll_id))).all())
                assert {(receipt, n % 3) for n, receipt in acked.items()} <= kept

        # Restarted: the hall display, still open, catches up from the last seq it applied
        # (no reload, no gap); everyone resends; each ballot is counted once.
        async with serving(node):
            screen = await connect(node, cookies["chutich"])
            last = max(seen)
            back = await screen.call("meeting:join", {"meeting_id": meeting_id,
                                                      "last_seq": last}, timeout=10)
            assert back["ok"] and "events" in back, back
            replayed = [e["seq"] for e in back["events"]]
            applied = sorted({*seen, *replayed})
            # What the screen has applied is the whole log, in order, to its last event.
            assert applied == list(range(applied[0], applied[-1] + 1))
            async with engine.connect() as conn:
                log_end = await conn.scalar(select(Meeting.last_seq)
                                            .where(Meeting.id == meeting_id))
            assert applied[-1] == log_end
            await screen.disconnect()
            clients = [await connect(node, cookies[f"daibieu{n}"]) for n in range(VOTERS)]
            acks = await asyncio.gather(*[c.call("vote:cast", ballot(poll_id, n), timeout=10)
                                          for n, c in enumerate(clients)])
            assert all(a["ok"] for a in acks)
            assert all(acks[n]["already"] and acks[n]["receipt"] == r for n, r in acked.items())
            display = clients[0]
            state = await display.call("meeting:join", {"meeting_id": meeting_id}, timeout=10)
            poll = state["snapshot"]["polls"]["polls"][0]
            assert poll["voted"] == VOTERS and poll["status"] == "open"
            chair = await connect(node, cookies["chutich"])
            closed = await chair.call("vote:close", {"poll_id": poll_id}, timeout=10)
            assert closed["ok"] and closed["poll"]["result"]["voted"] == VOTERS
            assert closed["poll"]["result"]["counts"] == [10, 10, 10]
            for client in [*clients, chair]:
                await client.disconnect()
        async with db.sessionmaker(engine)() as s:
            assert await voting.verify_poll(s, poll_id) == []
            assert await audit.verify_chain(s) is None
    finally:
        await engine.dispose()
