"""SQLite connections that run on the event loop itself, for readers and the one writer.

aiosqlite runs every call in a thread of its own connection: a query is four round trips
(cursor, execute, fetch, close), each a hand-over to the thread and a wake-up of the
loop. A thousand screens joining a meeting make tens of thousands of them, and while a
burst of ballots keeps the loop busy each round trip of the ballot writer waits for a
turn of the loop. In WAL mode a reader never waits for a lock and its pages are in
memory, and a writer that holds the write lock never waits either: these connections
answer at once, in the loop's thread, with the interface SQLAlchemy's aiosqlite dialect
drives. Taking the write lock is the one wait, and `db.on_loop_writer` does it without
blocking the loop. Other writers keep aiosqlite.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any


class Cursor:
    """An sqlite3 cursor behind the awaitable methods aiosqlite's cursor has."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        """Run one statement."""
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        """Run one statement for each set of parameters."""
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        """The next row, or None."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to `size` more rows."""
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        """The remaining rows."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Release the statement."""
        self._cursor.close()

    async def nextset(self) -> None:
        """SQLite has one result set per statement."""
        return None

    async def setinputsizes(self, *_sizes: Any) -> None:
        """Nothing to size in SQLite."""
        return None

    @property
    def description(self) -> Any:
        """The result's columns."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The rowid of the last inserted row."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows fetchmany returns by default."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _Immediate:
    # The dialect hands some calls to aiosqlite's queue as (future, function) and awaits
    # the future: here they run at once.
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # the awaiting caller gets the driver's own error
            future.set_exception(exc)


class Connection:
    """An sqlite3 connection behind the awaitable methods aiosqlite's connection has."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._tx = _Immediate(conn)
        # The dialect reads aiosqlite's `_connection` to tell an open connection (set)
        # from a closed one (None) before committing or rolling back.
        self._connection: sqlite3.Connection | None = conn

    def cursor(self) -> Cursor:
        """A new cursor (the dialect enters it with `async with`)."""
        return Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Cursor:
        """Run one statement on a new cursor."""
        return Cursor(self._conn.execute(sql, parameters))

    def begin_immediate(self) -> None:
        """Take the write lock now, or raise "database is locked" at once (no busy timeout)."""
        self._conn.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        """End the transaction."""
        self._conn.commit()

    async def rollback(self) -> None:
        """Abandon the transaction (for a reader: release its snapshot)."""
        self._conn.rollback()

    async def close(self) -> None:
        """Close the connection."""
        self.stop()

    def stop(self) -> None:
        """Close at once (the pool's terminate)."""
        self._connection = None
        self._conn.close()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        """Register an SQL function."""
        self._conn.create_function(*args, **kw)

    @property
    def isolation_level(self) -> str | None:
        """The sqlite3 module's transaction handling (None: the dialect issues BEGIN)."""
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self._conn.isolation_level = value

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open."""
        return self._conn.in_transaction


def connector(path: str, timeout: float) -> Callable[[], Any]:
    """An `async_creator` for SQLAlchemy: a new on-loop connection to the file `path`."""

    async def connect() -> Connection:
        # Used only from the loop's thread, but the pool may close it from another one at
        # interpreter exit.
        return Connection(sqlite3.connect(path, timeout=timeout, check_same_thread=False))

    return connect
