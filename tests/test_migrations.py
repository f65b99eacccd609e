"""Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from ecabinet.models import Base
from ecabinet.schema import alembic_config, upgrade
from tests.conftest import BACKENDS, create_database, drop_database


def _compare(sync_conn: Any) -> tuple[set[str], list[Any]]:
    tables = set(inspect(sync_conn).get_table_names())
    diff = list(compare_metadata(MigrationContext.configure(sync_conn), Base.metadata))
    return tables, diff


async def _inspect(url: str) -> tuple[set[str], list[Any]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_compare)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_empty_database_matches_models(backend: str, tmp_path: Path) -> None:
    url, name = create_database(backend, tmp_path)
    try:
        tables, diff = asyncio.run(_inspect(url))
        assert set(Base.metadata.tables) | {"alembic_version"} <= tables
        assert diff == [], diff
    finally:
        if name:
            drop_database(name)


def _version_columns(sync_conn: Any) -> set[str]:
    return {c["name"] for c in inspect(sync_conn).get_columns("document_versions")}


async def _columns(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_version_columns)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_document_sources_migration_goes_down_and_up_again(backend: str, tmp_path: Path
                                                               ) -> None:
    url, name = create_database(backend, tmp_path)
    sources = {"source_sha256", "source_name", "source_type"}
    try:
        assert sources <= asyncio.run(_columns(url))
        command.downgrade(alembic_config(url), "0017-1")
        assert not sources & asyncio.run(_columns(url))
        upgrade(url)
        assert sources <= asyncio.run(_columns(url))
        assert asyncio.run(_inspect(url))[1] == []
    finally:
        if name:
            drop_database(name)
