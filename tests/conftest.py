"""Shared fixtures: every database test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import accounts, db, units
from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.models import Base, Role, User
from ecabinet.schema import upgrade
from ecabinet.workdays import VIETNAM

PG_ADMIN_DSN = os.environ.get("ECABINET_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [
    b for b in os.environ.get("ECABINET_TEST_BACKENDS", "sqlite,postgresql").split(",") if b
]
PASSWORD = "correct-horse-42"
# OWASP's minimum Argon2id profile (19 MiB, t=2): still real Argon2id, ~5x cheaper
# than production's, so each test's ten accounts do not dominate the run.
TEST_ARGON2 = {"argon2_time_cost": 2, "argon2_memory_kib": 19456}
accounts.configure_hashing(TEST_ARGON2["argon2_time_cost"], TEST_ARGON2["argon2_memory_kib"])


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(backend: str, tmp: Path) -> tuple[str, str | None]:
    """A fresh, migrated database URL (and the PostgreSQL database name to drop)."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / f'test-{secrets.token_hex(4)}.sqlite'}"
        upgrade(url)
        return url, None
    name = f"ecabinet_test_{os.getpid()}_{secrets.token_hex(4)}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    upgrade(url)
    return url, name


def drop_database(name: str) -> None:
    """Drop a test database, disconnecting stragglers."""
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[str]:
    """One migrated database per backend for the whole run."""
    url, name = create_database(request.param, tmp_path_factory.mktemp("db"))
    yield url
    if name:
        drop_database(name)


async def _clean(sessions: async_sessionmaker[AsyncSession]) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with sessions() as session, session.begin():
        if session.bind.dialect.name == "postgresql":
            await session.execute(
                text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            )
        else:
            await session.execute(text("PRAGMA defer_foreign_keys = ON"))
            for table in tables:
                await session.execute(text(f"DELETE FROM {table}"))
        await session.execute(text("INSERT INTO audit_head (id, last_hash) VALUES (1, :h)"),
                              {"h": "0" * 64})


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory over a clean database."""
    engine = db.create_engine(database_url)
    factory = db.sessionmaker(engine)
    await _clean(factory)
    yield factory
    await engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for a node on the test database."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url,
                    secret_key="test-secret-" + secrets.token_hex(8), **TEST_ARGON2)


@dataclass
class World:
    """A small province: units and one account per role."""

    province: int
    district: int
    commune: int
    other_district: int
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]


@functools.cache
def _world_password() -> accounts.PasswordHash:
    # One real Argon2id hash shared by the world's accounts: hashing ten per test would
    # cost a third of a second each time, and login verifies it all the same.
    return accounts.PasswordHash(accounts.hash_password(PASSWORD))


async def build_world(sessions: async_sessionmaker[AsyncSession]) -> World:
    """Create units and accounts: admin, secretary, chair, chair2, delegates, remote room..."""
    async with db.transaction(sessions) as s:
        province = await units.create_unit(s, name="UBND tỉnh Thừa Thiên Huế", kind="province")
        district = await units.create_unit(s, name="UBND huyện Phú Lộc", kind="district",
                                           parent_id=province.id)
        commune = await units.create_unit(s, name="UBND xã Lộc An", kind="commune",
                                          parent_id=district.id)
        other = await units.create_unit(s, name="UBND huyện Phong Điền", kind="district",
                                        parent_id=province.id)
        spec: list[tuple[str, Role, int]] = [
            ("admin", Role.admin, province.id),
            ("secretary", Role.secretary, province.id),
            ("chair", Role.chair, province.id),
            ("chair2", Role.chair, province.id),
            ("delegate", Role.delegate, province.id),
            ("delegate2", Role.delegate, province.id),
            ("outsider", Role.delegate, other.id),
            ("room", Role.remote_room, commune.id),
            ("observer", Role.observer, province.id),
            ("district_secretary", Role.secretary, district.id),
        ]
        users: dict[str, User] = {}
        for name, role, unit_id in spec:
            users[name] = await accounts.create_user(
                s, username=name, full_name=f"Nguyễn Văn {name.title()}",
                password=_world_password(),
                role=role, unit_id=unit_id,
            )
    return World(province.id, district.id, commune.id, other.id, users)


@pytest.fixture
async def world(sessions: async_sessionmaker[AsyncSession]) -> World:
    """The small province, freshly created."""
    return await build_world(sessions)


def future(days: int = 10, hour: int = 8) -> datetime:
    """A meeting time `days` calendar days ahead, in Vietnam."""
    base = datetime.now(VIETNAM).replace(minute=0, second=0, microsecond=0)
    return (base + timedelta(days=days)).replace(hour=hour)


@pytest.fixture
async def app(settings: Settings, sessions: async_sessionmaker[AsyncSession]
              ) -> AsyncIterator[Any]:
    """The ASGI app with its lifespan running, over a database cleaned first: a node's
    start picks up unprocessed documents, and must not find those a previous test left."""
    asgi = create_app(settings)
    async with asgi.starlette.router.lifespan_context(asgi.starlette):
        yield asgi


class Client(httpx.AsyncClient):
    """An HTTP client that logs in and sends the CSRF token like the UI does."""

    csrf: str = ""

    async def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        """Log in and remember the CSRF token."""
        response = await self.post("/api/login", json={"username": username,
                                                        "password": password})
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
            self.headers["x-csrf-token"] = self.csrf
        return response


@pytest.fixture
async def client_factory(app: Any) -> AsyncIterator[Any]:
    """Make logged-in API clients: `await client_factory("secretary")`."""
    made: list[Client] = []

    async def make(username: str | None = None) -> Client:
        client = Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        made.append(client)
        if username:
            response = await client.login(username)
            assert response.status_code == 200, response.text
        return client

    yield make
    for client in made:
        await client.aclose()


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A real uvicorn server on loopback."""

    url: str
    server: uvicorn.Server
    task: asyncio.Task[None]
    app: Any


async def start_server(app: Any, port: int | None = None) -> LiveServer:
    """Serve `app` with uvicorn in this event loop until stopped."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            ws="websockets-sansio", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", server, task, app)


async def stop_server(live: LiveServer) -> None:
    """Stop a LiveServer and wait for it."""
    live.server.should_exit = True
    await live.task


@pytest.fixture
async def live_server(settings: Settings) -> AsyncIterator[LiveServer]:
    """The whole node on a real port, for socket.io clients."""
    live = await start_server(create_app(settings))
    yield live
    await stop_server(live)


def with_db(settings: Settings, url: str) -> Settings:
    """The same settings on another database."""
    return replace(settings, database_url=url)


# Test files that take tens of seconds each (a browser, several nodes, a killed server):
# run first, so that the two workers end on short tests instead of one waiting out the
# other's last long file (.ci/test has pytest-xdist hand out files in collection order).
LONG_FIRST = ("tests/e2e/", "tests/sfu/", "tests/cluster/", "tests/contract/test_openapi",
              "tests/security/test_csp_in_chromium", "tests/live_meeting/test_server_killed",
              "tests/test_cli.py")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the long files to the front; each file's own order (and pytest's grouping of
    the database backends) is kept."""
    root = Path(__file__).resolve().parents[1]

    def long(item: pytest.Item) -> bool:
        return Path(str(item.fspath)).resolve().relative_to(root).as_posix().startswith(
            LONG_FIRST)

    items.sort(key=lambda item: not long(item))
