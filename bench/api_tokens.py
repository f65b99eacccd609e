"""Bench: what an API token costs a read, against a browser session's read in the same run.

A token's call is checked (hash lookup, expiry, scope, rate) and audited (one audit entry
and `last_used_at`, in a transaction of its own) before the route runs; a session's call is
not audited. Both read the same meeting, as the same kind of account (an office secretary),
through the whole ASGI app in this process, on a fresh SQLite file.

Prints (never asserts): p50/p99 of each, one after the other and interleaved, and the
ratio token/session (the price of the audit write), then the same with N concurrent callers.

Run: .venv/bin/python bench/api_tokens.py [--calls 400] [--concurrent 10]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from ecabinet import accounts, api_tokens, db, meetings, units  # noqa: E402
from ecabinet.app import create_app  # noqa: E402
from ecabinet.config import Settings  # noqa: E402
from ecabinet.models import ParticipantRole, Role  # noqa: E402
from ecabinet.schema import upgrade_async  # noqa: E402

PASSWORD = "bench-password-2026"


def pct(values: list[float], q: float) -> float:
    """The q-quantile of `values`, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def seed(settings: Settings) -> tuple[int, str]:
    """A province, its secretary, a service secretary with a token, one meeting; the meeting
    id and the token."""
    await upgrade_async(settings.database_url)
    engine = db.create_engine(settings.database_url)
    sessions = db.sessionmaker(engine)
    async with db.transaction(sessions) as s:
        province = await units.create_unit(s, name="UBND tỉnh", kind="province")
        hashed = await accounts.prepare_password(PASSWORD)
        secretary = await accounts.create_user(s, username="thuky", full_name="Thư ký",
                                               password=hashed, role=Role.secretary,
                                               unit_id=province.id)
        admin = await accounts.create_user(s, username="admin", full_name="Quản trị",
                                           password=hashed, role=Role.admin,
                                           unit_id=province.id)
        delegate = await accounts.create_user(s, username="daibieu", full_name="Đại biểu",
                                              password=hashed, role=Role.delegate,
                                              unit_id=province.id)
        chair = await accounts.create_user(s, username="chutich", full_name="Chủ tịch",
                                           password=hashed, role=Role.chair,
                                           unit_id=province.id)
        meeting = await meetings.create_meeting(s, secretary, meetings.MeetingInput(
            title="Họp giao ban", unit_id=province.id, chair_id=chair.id,
            starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=10),
            place="Phòng họp số 1", participants=[(delegate.id, ParticipantRole.delegate)]))
        service = await api_tokens.create_account(s, admin, username="eoffice",
                                                  full_name="eOffice", role="secretary",
                                                  unit_id=province.id)
        _token, secret = await api_tokens.issue(
            s, admin, service.id, name="bench", scopes=["meetings:read"],
            expires_on=dt.date.today() + dt.timedelta(days=30), rate_per_minute=6000)
        meeting_id = meeting.id
    await engine.dispose()
    return meeting_id, secret


async def timed(client: httpx.AsyncClient, url: str, count: int) -> list[float]:
    """The durations of `count` GETs, one after the other."""
    spent = []
    for _ in range(count):
        started = time.perf_counter()
        answer = await client.get(url)
        spent.append(time.perf_counter() - started)
        answer.raise_for_status()
    return spent


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--concurrent", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.sqlite"
        settings = Settings(data_dir=Path(folder) / "data", database_url=url,
                            secret_key=secrets.token_hex(16), argon2_time_cost=1,
                            argon2_memory_kib=8192)
        meeting_id, secret = await seed(settings)
        app = create_app(settings)
        async with app.starlette.router.lifespan_context(app.starlette):
            transport = httpx.ASGITransport(app=app)
            session = httpx.AsyncClient(transport=transport, base_url="http://bench")
            login = await session.post("/api/login", json={"username": "thuky",
                                                            "password": PASSWORD})
            login.raise_for_status()
            token = httpx.AsyncClient(transport=transport, base_url="http://bench",
                                      headers={"authorization": f"Bearer {secret}"})
            path = f"/api/meetings/{meeting_id}"
            await timed(session, path, 20)  # warm both paths
            await timed(token, path, 20)
            by_session, by_token = [], []
            for _ in range(args.calls // 50):  # interleaved: the machine's noise hits both
                by_session += await timed(session, path, 50)
                by_token += await timed(token, path, 50)
            print(f"GET {path}, {len(by_session)} calls each, one after the other:")
            for name, values in (("session", by_session), ("token", by_token)):
                print(f"  {name:8} p50 {pct(values, 0.5):6.2f} ms  p99 {pct(values, 0.99):6.2f} ms"
                      f"  mean {statistics.mean(values) * 1000:6.2f} ms")
            print(f"  token/session p50 ratio {pct(by_token, 0.5) / pct(by_session, 0.5):.2f}x")

            for name, client in (("session", session), ("token", token)):
                started = time.perf_counter()
                await asyncio.gather(*(timed(client, path, args.calls // args.concurrent)
                                       for _ in range(args.concurrent)))
                took = time.perf_counter() - started
                print(f"  {args.concurrent} concurrent {name:8}: "
                      f"{args.calls / took:7.1f} requests/s")
            await session.aclose()
            await token.aclose()


if __name__ == "__main__":
    asyncio.run(main())
