"""Read-only transactions on SQLite run on the event loop (ecabinet/sqlite_reader.py)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError

from ecabinet import db
from ecabinet.models import Unit
from ecabinet.schema import upgrade_async


async def test_readers_answer_in_the_loops_thread_and_see_what_writers_committed(
        tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite'}"
    await upgrade_async(url)
    engine = db.create_engine(url)
    writes = db.sessionmaker(engine)
    reads = db.read_only(writes)

    @event.listens_for(reads.kw["bind"].sync_engine, "connect")
    def thread_function(dbapi_conn: Any, _record: Any) -> None:
        # Evaluated by SQLite in whichever thread runs the statement.
        dbapi_conn.create_function("running_thread", 0, threading.get_ident)

    try:
        async with reads() as s, s.begin():
            before = list((await s.scalars(select(Unit.name))).all())
            # A writer commits while the reader's transaction is open: WAL lets it, and
            # the reader keeps its snapshot until its transaction ends.
            async with db.transaction(writes) as w:
                w.add(Unit(name="Xã Tân Lập", kind="commune"))
            assert list((await s.scalars(select(Unit.name))).all()) == before
        async with reads() as s, s.begin():
            assert "Xã Tân Lập" in (await s.scalars(select(Unit.name))).all()
            # Many readers side by side, each its own connection and transaction.
            counts = await asyncio.gather(*(_count(reads) for _ in range(20)))
        assert set(counts) == {len(before) + 1}
        async with reads() as s:
            assert await s.scalar(text("SELECT running_thread()")) == threading.get_ident()
        # A read path that writes fails at once instead of queueing for the lock.
        with pytest.raises(OperationalError, match="readonly"):
            async with reads() as s, s.begin():
                await s.execute(text("DELETE FROM units"))
        async with reads() as s:
            assert await s.scalar(select(Unit.id).limit(1)) is not None
    finally:
        await db.close_read_only(reads, writes)
        await engine.dispose()


async def _count(reads: db.async_sessionmaker[db.AsyncSession]) -> int:
    async with reads() as s, s.begin():
        return len((await s.scalars(select(Unit.id))).all())


async def test_an_in_memory_database_keeps_one_engine_for_reads_and_writes() -> None:
    engine = db.create_engine("sqlite+aiosqlite:///:memory:")
    writes = db.sessionmaker(engine)
    reads = db.read_only(writes)
    assert reads.kw["bind"].sync_engine.pool is engine.sync_engine.pool
    await db.close_read_only(reads, writes)
    async with writes() as s:  # closing the reads left the shared pool alone
        assert await s.scalar(text("SELECT 1")) == 1
    await engine.dispose()
