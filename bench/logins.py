"""Bench: a hall of tablets logging in at once, on a real `ecabinet serve` process.

Prints (never asserts), with a floor measured in the same run:
  * how many of N logins fired together succeeded, and every other answer by status
    (target: all succeed: no 500 "database is locked", no timeout)
  * login latency p50/p99 and the time until the last one answered
  * the same for N accounts created together by the administrator
  * the floor: the same N Argon2 checks alone, through a thread pool of the same size as
    the server's, in this process; the ratio says what the server adds around them

The accounts carry a hash made with the server's default Argon2 cost, as real accounts do.
The database is the embedded default, SQLite (or --database-url for PostgreSQL).

Run: .venv/bin/python bench/logins.py [--logins 1000] [--creations 300] [--connections 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.vote_round import free_port, pct, raise_fd_limit, start_node, wait_http  # noqa: E402

Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]

PASSWORD = "bench-password-2026"


async def build(database_url: str, logins: int) -> str:
    """N delegate accounts sharing one password hash made at the default cost."""
    from sqlalchemy import insert

    from ecabinet import accounts, db, units
    from ecabinet.config import Settings
    from ecabinet.models import Role, User
    from ecabinet.models.base import utcnow
    from ecabinet.schema import upgrade_async

    await upgrade_async(database_url)
    defaults = Settings(data_dir=Path(tempfile.gettempdir()), database_url=database_url,
                        secret_key="bench")
    accounts.configure_hashing(defaults.argon2_time_cost, defaults.argon2_memory_kib)
    hashed = accounts.hash_password(PASSWORD)
    engine = db.create_engine(database_url)
    async with db.transaction(db.sessionmaker(engine)) as s:
        unit = await units.create_unit(s, name="Hội đồng nhân dân tỉnh", kind="province")
        await s.execute(insert(User), [
            {"username": "quantri", "full_name": "Quản trị", "title": "", "role": Role.admin,
             "unit_id": unit.id, "password_hash": hashed, "language": "vi", "active": True,
             "failed_logins": 0, "created_at": utcnow()}])
        await s.execute(insert(User), [
            {"username": f"daibieu{n:04d}", "full_name": f"Đại biểu số {n}", "title": "",
             "role": Role.delegate, "unit_id": unit.id, "password_hash": hashed,
             "language": "vi", "active": True, "failed_logins": 0, "created_at": utcnow()}
            for n in range(logins)])
    await engine.dispose()
    return hashed


def floor(hashed: str, logins: int) -> float:
    """Seconds for N Argon2 checks alone through a pool like asyncio.to_thread's."""
    from ecabinet import accounts

    workers = min(32, (os.cpu_count() or 1) + 4)
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda _: accounts.check_password(hashed, PASSWORD),
                                range(logins)))
    assert all(results)
    return time.perf_counter() - start


async def burst(url: str, count: int, connections: int, request: Request,
                login_as: str = "") -> tuple[list[float], Counter[str], float]:
    """`count` requests sent at once (`request(http, n)`, as `login_as` if given); their
    latencies, their answers by status, and when the last one answered."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120,
                                 headers={"origin": url}) as http:
        if login_as:
            answer = await http.post("/api/login",
                                     json={"username": login_as, "password": PASSWORD})
            http.headers["x-csrf-token"] = answer.json()["csrf_token"]
        start = time.perf_counter()

        async def one(n: int) -> tuple[float, str]:
            sent = time.perf_counter()
            try:
                outcome = str((await request(http, n)).status_code)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            return time.perf_counter() - sent, outcome

        done = await asyncio.gather(*(one(n) for n in range(count)))
        return [t for t, _ in done], Counter(o for _, o in done), time.perf_counter() - start


def log_in(http: httpx.AsyncClient, n: int) -> Awaitable[httpx.Response]:
    """Delegate n logs in."""
    return http.post("/api/login", json={"username": f"daibieu{n:04d}", "password": PASSWORD})


def create_account(http: httpx.AsyncClient, n: int) -> Awaitable[httpx.Response]:
    """The administrator creates account n."""
    return http.post("/api/users", json={"username": f"moi{n:04d}",
                                         "full_name": f"Đại biểu mới {n}",
                                         "password": PASSWORD, "role": "delegate"})


def report(what: str, times: list[float], answers: Counter[str], total: float, good: str
           ) -> None:
    """One line of outcomes, one of latencies."""
    others = {k: v for k, v in answers.items() if k != good}
    print(f"  {what}: succeeded {answers.get(good, 0)}/{len(times)}; other answers: "
          f"{others or 'none'}")
    print(f"  latency p50 {1000 * statistics.median(times):.0f} ms, "
          f"p99 {1000 * pct(times, 0.99):.0f} ms; last answer after {total:.1f} s")


async def run(args: argparse.Namespace) -> None:
    raise_fd_limit()
    tmp = Path(tempfile.mkdtemp(prefix="ecabinet-logins-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.sqlite'}"
    hashed = await build(database_url, args.logins)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ECABINET_DATABASE_URL": database_url,
           "ECABINET_SECRET_KEY": secrets.token_hex(16), "ECABINET_DATA_DIR": str(tmp / "data"),
           "ECABINET_PDF_WORKERS": "1", "ECABINET_LOGIN_RATE_PER_MINUTE": "1000000"}
    with (tmp / "server.log").open("wb") as log:
        server = start_node(port, env, log)
        try:
            await wait_http(f"{url}/healthz", server)
            times, answers, total = await burst(url, args.logins, args.connections, log_in)
            made = await burst(url, args.creations, args.connections, create_account,
                               login_as="quantri") if args.creations else None
        finally:
            server.terminate()
            server.wait(timeout=20)
    locked = (tmp / "server.log").read_text(errors="replace").count("database is locked")
    print(f"{args.logins} logins, then {args.creations} account creations, each fired "
          f"together over {args.connections} connections "
          f"({'SQLite' if database_url.startswith('sqlite') else 'PostgreSQL'}); "
          f"'database is locked' in the server log: {locked}")
    report("logins", times, answers, total, "200")
    if made:
        report("account creations", *made, "201")
    alone = floor(hashed, args.logins)
    print(f"floor: the same {args.logins} Argon2 checks alone in a thread pool: {alone:.1f} s")
    print(f"ratio: all logins answered / Argon2 alone = {total / alone:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=1000)
    parser.add_argument("--creations", type=int, default=300,
                        help="accounts the administrator creates together afterwards")
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--database-url", default="")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
