"""A cluster on this machine, started once for tests/cluster.

nginx (docs/deploy/nginx.conf itself, with loopback addresses, a throw-away certificate
and a temporary prefix substituted) in front of two `ecabinet serve` processes (real
processes, so SIGKILL is real), one fresh PostgreSQL database reached through a TCP proxy
the tests can cut, and a Redis of our own the tests can kill and restart. The shared
PostgreSQL and Redis other tests use are never stopped.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from ecabinet import accounts, attendance, db, meetings, units
from ecabinet.models import AgendaItem, LoginSession, ParticipantRole, Role, User
from ecabinet.models.base import utcnow
from tests.conftest import (
    PASSWORD,
    PG_ADMIN_DSN,
    TEST_ARGON2,
    create_database,
    drop_database,
    free_port,
    future,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "docs" / "deploy" / "nginx.conf"
# nginx reaches the nodes from this address, and the nodes believe X-Forwarded-For from
# it alone: a client on 127.0.0.1 talking to a node directly is not believed.
NGINX_SOURCE = "127.0.0.2"
DELEGATES = 20
START_SECONDS = 30


def nginx_binary() -> str | None:
    """The nginx executable, if installed (/usr/sbin is not on every user's PATH)."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


async def eventually(check: Callable[[], bool | Awaitable[bool]], seconds: float,
                     every: float = 0.1) -> None:
    """Until `check()` holds, asked every `every` seconds; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        outcome = check()
        if await outcome if inspect.isawaitable(outcome) else outcome:
            return
        assert time.monotonic() < deadline, f"not within {seconds} s"
        await asyncio.sleep(every)


# -- PostgreSQL behind a proxy the test can cut ------------------------------------------


class PgProxy:
    """A TCP proxy to PostgreSQL on its own event-loop thread; `block()` is a port gone
    dark for the nodes: every open connection cut, new ones refused, until `unblock()`."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pg-proxy",
                                        daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def start(self) -> None:
        """Listen."""
        self._thread.start()
        self._run(self._listen())

    def block(self) -> None:
        """Cut every connection and refuse new ones."""
        self._run(self._cut())

    def unblock(self) -> None:
        """Accept connections again."""
        self._run(self._listen())

    def close(self) -> None:
        """Stop for good."""
        self._run(self._cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()  # a reset, as from a firewall rejecting the port
        self._open.clear()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._open |= {writer, up_writer}

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
        self._open -= {writer, up_writer}


# -- Redis of our own --------------------------------------------------------------------


class Redis:
    """A private `redis-server` on a free port, to kill and start again."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its URL for ECABINET_REDIS_URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start and wait until it answers PING."""
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            assert self.process.poll() is None, "redis-server exited"
            time.sleep(0.05)
        raise TimeoutError("redis-server did not answer")

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled cable would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


# -- the nodes and nginx -----------------------------------------------------------------


@dataclass
class Node:
    """One `ecabinet serve` process."""

    name: str
    port: int
    cache: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its own address, bypassing nginx."""
        return f"http://127.0.0.1:{self.port}"


def _replace(text: str, old: str, new: str) -> str:
    # Every substitution must find its line: the test runs the sample, not a copy of it.
    assert old in text, f"docs/deploy/nginx.conf no longer contains {old!r}"
    return text.replace(old, new)


def nginx_config(sample: str, *, prefix: Path, https_port: int, http_port: int,
                 nodes: list[Node], cert: Path, key: Path) -> str:
    """The sample configuration with this machine's ports, certificate and prefix."""
    text = _replace(sample, "user www-data;\n", "")
    text = _replace(text, "worker_processes auto;", "worker_processes 1;")
    text = _replace(text, "pid /run/nginx.pid;", f"pid {prefix}/nginx.pid;")
    text = _replace(text, "error_log /var/log/nginx/error.log warn;",
                    f"error_log {prefix}/error.log warn;")
    temp = "".join(f"\n    {kind}_temp_path {prefix}/{kind};"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    text = _replace(text, "access_log /var/log/nginx/access.log;",
                    f"access_log {prefix}/access.log;{temp}\n    proxy_bind {NGINX_SOURCE};")
    servers = re.findall(r"server 10\.0\.0\.\d+:8000", text)
    assert len(servers) == 2, "the sample's upstream should list two nodes"
    for old, node in zip(servers, nodes, strict=True):
        text = _replace(text, old, f"server 127.0.0.1:{node.port}")
    text = _replace(text, "listen [::]:80;\n", "")
    text = _replace(text, "listen [::]:443 ssl http2;\n", "")
    text = _replace(text, "listen 80;", f"listen 127.0.0.1:{http_port};")
    text = _replace(text, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = _replace(text, "/etc/ssl/ecabinet/fullchain.pem", str(cert))
    return _replace(text, "/etc/ssl/ecabinet/privkey.pem", str(key))


@dataclass
class Person:
    """An account with a login session made directly in the database."""

    user_id: int
    username: str
    cookie: str
    csrf: str

    def headers(self) -> dict[str, str]:
        """What a logged-in browser sends: the session cookie and the CSRF token."""
        return {"Cookie": f"{accounts.SESSION_COOKIE}={self.cookie}", "X-CSRF-Token": self.csrf}


@dataclass
class Seeded:
    """A meeting with its chair, secretary and delegates."""

    meeting_id: int
    item_id: int
    unit_id: int
    chair: Person
    secretary: Person
    delegates: list[Person]


@dataclass
class Cluster:
    """Everything the tests drive; started once for tests/cluster."""

    nodes: list[Node]
    env: dict[str, str]
    database_url: str  # direct, for the tests' own reads and set-up
    redis: Redis
    pg: PgProxy
    https_port: int
    http_port: int
    shared: Path
    secret: str
    _people: int = field(default=0)

    @property
    def url(self) -> str:
        """nginx's TLS address, as the tablets use it."""
        return f"https://127.0.0.1:{self.https_port}"

    def start_node(self, node: Node) -> None:
        """Start `ecabinet serve` for `node` and wait until /healthz answers 200."""
        env = {**self.env, "ECABINET_CACHE_DIR": str(node.cache)}
        with node.log.open("ab") as log:
            node.process = subprocess.Popen(
                [sys.executable, "-m", "ecabinet.cli", "serve", "--port", str(node.port),
                 "--no-upgrade"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def wait_ready(self, node: Node) -> None:
        """Until the node's /healthz answers 200 (its database reachable)."""
        deadline = time.monotonic() + START_SECONDS
        with httpx.Client() as http:
            while True:
                try:
                    if http.get(f"{node.url}/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                assert node.process is not None and node.process.poll() is None, \
                    f"{node.name} exited:\n{node.log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, f"{node.name} did not start"
                time.sleep(0.1)

    def kill_node(self, node: Node) -> None:
        """SIGKILL the node's whole process group (its PDF workers too)."""
        if node.process is not None and node.process.poll() is None:
            os.killpg(node.process.pid, signal.SIGKILL)
            node.process.wait()

    def engine(self) -> AsyncEngine:
        """An engine on the cluster's database, bypassing the proxy."""
        return db.create_engine(self.database_url)

    async def seed(self, *, delegates: int = DELEGATES, status: str = "in_session",
                   checked_in: bool = True) -> Seeded:
        """A new unit, chair, secretary and delegates with login sessions, and a meeting
        taken to `status` ("draft" or "in_session") with one agenda item."""
        self._people += 1
        tag = f"c{self._people}"
        engine = self.engine()
        try:
            async with db.transaction(db.sessionmaker(engine)) as s:
                unit = await units.create_unit(s, name=f"UBND tỉnh {tag}", kind="province")
                hashed = accounts.hash_password(PASSWORD)
                rows = [{"username": f"{tag}_{name}", "full_name": f"Nguyễn Văn {name}",
                         "title": "", "role": role, "unit_id": unit.id, "password_hash": hashed,
                         "language": "vi", "active": True, "failed_logins": 0,
                         "created_at": utcnow()}
                        for name, role in [("thuky", Role.secretary), ("chutich", Role.chair),
                                           *[(f"daibieu{n}", Role.delegate)
                                             for n in range(delegates)]]]
                await s.execute(insert(User), rows)
                users = {u.username: u for u in (await s.scalars(
                    select(User).where(User.unit_id == unit.id))).all()}
                secretary, chair = users[f"{tag}_thuky"], users[f"{tag}_chutich"]
                members = [users[f"{tag}_daibieu{n}"] for n in range(delegates)]
                meeting = await meetings.create_meeting(s, secretary, meetings.MeetingInput(
                    title=f"Phiên họp {tag}", unit_id=unit.id, chair_id=chair.id,
                    starts_at=future(10),
                    participants=[(d.id, ParticipantRole.delegate) for d in members]))
                item = AgendaItem(meeting_id=meeting.id, position=1, title="Tờ trình kế hoạch")
                s.add(item)
                await s.flush()
                if status == "in_session":
                    for step, actor in (("submit", secretary), ("approve", chair),
                                        ("publish", secretary), ("start", secretary)):
                        await meetings.transition(s, actor, meeting.id, step)
                    if checked_in:
                        for delegate in members:
                            await attendance.check_in(s, delegate, meeting.id)
                people = []
                for user in [chair, secretary, *members]:
                    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
                    s.add(LoginSession(token=token, csrf_token=csrf, user_id=user.id,
                                       expires_at=utcnow() + timedelta(hours=2)))
                    people.append(Person(user.id, user.username,
                                         accounts.sign_token(self.secret, token), csrf))
                return Seeded(meeting.id, item.id, unit.id, people[0], people[1], people[2:])
        finally:
            await engine.dispose()


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def _wait_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert process.poll() is None, f"nginx exited:\n{log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "nginx did not listen"
            time.sleep(0.05)


@pytest.fixture(scope="package")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """nginx, two nodes, one fresh PostgreSQL database behind a proxy, a private Redis;
    started once for tests/cluster and stopped after its last test."""
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (.ci/setup installs it): no cluster to test")
    redis_binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.access(redis_binary, os.X_OK):
        pytest.skip("redis-server is not installed: no private Redis to kill")
    tmp = tmp_path_factory.mktemp("cluster")
    database_url, database_name = create_database("postgresql", tmp)
    admin = make_url(PG_ADMIN_DSN)
    pg = PgProxy(admin.host or "127.0.0.1", admin.port or 5432)
    redis = Redis(redis_binary, tmp)
    # nginx's workers are not necessarily this user: its prefix must be theirs to enter.
    prefix = Path(tempfile.mkdtemp(prefix="ecabinet-nginx-"))
    prefix.chmod(0o755)
    nodes = [Node(name, free_port(), tmp / f"cache-{name}", tmp / f"{name}.log")
             for name in ("node-a", "node-b")]
    secret = secrets.token_hex(16)
    shared = tmp / "shared"
    env = {**os.environ,
           "ECABINET_DATABASE_URL": make_url(database_url).set(
               host="127.0.0.1", port=pg.port).render_as_string(hide_password=False),
           "ECABINET_REDIS_URL": redis.url,
           "ECABINET_REDIS_CHANNEL": f"ecabinet-cluster-{secrets.token_hex(4)}",
           "ECABINET_SECRET_KEY": secret,
           # The shared store every node reads (NFS in production); caches stay per node.
           "ECABINET_DATA_DIR": str(shared / "data"),
           "ECABINET_DOCUMENTS_DIR": str(shared / "documents"),
           "ECABINET_PDF_WORKERS": "1",
           "ECABINET_RENDER_WIDTHS": "480",
           "ECABINET_ARGON2_TIME_COST": str(TEST_ARGON2["argon2_time_cost"]),
           "ECABINET_ARGON2_MEMORY_KIB": str(TEST_ARGON2["argon2_memory_kib"]),
           "FORWARDED_ALLOW_IPS": NGINX_SOURCE}
    https_port, http_port = free_port(), free_port()
    cluster = Cluster(nodes, env, database_url, redis, pg, https_port, http_port, shared, secret)
    nginx_process: subprocess.Popen[bytes] | None = None
    try:
        pg.start()
        redis.start()
        for node in nodes:
            cluster.start_node(node)
        cert, key = _certificate(prefix)
        (prefix / "nginx.conf").write_text(nginx_config(
            SAMPLE.read_text(), prefix=prefix, https_port=https_port, http_port=http_port,
            nodes=nodes, cert=cert, key=key))
        nginx_log = prefix / "error.log"
        nginx_process = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(nginx_log),
             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(https_port, nginx_process, nginx_log)
        for node in nodes:
            cluster.wait_ready(node)
        yield cluster
    finally:
        for node in nodes:
            cluster.kill_node(node)
        if nginx_process is not None:
            nginx_process.terminate()
            nginx_process.wait(10)
        redis.kill()
        pg.close()
        shutil.rmtree(prefix, ignore_errors=True)
        drop_database(database_name or "")


@pytest.fixture
async def engine(cluster: Cluster) -> AsyncIterator[AsyncEngine]:
    """The test's own engine on the cluster's database (not through the proxy)."""
    engine = cluster.engine()
    yield engine
    await engine.dispose()
