"""PdfWorkers: ingestion, cached and de-duplicated rendering, and work in worker processes."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from ecabinet.pdf.annotated import Note
from ecabinet.pdf.pool import PdfWorkerCrashed, PdfWorkers
from ecabinet.pdf.render import PageOutOfRange
from ecabinet.pdf.validate import PdfRejected, RejectCode
from ecabinet.pdf.watermark import Watermark

from .samples import LINES, encrypted_pdf, make_pdf

VIEWER = Watermark(("Trần Thị Bích", "UBND xã Lộc Điền", "2026-11-23 09:15"))


@pytest.fixture
async def workers(tmp_path: Path) -> AsyncIterator[PdfWorkers]:
    pool = PdfWorkers(tmp_path / "cache", workers=2, chunk_pages=2)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Path, str]:
    """A 5-page document stored by SHA-256, as the documents module will store it."""
    data = make_pdf(5)
    sha = hashlib.sha256(data).hexdigest()
    path = tmp_path / "documents" / f"{sha}.pdf"
    path.parent.mkdir()
    path.write_bytes(data)
    return path, sha


async def test_ingest_reports_pages_text_words_and_thumbnails(
    workers: PdfWorkers, stored: tuple[Path, str]
) -> None:
    path, sha = stored
    result = await workers.ingest(path, sha)
    assert result.page_count == 5
    assert result.page_sizes == ((595.0, 842.0),) * 5
    assert [t.splitlines()[0] for t in result.texts] == [f"Trang {n}" for n in range(1, 6)]
    assert result.texts[4].splitlines()[1:] == list(LINES)
    assert result.words[2][0][4] == "Trang" and result.words[2][1][4] == "3"
    assert all(0 <= v <= 1 for page in result.words for w in page for v in w[:4])
    for n, thumb in enumerate(result.thumbnails):
        assert thumb == workers.cached_thumbnail(sha, n)
        with Image.open(thumb) as image:
            assert image.format == "PNG" and image.width == 160


async def test_render_is_cached_on_disk_and_not_repeated(
    workers: PdfWorkers, stored: tuple[Path, str]
) -> None:
    path, sha = stored
    assert workers.cached_page(sha, 1, 1280) is None
    first = await workers.render_page(path, sha, 1, 1280)
    assert workers.renders == 1
    with Image.open(first) as image:
        assert image.format == "WEBP" and image.width == 1280  # a text page
    stamp = first.stat().st_mtime_ns
    again = await workers.render_page(path, sha, 1, 1280)
    assert again == first and workers.cached_page(sha, 1, 1280) == first
    assert workers.renders == 1
    assert first.stat().st_mtime_ns == stamp
    # No temporary files are left beside the cached image.
    assert sorted(p.name for p in first.parent.iterdir()) == [first.name]


async def test_concurrent_requests_for_one_image_render_it_once(
    workers: PdfWorkers, stored: tuple[Path, str]
) -> None:
    path, sha = stored
    paths = await asyncio.gather(*(workers.render_page(path, sha, 3, 1024) for _ in range(8)))
    assert len(set(paths)) == 1
    assert workers.renders == 1


async def test_watermarked_pages_are_cached_apart_from_plain_ones(
    workers: PdfWorkers, stored: tuple[Path, str]
) -> None:
    path, sha = stored
    plain = await workers.render_page(path, sha, 0, 480)
    marked = await workers.render_page(path, sha, 0, 480, VIEWER)
    assert marked != plain
    assert workers.cached_page(sha, 0, 480, VIEWER) == marked
    assert workers.cached_page(sha, 0, 480, Watermark(("Người khác",))) is None
    assert workers.renders == 2
    assert marked.read_bytes() != plain.read_bytes()


async def test_render_all_chunks_every_page_and_skips_cached(
    workers: PdfWorkers, stored: tuple[Path, str]
) -> None:
    path, sha = stored
    await workers.render_page(path, sha, 2, 480)
    # An interactive request during bulk rendering shares the bulk job's render.
    made, single = await asyncio.gather(
        workers.render_all(path, sha, [480, 1024]), workers.render_page(path, sha, 4, 1024)
    )
    assert made == 8  # all but the page rendered before and the one requested alongside
    assert workers.renders == 10  # 5 pages × 2 widths, each exactly once
    for page in range(5):
        for width in (480, 1024):
            assert workers.cached_page(sha, page, width) is not None
    assert single == workers.cached_page(sha, 4, 1024)
    assert await workers.render_all(path, sha, [480, 1024]) == 0
    assert workers.renders == 10


async def test_missing_page_raises_and_does_not_wedge_the_key(
    workers: PdfWorkers, stored: tuple[Path, str]
) -> None:
    path, sha = stored
    for _ in range(2):
        with pytest.raises(PageOutOfRange):
            await workers.render_page(path, sha, 5, 480)
    assert workers.renders == 2  # the failed key was released and retried


async def test_cache_keys_are_validated(workers: PdfWorkers) -> None:
    with pytest.raises(ValueError):
        workers.cached_page("../../etc/passwd", 0, 480)
    with pytest.raises(ValueError):
        workers.cached_page("a" * 64, -1, 480)
    with pytest.raises(ValueError):
        workers.cached_page("a" * 64, 0, 100_000)


async def test_validation_runs_in_a_worker(workers: PdfWorkers, tmp_path: Path) -> None:
    data = make_pdf(2)
    info = await workers.validate(data, max_bytes=10_000_000, max_pages=10)
    assert info.page_count == 2 and info.sha256 == hashlib.sha256(data).hexdigest()
    with pytest.raises(PdfRejected) as caught:
        await workers.validate(encrypted_pdf("mk"), max_bytes=10_000_000, max_pages=10)
    assert caught.value.code is RejectCode.ENCRYPTED
    big = tmp_path / "upload.pdf"
    big.write_bytes(data)
    with pytest.raises(PdfRejected) as caught:
        await workers.validate(big, max_bytes=len(data) - 1, max_pages=10)
    assert caught.value.code is RejectCode.TOO_LARGE


async def test_annotated_copy_in_a_worker_leaves_the_stored_file_alone(
    workers: PdfWorkers, stored: tuple[Path, str]
) -> None:
    path, sha = stored
    copy = await workers.annotated_copy(
        path, [Note(page=1, x=0.5, y=0.5, text="Cần bổ sung số liệu")], author="Lê Văn Tám"
    )
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    doc = pymupdf.open(stream=copy)
    (note,) = list(doc[1].annots())
    assert note.info["content"] == "Cần bổ sung số liệu"
    assert note.info["title"] == "Lê Văn Tám"


async def test_drop_cache_and_close(tmp_path: Path, stored: tuple[Path, str]) -> None:
    path, sha = stored
    pool = PdfWorkers(tmp_path / "c2", workers=1)
    page = await pool.render_page(path, sha, 0, 480)
    await pool.drop_cache(sha)
    assert not page.exists() and pool.cached_page(sha, 0, 480) is None
    await pool.close()
    with pytest.raises(RuntimeError):
        await pool.render_page(path, sha, 0, 480)


async def test_a_crashed_worker_is_replaced(workers: PdfWorkers, stored: tuple[Path, str]) -> None:
    path, sha = stored
    # Stand-in for MuPDF dying on a hostile file: the worker process exits mid-job.
    with pytest.raises(PdfWorkerCrashed):
        await workers._call(os._exit, 3)
    page = await workers.render_page(path, sha, 0, 480)
    assert page.is_file()
