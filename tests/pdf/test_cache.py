"""The page cache: where renders live, and stale watermarked copies going away."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.pdf.cache import PageCache, write_atomic
from ecabinet.pdf.watermark import Watermark

SHA = "ab" + "0" * 62


def test_stale_watermarked_pages_are_purged_and_nothing_else(tmp_path: Path) -> None:
    cache = PageCache(tmp_path)
    now = time.time()
    plain = cache.page_path(SHA, 0, 1024, None)
    thumb = cache.thumbnail_path(SHA, 0, 160)
    old = cache.page_path(SHA, 0, 1024, Watermark(("Nguyễn Văn A", "Sở Tài chính",
                                                   "08:15 01/12/2026")))
    fresh = cache.page_path(SHA, 1, 1024, Watermark(("Nguyễn Văn A", "Sở Tài chính",
                                                     "08:19 01/12/2026")))
    for path in (plain, thumb, old, fresh):
        write_atomic(path, b"image")
    for path in (plain, thumb, old):  # renders from an hour ago
        os.utime(path, (now - 3600, now - 3600))

    assert cache.purge_watermarked(180, now=now) == 1
    assert not old.exists()
    assert plain.exists() and thumb.exists() and fresh.exists()
    assert cache.lookup_page(SHA, 0, 1024, None) == plain
    assert cache.purge_watermarked(180, now=now + 600) == 1 and not fresh.exists()


def test_cache_paths_never_leave_the_root(tmp_path: Path) -> None:
    cache = PageCache(tmp_path)
    for bad in ("../" + "0" * 61, "AB" + "0" * 62, "0" * 63):
        with pytest.raises(ValueError):
            cache.page_path(bad, 0, 1024, None)
    with pytest.raises(ValueError):
        cache.page_path(SHA, -1, 1024, None)


async def test_a_starting_node_clears_what_earlier_viewers_left(settings: Settings) -> None:
    cache = PageCache(settings.cache_dir)
    stale = cache.page_path(SHA, 2, 1280, Watermark(("Lê Thị B", "UBND xã Lộc An",
                                                     "15:02 30/11/2026")))
    write_atomic(stale, b"image")
    os.utime(stale, (time.time() - 86400, time.time() - 86400))
    asgi = create_app(settings)
    async with asgi.starlette.router.lifespan_context(asgi.starlette):
        for _ in range(100):
            if not stale.exists():
                break
            await asyncio.sleep(0.05)
        assert not stale.exists()
