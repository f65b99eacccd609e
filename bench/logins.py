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
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

PASSWORD = "bench-password-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


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


def start_node(port: int, env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    """`ecabinet serve` in its own process."""
    return subprocess.Popen([sys.executable, "-m", "ecabinet.cli", "serve", "--port", str(port),
                             "--no-upgrade"], cwd=ROOT, env=env, stdout=log, stderr=log)


async def wait_http(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            try:
                await http.get(url)
                return
            except httpx.TransportError:
                if process.poll() is not None:
                    raise SystemExit(f"server at {url} exited") from None
                await asyncio.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


async def fire(url: str, logins: int, connections: int) -> tuple[list[float], Counter[str], float]:
    """Every login sent at once; their latencies, their answers, and the last answer's time."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:
        start = time.perf_counter()

        async def one(n: int) -> tuple[float, str]:
            sent = time.perf_counter()
            try:
                answer = await http.post("/api/login", headers={"origin": url}, json={
                    "username": f"daibieu{n:04d}", "password": PASSWORD})
                outcome = str(answer.status_code)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            return time.perf_counter() - sent, outcome

        done = await asyncio.gather(*(one(n) for n in range(logins)))
        return [t for t, _ in done], Counter(o for _, o in done), time.perf_counter() - start


async def create(url: str, count: int, connections: int
                 ) -> tuple[list[float], Counter[str], float]:
    """The administrator creates `count` accounts at once; as `fire` answers."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:
        answer = await http.post("/api/login", headers={"origin": url},
                                 json={"username": "quantri", "password": PASSWORD})
        headers = {"origin": url, "x-csrf-token": answer.json()["csrf_token"]}
        start = time.perf_counter()

        async def one(n: int) -> tuple[float, str]:
            sent = time.perf_counter()
            try:
                made = await http.post("/api/users", headers=headers, json={
                    "username": f"moi{n:04d}", "full_name": f"Đại biểu mới {n}",
                    "password": PASSWORD, "role": "delegate"})
                outcome = str(made.status_code)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            return time.perf_counter() - sent, outcome

        done = await asyncio.gather(*(one(n) for n in range(count)))
        return [t for t, _ in done], Counter(o for _, o in done), time.perf_counter() - start


def report(what: str, times: list[float], answers: Counter[str], total: float, good: str
           ) -> None:
    """One line of outcomes, one of latencies."""
    others = {k: v for k, v in answers.items() if k != good}
    print(f"  {what}: succeeded {answers.get(good, 0)}/{len(times)}; other answers: "
          f"{others or 'none'}")
    print(f"  latency p50 {1000 * statistics.median(times):.0f} ms, "
          f"p99 {1000 * percentile(times, 0.99):.0f} ms; last answer after {total:.1f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


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
            times, answers, total = await fire(url, args.logins, args.connections)
            made = await create(url, args.creations, args.connections) if args.creations else None
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
