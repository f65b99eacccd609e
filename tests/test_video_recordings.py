"""Recordings attached to a meeting: their names, times and what is not one of them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ecabinet import video


def test_recordings_are_listed_oldest_first_with_their_start(tmp_path: Path) -> None:
    first = video.new_recording_path(tmp_path, 7, datetime(2026, 11, 30, 1, 2, 3, tzinfo=UTC))
    later = video.new_recording_path(tmp_path, 7, datetime(2026, 11, 30, 3, 0, 0, tzinfo=UTC))
    for path, size in ((later, 20), (first, 10)):
        path.write_bytes(b"x" * size)
    (first.parent / "notes.txt").write_text("không phải bản ghi")  # never listed
    found = video.list_recordings(tmp_path, 7)
    assert [(r.name, r.size, r.started_at) for r in found] == [
        ("20261130T010203Z.mkv", 10, "2026-11-30T01:02:03Z"),
        ("20261130T030000Z.mkv", 20, "2026-11-30T03:00:00Z"),
    ]
    assert video.list_recordings(tmp_path, 8) == []
