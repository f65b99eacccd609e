"""SQLite transactions on the event loop (ecabinet/sqlite_on_loop.py): readers, and the
one busy writer."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from ecabinet import db, eventlog
from ecabinet.errors import unavailable_of
from ecabinet.models import Unit
from ecabinet.schema import upgrade_async


async def test_readers_answer_in_the_loops_thread_and_see_what_writers_committed(
        tmp_path: Path) -> None:
    engine, writes = await _database(tmp_path)
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
        await db.close_derived(reads, writes)
        await engine.dispose()


async def _database(tmp_path: Path) -> tuple[AsyncEngine, db.async_sessionmaker[db.AsyncSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite'}"
    await upgrade_async(url)
    engine = db.create_engine(url)
    return engine, db.sessionmaker(engine)


async def _count(reads: db.async_sessionmaker[db.AsyncSession]) -> int:
    async with reads() as s, s.begin():
        return len((await s.scalars(select(Unit.id))).all())


async def test_an_in_memory_database_keeps_one_engine_for_reads_and_writes() -> None:
    engine = db.create_engine("sqlite+aiosqlite:///:memory:")
    writes = db.sessionmaker(engine)
    reads = db.read_only(writes)
    assert reads.kw["bind"].sync_engine.pool is engine.sync_engine.pool
    await db.close_derived(reads, writes)
    async with writes() as s:  # closing the reads left the shared pool alone
        assert await s.scalar(text("SELECT 1")) == 1
    await engine.dispose()


async def test_the_on_loop_writer_waits_for_the_lock_without_blocking_the_loop(
        tmp_path: Path) -> None:
    engine, writes = await _database(tmp_path)
    seen: list[int] = []
    eventlog.add_publisher(writes, lambda batch: seen.append(len(batch.notices)))
    writer = db.on_loop_writer(writes, busy_ms=3000)
    try:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        ticker = asyncio.create_task(tick())
        async with db.transaction(writes) as holder:  # another writer holds the lock
            holder.add(Unit(name="Phường An Cựu", kind="ward"))
            await holder.flush()
            waiting = asyncio.create_task(_add_unit(writer, "Xã Hương Thọ"))
            await asyncio.sleep(0.3)
            assert not waiting.done()
            assert ticks >= 20  # the loop went on turning while the writer waited
        await waiting  # the lock released, the writer goes ahead
        async with writes() as s:
            names = set((await s.scalars(select(Unit.name))).all())
        assert {"Phường An Cựu", "Xã Hương Thọ"} <= names
        # Its commits reach the publishers of the factory it came from.
        assert seen[-1] == 1
        ticker.cancel()
    finally:
        await db.close_derived(writer, writes)
        await engine.dispose()


async def test_the_on_loop_writer_gives_up_as_database_busy_after_its_wait(
        tmp_path: Path) -> None:
    engine, writes = await _database(tmp_path)
    writer = db.on_loop_writer(writes, busy_ms=200)
    try:
        async with db.transaction(writes) as holder:
            holder.add(Unit(name="Phường An Cựu", kind="ward"))
            await holder.flush()
            with pytest.raises(OperationalError) as failed:
                await _add_unit(writer, "Xã Hương Thọ")
            busy = unavailable_of(failed.value)
            assert busy is not None and busy.code == "database_busy"
        await _add_unit(writer, "Xã Hương Thọ")  # and takes it once it is free
    finally:
        await db.close_derived(writer, writes)
        await engine.dispose()


async def _add_unit(factory: db.async_sessionmaker[db.AsyncSession], name: str) -> None:
    async with db.transaction(factory) as s:
        s.add(Unit(name=name, kind="commune"))
        await s.flush()
        eventlog.notify(s, [1], "units.changed")
