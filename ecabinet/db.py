"""Async engine and sessions; SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from ecabinet import sqlite_reader

# The execution option that marks an engine's transactions as read-only (see read_only).
READ_ONLY = "ecabinet_read_only"


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
    run on the event loop (ecabinet/sqlite_reader.py); `close_read_only` releases them.
    """
    engine: AsyncEngine = factory.kw["bind"]
    path = engine.url.database
    if is_sqlite(str(engine.url)) and path and path != ":memory:" and not engine.url.query:
        engine = create_async_engine(engine.url, async_creator=sqlite_reader.connector(
            path, READER_BUSY_MS / 1000))
        sync_engine: Engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas(READER_BUSY_MS, read_only=True))
        event.listen(sync_engine, "begin", _sqlite_begin_immediate)
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}))


async def close_read_only(reads: async_sessionmaker[AsyncSession],
                          factory: async_sessionmaker[AsyncSession]) -> None:
    """Close the connections `read_only` opened for itself, if it did."""
    engine: AsyncEngine = reads.kw["bind"]
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
