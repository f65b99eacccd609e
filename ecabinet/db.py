"""Async engine and sessions; SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only

from ecabinet import sqlite_on_loop

# The execution option that marks an engine's transactions as read-only (see read_only).
READ_ONLY = "ecabinet_read_only"


# Ids sent in one `IN (...)` list: SQLite allows 32766 parameters and PostgreSQL 65535,
# but a statement that long plans slowly; queries over many rows ask in parts this big.
IN_LIST_SIZE = 500


def in_chunks(ids: Sequence[int], size: int = IN_LIST_SIZE) -> list[Sequence[int]]:
    """`ids` in parts of at most `size`, for `column.in_(part)` queries."""
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def is_sqlite(url: str) -> bool:
    """Whether the URL names an SQLite database."""
    return url.startswith("sqlite")


# A reader on the event loop waits this long at most: in WAL mode a reader never waits
# for writers, only for rare moments such as recovering the log after a crash.
READER_BUSY_MS = 1000


def _sqlite_pragmas(busy_ms: int, *, read_only: bool = False) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # WAL lets tablets read while a ballot batch commits; foreign keys are off
        # by default in SQLite; the busy timeout turns writer contention into a
        # short wait instead of an immediate "database is locked".
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if read_only:  # a write slipping into a read path fails instead of blocking the loop
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()
        # SQLAlchemy then issues BEGIN itself (see _sqlite_begin_immediate).
        dbapi_conn.isolation_level = None

    return on_connect


def create_engine(url: str, *, echo: bool = False, busy_ms: int = 10000) -> AsyncEngine:
    """An async engine for `url`, configured for the backend it names.

    `busy_ms`: how long an SQLite writer waits for the write lock before giving up.
    """
    if is_sqlite(url):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": busy_ms / 1000})
        sync_engine: Engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas(busy_ms))
        # A deferred transaction that reads and then writes fails at once with
        # SQLITE_BUSY_SNAPSHOT when another writer committed in between, and the
        # busy timeout cannot help; taking the write lock up front makes
        # concurrent writers queue instead.
        event.listen(sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    # pre_ping: a connection the database or the network dropped (a restart, a failover, a
    # firewall) is found dead at checkout and replaced, so the node recovers by itself.
    engine = create_async_engine(url, echo=echo, pool_size=10, max_overflow=20,
                                 pool_pre_ping=True)

    def unreachable_as_operational(dialect: Any, _record: Any, cargs: list[Any],
                                   cparams: dict[str, Any]) -> Any:
        # A database out of reach (connection refused or reset, a connect timeout) surfaces
        # from asyncpg as a bare OSError, which SQLAlchemy passes on unwrapped, so the action
        # ended as internal_error. As the driver's OperationalError it becomes SQLAlchemy's,
        # which errors.unavailable_of answers as `database_unavailable` (503, "try again").
        try:
            return dialect.connect(*cargs, **cparams)
        except OSError as exc:
            raise dialect.loaded_dbapi.OperationalError(str(exc) or type(exc).__name__,
                                                        exc) from exc

    event.listen(engine.sync_engine, "do_connect", unreachable_as_operational)
    return engine


def _sqlite_begin_immediate(conn: Any) -> None:
    # Readers (screens joining or catching up) must not queue behind the write lock, nor
    # hold it against the ballot writer: their transactions stay deferred.
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def read_only(factory: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """A session factory like `factory` for transactions that only read.

    On SQLite they begin deferred, so a thousand screens joining at once read side by
    side instead of taking the write lock one after another, and on a database file they
    run on the event loop (ecabinet/sqlite_on_loop.py); `close_derived` releases them.
    """
    engine: AsyncEngine = factory.kw["bind"]
    path = _database_file(engine)
    if path is not None:
        engine = create_async_engine(engine.url, async_creator=sqlite_on_loop.connector(
            path, READER_BUSY_MS / 1000))
        sync_engine: Engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas(READER_BUSY_MS, read_only=True))
        event.listen(sync_engine, "begin", _sqlite_begin_immediate)
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}))


def on_loop_writer(factory: async_sessionmaker[AsyncSession], *, busy_ms: int = 10000
                   ) -> async_sessionmaker[AsyncSession]:
    """A session factory like `factory` for a node's busy group-commit writers (ballots,
    consultation replies).

    On an SQLite file its transactions run on the event loop once they hold the write lock
    (ecabinet/sqlite_on_loop.py): a group commit then costs no turns of a loop that a
    burst keeps busy. The lock itself is waited for asynchronously, never blocking the
    loop, for `busy_ms` at most. Events it commits reach `factory`'s publishers.
    `close_derived` releases it.
    """
    engine: AsyncEngine = factory.kw["bind"]
    path = _database_file(engine)
    if path is None:
        return factory
    engine = create_async_engine(engine.url, async_creator=sqlite_on_loop.connector(path, 0))
    sync_engine: Engine = engine.sync_engine
    event.listen(sync_engine, "connect", _sqlite_pragmas(0))
    event.listen(sync_engine, "begin", _begin_immediate_waiting(busy_ms / 1000))
    # The same dict: publishers added to either factory, before or after, serve both.
    return async_sessionmaker(engine, expire_on_commit=False,
                              info=factory.kw.setdefault("info", {}))


def _database_file(engine: AsyncEngine) -> str | None:
    # An SQLite database in a file, which other connections can open too.
    path = engine.url.database
    if is_sqlite(str(engine.url)) and path and path != ":memory:" and not engine.url.query:
        return path
    return None


def _begin_immediate_waiting(timeout: float) -> Callable[[Any], None]:
    def begin(conn: Any) -> None:
        # With no busy timeout, a held lock answers "locked" at once; the wait between
        # tries lets the holder, whose commit may need the loop, finish.
        deadline = time.monotonic() + timeout
        delay = 0.0005
        raw = conn.connection.driver_connection
        while True:
            try:
                raw.begin_immediate()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
            await_only(asyncio.sleep(delay))
            delay = min(delay * 2, 0.02)

    return begin


async def close_derived(derived: async_sessionmaker[AsyncSession],
                        factory: async_sessionmaker[AsyncSession]) -> None:
    """Close the connections `read_only` or `on_loop_writer` opened for itself, if any."""
    engine: AsyncEngine = derived.kw["bind"]
    if engine.sync_engine.pool is not factory.kw["bind"].sync_engine.pool:
        await engine.dispose()


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """A session factory whose objects stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session inside one transaction: committed on success, rolled back on error."""
    async with factory() as session, session.begin():
        yield session
