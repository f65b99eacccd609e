"""Database engine set-up: SQLite pragmas, and settings read from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ecabinet import db
from ecabinet.config import load_settings
from ecabinet.schema import upgrade_async


async def test_sqlite_runs_in_wal_with_foreign_keys_enforced(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite'}"
    await upgrade_async(url)
    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 10000
        with pytest.raises(IntegrityError):
            async with db.transaction(db.sessionmaker(engine)) as session:
                await session.execute(text(
                    "INSERT INTO units (name, kind, parent_id, created_at) "
                    "VALUES ('x', 'commune', 999, CURRENT_TIMESTAMP)"))
    finally:
        await engine.dispose()


def test_settings_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.setenv("ECABINET_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ECABINET_SECRET_KEY", raising=False)
    monkeypatch.delenv("ECABINET_DATABASE_URL", raising=False)
    monkeypatch.setenv("ECABINET_UPLOAD_MAX_PAGES", "300")
    monkeypatch.setenv("ECABINET_ICE_SERVERS", "stun:10.0.0.1:3478, turn:10.0.0.2:3478")
    settings = load_settings()
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'ecabinet.sqlite'}"
    assert settings.upload_max_pages == 300
    assert settings.ice_servers == ("stun:10.0.0.1:3478", "turn:10.0.0.2:3478")
    # The generated secret is kept, so sessions survive a restart.
    assert load_settings().secret_key == settings.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert settings.video_codec == "VP8"
    monkeypatch.setenv("ECABINET_VIDEO_CODEC", "h264")
    assert load_settings().video_codec == "H264"
    monkeypatch.setenv("ECABINET_VIDEO_CODEC", "AV1")
    with pytest.raises(ValueError, match="ECABINET_VIDEO_CODEC"):
        load_settings()
    monkeypatch.delenv("ECABINET_VIDEO_CODEC")
    monkeypatch.setenv("ECABINET_PORT", "eighty")
    with pytest.raises(ValueError, match="ECABINET_PORT"):
        load_settings()
