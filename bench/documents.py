"""Bench: a 300-page Vietnamese agenda book through eCabinet's PDF pipeline.

Prints, against baselines measured in the same run (never asserts):
  * validate + ingest (text, word boxes, thumbnails) time         target ≤ 3 s
  * pages/s at tablet width through PdfWorkers vs bare single-process PyMuPDF
                                                                  target ≥ 1.6×
  * time to render every page at tablet width                     target ≤ 12 s
  * cached page lookup + read p50/p99                             target ≤ 5 ms p99
  * watermarked / plain render time                               target ≤ 1.2
  * server-rendered text page at 1280 px, median (new encoder vs JPEG q80)
                                                                  target ≤ 60 KB
  * what reaches a tablet, for the book and libtasn1.pdf, PDF.js vs today's JPEG pages
    (bench/tablet.py): briefcase ÷ PDF bytes                     target ≤ 1.3
    first page drawn over 2 Mbit/s, 100 ms (Chromium)             target ≤ 1.5 s

Run: .venv/bin/python bench/documents.py [--pages 300] [--workers 2] [--seeds DIR]
     [--only pipeline|tablet]

Phases are separate functions over one `Bench` context so an HTTP phase (the
same cached pages served by the app) can be added next to `phase_cached_reads`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pymupdf
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecabinet.pdf.fonts import font_file
from ecabinet.pdf.pool import PdfWorkers
from ecabinet.pdf.render import (
    encode_jpeg,
    encode_page,
    is_grey,
    is_photo_page,
    render_page_jpeg,
    render_pixmap,
)
from ecabinet.pdf.validate import validate_pdf
from ecabinet.pdf.watermark import Watermark

TABLET_WIDTH = 1280
JPEG_QUALITY = 80
SCAN_EVERY = 25  # `build_agenda_book` makes every 25th page a scanned image
LIBTASN1_PDF = Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf")  # a real typeset manual
# The Vietnamese texts the demo ships: real diacritics for text extraction and search.
DEFAULT_SEEDS = Path(__file__).resolve().parents[1] / "ecabinet" / "demo_texts"
FALLBACK_TEXT = (
    "Kế hoạch phát triển kinh tế – xã hội năm 2026 của Ủy ban nhân dân huyện Phú Lộc. "
    "Đẩy mạnh chuyển đổi số, cải cách hành chính, xây dựng chính quyền điện tử; họp không "
    "giấy, ký số văn bản, lưu trữ hồ sơ điện tử; nâng cao chất lượng phục vụ người dân."
)
VIEWER = Watermark(("Nguyễn Văn Ánh", "UBND huyện Phú Lộc", "2026-11-23 09:15"))

# ---------------------------------------------------------------------------
# The agenda book


@dataclass
class _Fonts:
    serif: pymupdf.Font = field(default_factory=lambda: pymupdf.Font(fontfile=font_file("serif")))
    bold: pymupdf.Font = field(
        default_factory=lambda: pymupdf.Font(fontfile=font_file("serif-bold"))
    )
    sans: pymupdf.Font = field(default_factory=lambda: pymupdf.Font(fontfile=font_file("sans")))


def _articles(seeds: Path) -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of each seed article, or a built-in paragraph if none are found."""
    found = []
    for path in sorted(seeds.glob("*.txt")) if seeds.is_dir() else []:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        lines = [line for line in lines if line]
        if len(lines) >= 2:
            found.append((lines[0], lines[1:]))
    return found or [("Kế hoạch năm 2026", [FALLBACK_TEXT] * 12)]


_WIDTHS: dict[tuple[int, str, float], float] = {}


def _width(font: pymupdf.Font, text: str, size: float) -> float:
    # Font.text_length walks the string glyph by glyph in Python: cache per word.
    key = (id(font), text, size)
    if key not in _WIDTHS:
        _WIDTHS[key] = font.text_length(text, fontsize=size)
    return _WIDTHS[key]


def _wrap(text: str, font: pymupdf.Font, size: float, width: float) -> Iterator[str]:
    space = _width(font, " ", size)
    line: list[str] = []
    used = 0.0
    for word in text.split():
        w = _width(font, word, size)
        if line and used + space + w > width:
            yield " ".join(line)
            line, used = [word], w
        else:
            used += (space if line else 0.0) + w
            line.append(word)
    if line:
        yield " ".join(line)


class _BookWriter:
    """Lays out headed, justified-left text, tables and scanned pages on A4 pages."""

    W, H = 595.0, 842.0
    LEFT, RIGHT, TOP, BOTTOM = 70.0, 60.0, 80.0, 70.0

    def __init__(self, doc: pymupdf.Document, fonts: _Fonts) -> None:
        self.doc = doc
        self.fonts = fonts
        self.page: pymupdf.Page | None = None
        self.writer: pymupdf.TextWriter | None = None
        self.y = 0.0

    def new_page(self) -> None:
        self.finish_page()
        self.page = self.doc.new_page(width=self.W, height=self.H)
        self.writer = pymupdf.TextWriter(self.page.rect)
        number = self.doc.page_count
        self.writer.append(
            (self.LEFT, 45), "ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ", font=self.fonts.sans, fontsize=8
        )
        self.writer.append(
            (self.W - self.RIGHT - 60, self.H - 35),
            f"Trang {number}",
            font=self.fonts.sans,
            fontsize=8,
        )
        self.page.draw_line((self.LEFT, 52), (self.W - self.RIGHT, 52), color=(0.4, 0.4, 0.4))
        self.y = self.TOP

    def finish_page(self) -> None:
        if self.page is not None and self.writer is not None:
            self.writer.write_text(self.page)
        self.page = None
        self.writer = None

    def room(self, height: float) -> None:
        if self.page is None or self.y + height > self.H - self.BOTTOM:
            self.new_page()

    def paragraph(self, text: str, *, size: float = 11.5, bold: bool = False) -> None:
        font = self.fonts.bold if bold else self.fonts.serif
        leading = size * 1.45
        for line in _wrap(text, font, size, self.W - self.LEFT - self.RIGHT):
            self.room(leading)
            assert self.writer is not None
            self.y += leading
            self.writer.append((self.LEFT, self.y), line, font=font, fontsize=size)
        self.y += size * 0.6

    def table(self, caption: str, rows: int, seed: int) -> None:
        rng = random.Random(seed)
        row_h = 18.0
        self.room(row_h * (rows + 3))
        self.paragraph(caption, size=11, bold=True)
        assert self.page is not None and self.writer is not None
        cols = [self.LEFT, self.LEFT + 30, self.LEFT + 250, self.LEFT + 340, self.W - self.RIGHT]
        heads = ("TT", "Nội dung", "Kế hoạch", "Thực hiện")
        top = self.y + 4
        grid = self.page.new_shape()
        for r in range(rows + 2):
            grid.draw_line((cols[0], top + r * row_h), (cols[-1], top + r * row_h))
        for x in cols:
            grid.draw_line((x, top), (x, top + (rows + 1) * row_h))
        grid.finish(color=(0, 0, 0), width=0.6)
        grid.commit()
        for c, head in enumerate(heads):
            self.writer.append((cols[c] + 4, top + 13), head, font=self.fonts.bold, fontsize=9.5)
        items = ("Thu ngân sách", "Đầu tư công", "Giải ngân vốn", "Hồ sơ trực tuyến")
        for r in range(rows):
            y = top + (r + 1) * row_h + 13
            cells = (
                str(r + 1),
                f"{items[r % len(items)]} (xã {rng.randint(1, 18)})",
                f"{rng.randint(100, 9000):,}".replace(",", "."),
                f"{rng.randint(50, 100)}%",
            )
            for c, cell in enumerate(cells):
                self.writer.append((cols[c] + 4, y), cell, font=self.fonts.serif, fontsize=9.5)
        self.y = top + (rows + 1) * row_h + 12


def build_agenda_book(pages: int, seeds: Path) -> bytes:
    """A realistic agenda book of exactly `pages` pages: headed Vietnamese text, tables, scans."""
    fonts = _Fonts()
    articles = _articles(seeds)
    doc = pymupdf.open()
    book = _BookWriter(doc, fonts)
    book.new_page()
    book.y = 250
    book.paragraph("TÀI LIỆU PHIÊN HỌP THƯỜNG KỲ THÁNG 11 NĂM 2026", size=18, bold=True)
    book.paragraph("Ủy ban nhân dân tỉnh Thừa Thiên Huế — Phòng họp không giấy", size=13)
    part = 0
    while doc.page_count < pages:
        title, paragraphs = articles[part % len(articles)]
        part += 1
        book.room(120)
        book.paragraph(f"PHẦN {part}. {title.upper()}", size=13, bold=True)
        for n, text in enumerate(paragraphs):
            if n % 4 == 0:
                book.paragraph(f"{part}.{n // 4 + 1}. Nội dung trình", size=12, bold=True)
            book.paragraph(text)
            if n % 6 == 5:
                book.table(f"Bảng {part}.{n}: Kết quả thực hiện", 8, seed=part * 100 + n)
            if doc.page_count >= pages:
                break
    book.finish_page()
    while doc.page_count > pages:
        doc.delete_page(-1)
    _add_scans(doc, every=SCAN_EVERY)
    doc.subset_fonts()
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return bytes(data)


def _add_scans(doc: pymupdf.Document, every: int) -> None:
    """Replace every `every`-th page's look with a scanned image of itself (signed originals)."""
    for number in range(every - 1, doc.page_count, every):
        page = doc[number]
        pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
        scan = encode_jpeg(pix, 70)
        page.add_redact_annot(page.rect)
        page.apply_redactions(images=0)  # PDF_REDACT_IMAGE_NONE: images are replaced below
        page.insert_image(page.rect, stream=scan)


# ---------------------------------------------------------------------------
# Phases


@dataclass
class Bench:
    """Everything the phases share: the book on disk and a started worker pool."""

    root: Path
    data: bytes
    path: Path
    sha: str
    workers: PdfWorkers
    pages: int
    figures: dict[str, float] = field(default_factory=dict)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _print(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<52} {value:>14}  {note}")


async def phase_ingest(b: Bench) -> None:
    """Validate and ingest (text, words, thumbnails) as an upload would."""
    t0 = time.perf_counter()
    validate_pdf(b.data, max_bytes=200 * 1024 * 1024, max_pages=2000)
    in_process = time.perf_counter() - t0

    t0 = time.perf_counter()
    info = await b.workers.validate(b.data, max_bytes=200 * 1024 * 1024, max_pages=2000)
    t1 = time.perf_counter()
    result = await b.workers.ingest(b.path, b.sha)
    t2 = time.perf_counter()
    assert info.page_count == result.page_count == b.pages
    words = sum(len(w) for w in result.words)
    chars = sum(len(t) for t in result.texts)
    b.figures["ingest_s"] = t2 - t0
    print("ingest")
    _print("validate, in process", _ms(in_process), "(target < 1 s for 300 pages)")
    _print("validate, in a worker (bytes sent over the pipe)", _ms(t1 - t0))
    _print("ingest: text + word boxes + PNG thumbnails", _ms(t2 - t1))
    _print("validate + ingest", f"{t2 - t0:.2f} s", "(target ≤ 3 s)")
    _print("extracted", f"{chars:,} chars", f"{words:,} words, {len(result.thumbnails)} thumbs")


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def phase_cpu_headroom(b: Bench, n: int = 3_000_000) -> None:
    """How much 2-way parallelism this machine gives right now (other load steals cores)."""
    import multiprocessing

    t0 = time.perf_counter()
    _burn(n)
    _burn(n)
    serial = time.perf_counter() - t0
    with multiprocessing.get_context("forkserver").Pool(2) as pool:
        pool.map(_burn, [10, 10])
        t0 = time.perf_counter()
        pool.map(_burn, [n, n])
        parallel = time.perf_counter() - t0
    b.figures["cpu_scaling"] = serial / parallel
    print("machine")
    _print("pure-Python CPU work, 2 processes vs 1", f"{serial / parallel:.2f}×", "(ideal 2.0)")


def bare_render(b: Bench, out: Path) -> float:
    """Baseline: one process, plain PyMuPDF, every page at tablet width, eCabinet's encoder; s."""
    out.mkdir(parents=True, exist_ok=True)
    doc = pymupdf.open(b.path)
    t0 = time.perf_counter()
    for number in range(doc.page_count):
        page = doc[number]
        zoom = TABLET_WIDTH / page.rect.width
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom))
        data = encode_page(pix, photo=is_photo_page(page), quality=JPEG_QUALITY)
        (out / f"{number}.img").write_bytes(data)
    elapsed = time.perf_counter() - t0
    doc.close()
    return elapsed


def native_jpeg_render(b: Bench, out: Path, samples: int = 30) -> float:
    """The bare loop with MuPDF's own JPEG writer, on a sample (it is slow); seconds per page."""
    doc = pymupdf.open(b.path)
    sample = list(range(0, doc.page_count, max(1, doc.page_count // samples)))
    t0 = time.perf_counter()
    for number in sample:
        page = doc[number]
        zoom = TABLET_WIDTH / page.rect.width
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom))
        (out / f"n{number}.jpg").write_bytes(pix.tobytes("jpeg", jpg_quality=JPEG_QUALITY))
    per_page = (time.perf_counter() - t0) / len(sample)
    doc.close()
    return per_page


async def pool_render(b: Bench) -> float:
    """Every page at tablet width through PdfWorkers.render_all into an empty cache; seconds."""
    await b.workers.drop_cache(b.sha)
    t0 = time.perf_counter()
    made = await b.workers.render_all(b.path, b.sha, [TABLET_WIDTH])
    elapsed = time.perf_counter() - t0
    assert made == b.pages
    return elapsed


async def phase_render(b: Bench, rounds: int = 3) -> None:
    """Bare single-process rendering vs PdfWorkers, alternated so both see the same machine."""
    print(f"rendering every page at {TABLET_WIDTH} px, encoded per page (`encode_page`)")
    bare_times, pool_times = [], []
    for r in range(rounds):
        bare = bare_render(b, b.root / f"bare{r}")
        pool = await pool_render(b)
        bare_times.append(bare)
        pool_times.append(pool)
        _print(
            f"round {r + 1}: bare 1 process / PdfWorkers ({b.workers.workers})",
            f"{b.pages / bare:.1f} / {b.pages / pool:.1f} p/s",
            f"ratio {bare / pool:.2f}×",
        )
    native = native_jpeg_render(b, b.root / "bare0")
    bare = statistics.median(bare_times)
    pool = statistics.median(pool_times)
    sizes = [
        path.stat().st_size
        for path in (b.workers.cached_page(b.sha, n, TABLET_WIDTH) for n in range(b.pages))
        if path is not None
    ]
    b.figures.update(bare_pps=b.pages / bare, pool_pps=b.pages / pool, render_all_s=pool)
    _print("bare single process (same encoder as eCabinet)", f"{b.pages / bare:.1f} pages/s")
    _print("bare single process, MuPDF's own JPEG writer", f"{1 / native:.1f} pages/s", "(sample)")
    _print("PdfWorkers.render_all", f"{b.pages / pool:.1f} pages/s")
    _print("every page rendered through PdfWorkers", f"{pool:.2f} s", "(target ≤ 12 s)")
    ratios = sorted(bt / pt for bt, pt in zip(bare_times, pool_times, strict=True))
    b.figures["render_ratio"] = statistics.median(ratios)
    _print(
        "ratio to bare, same encoder: median (best)",
        f"{statistics.median(ratios):.2f}× ({ratios[-1]:.2f}×)",
        "(target ≥ 1.6×)",
    )
    _print("ratio to bare, MuPDF JPEG writer", f"{b.pages * native / pool:.2f}×")
    _print("page image size median", f"{statistics.median(sizes) / 1024:.0f} KiB")


def phase_cached_reads(b: Bench, lookups: int = 5000) -> None:
    """Cached page look-up (no process hop) and read, as the HTTP layer would serve it."""
    rng = random.Random(7)
    times = []
    for _ in range(lookups):
        number = rng.randrange(b.pages)
        t0 = time.perf_counter()
        path = b.workers.cached_page(b.sha, number, TABLET_WIDTH)
        assert path is not None
        path.read_bytes()
        times.append(time.perf_counter() - t0)
    times.sort()
    p50 = times[len(times) // 2]
    p99 = times[int(len(times) * 0.99)]
    miss = []
    for _ in range(lookups):
        t0 = time.perf_counter()
        b.workers.cached_page(b.sha, rng.randrange(b.pages), 1024)
        miss.append(time.perf_counter() - t0)
    print(f"cached page look-up + read ({lookups} random pages)")
    _print("p50", _ms(p50))
    _print("p99", _ms(p99), "(target ≤ 5 ms, before HTTP)")
    _print("miss look-up p50", _ms(statistics.median(miss)))


async def phase_watermark(b: Bench, pages: int = 60) -> None:
    """Watermarked vs plain render: in process (interleaved) and through PdfWorkers."""
    doc = pymupdf.open(b.path)
    render_page_jpeg(doc, 0, TABLET_WIDTH, watermark=VIEWER)  # build the stamp once
    plain = marked = 0.0
    for _ in range(2):
        for number in range(pages):
            t0 = time.perf_counter()
            render_page_jpeg(doc, number, TABLET_WIDTH)
            t1 = time.perf_counter()
            render_page_jpeg(doc, number, TABLET_WIDTH, watermark=VIEWER)
            t2 = time.perf_counter()
            plain += t1 - t0
            marked += t2 - t1
    doc.close()

    width = 1024  # not cached yet: every request below is a real render
    await b.workers.render_page(b.path, b.sha, b.pages - 1, width, VIEWER)  # warm stamps
    pool_plain = pool_marked = 0.0
    for number in range(pages):
        t0 = time.perf_counter()
        await b.workers.render_page(b.path, b.sha, number, width)
        t1 = time.perf_counter()
        await b.workers.render_page(b.path, b.sha, number, width, VIEWER)
        t2 = time.perf_counter()
        pool_plain += t1 - t0
        pool_marked += t2 - t1
    b.figures["wm_ratio"] = marked / plain
    print(f"watermark ({pages} pages, viewer name + unit + time, tiled)")
    _print(
        f"in process at {TABLET_WIDTH} px: plain / marked per page",
        f"{plain / pages / 2 * 1000:.1f} / {marked / pages / 2 * 1000:.1f} ms",
    )
    _print("  ratio", f"{marked / plain:.2f}", "(target ≤ 1.2)")
    _print(
        f"PdfWorkers.render_page at {width} px: plain / marked",
        f"{pool_plain / pages * 1000:.1f} / {pool_marked / pages * 1000:.1f} ms",
    )
    _print("  ratio", f"{pool_marked / pool_plain:.2f}")


# ---------------------------------------------------------------------------
# The same cached pages served over HTTP by a real node (added with the documents feature)

HTTP_PASSWORD = "bench-password-1"


async def _published_node(b: Bench) -> tuple[str, str, int, int]:
    """A SQLite node under b.root with the book as a published meeting's document.

    Returns (database URL, secret key, document id, version id). The node's page cache is
    the bench's, so every page at tablet width is already rendered.
    """
    import shutil
    from datetime import datetime, timedelta

    from ecabinet import accounts, agenda, db, documents, meetings, units
    from ecabinet.config import Settings
    from ecabinet.models import ParticipantRole, Role, User
    from ecabinet.schema import upgrade_async
    from ecabinet.workdays import VIETNAM

    url = f"sqlite+aiosqlite:///{b.root / 'node.sqlite'}"
    settings = Settings(data_dir=b.root, database_url=url, secret_key="bench-" + b.sha[:16],
                        render_widths=(TABLET_WIDTH,))
    assert b.workers.cache.root == settings.cache_dir
    accounts.configure_hashing(1, 8192)
    blob = documents.blob_path(settings.documents_dir, b.sha)
    blob.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(b.path, blob)
    await upgrade_async(url)
    engine = db.create_engine(url)
    factory = db.sessionmaker(engine)
    ids: dict[str, int] = {}
    async with db.transaction(factory) as s:
        unit = await units.create_unit(s, name="UBND tỉnh Thừa Thiên Huế", kind="province")
        for name, role in (("thuky", Role.secretary), ("chutich", Role.chair),
                           ("daibieu", Role.delegate)):
            user = await accounts.create_user(s, username=name, full_name=name.title(),
                                              password=HTTP_PASSWORD, role=role, unit_id=unit.id)
            ids[name] = user.id
        secretary = await s.get_one(User, ids["thuky"])
        meeting = await meetings.create_meeting(s, secretary, meetings.MeetingInput(
            title="Phiên họp thường kỳ", unit_id=unit.id, chair_id=ids["chutich"],
            starts_at=datetime.now(VIETNAM) + timedelta(days=1), urgent=True,
            participants=[(ids["daibieu"], ParticipantRole.delegate)]))
        item = await agenda.add_item(s, secretary, meeting.id,
                                     agenda.ItemInput(title="Tài liệu phiên họp"))
        info = await b.workers.validate(b.data, max_bytes=len(b.data), max_pages=b.pages)
        doc, version = await documents.add_document(
            s, secretary, item.id, documents.Accepted(info, "tai-lieu.pdf", blob, False))
        ids.update(meeting=meeting.id, doc=doc.id, version=version.id)
    library = documents.Library(settings, factory, workers=b.workers)
    await library.process(ids["version"])  # text and word boxes into the database
    await library.drain()
    async with db.transaction(factory) as s:
        for step, who in (("submit", "thuky"), ("approve", "chutich"), ("publish", "thuky")):
            await meetings.transition(s, await s.get_one(User, ids[who]), ids["meeting"], step)
    await engine.dispose()
    return url, settings.secret_key, ids["doc"], ids["version"]


def _repo_root() -> str:
    """The checkout this bench runs from, for the server processes' import path."""
    return str(Path(__file__).resolve().parents[1])


async def _latencies(client: httpx.AsyncClient, paths: list[str], parallel: int
                     ) -> tuple[float, float, float]:
    """(p50, p99, requests per second) of GETs of `paths` by `parallel` concurrent workers."""
    for path in paths[:50]:  # warm up connections and the OS page cache
        (await client.get(path)).raise_for_status()
    times: list[float] = []

    async def worker(share: list[str]) -> None:
        for path in share:
            t0 = time.perf_counter()
            response = await client.get(path)
            times.append(time.perf_counter() - t0)
            response.raise_for_status()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(paths[i::parallel]) for i in range(parallel)))
    wall = time.perf_counter() - t0
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99)], len(paths) / wall


async def phase_http(b: Bench, requests: int = 2000, concurrency: int = 8) -> None:
    """Cached page images through uvicorn on loopback, logged in, against bare StaticFiles.

    The node runs in its own process (`uvicorn --factory ecabinet.app:create_app`); a
    delegate fetches random page images at tablet width, every one already cached. The
    baseline is uvicorn serving the same image files with Starlette's StaticFiles (no session,
    no database, no access check), measured with the same client in the same run.
    """
    import socket

    url, secret, doc_id, version_id = await _published_node(b)
    ports = []
    for _ in range(2):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
    env = {**os.environ, "ECABINET_DATA_DIR": str(b.root), "ECABINET_DATABASE_URL": url,
           "ECABINET_SECRET_KEY": secret, "ECABINET_RENDER_WIDTHS": str(TABLET_WIDTH),
           "PYTHONPATH": _repo_root()}
    bare_app = (
        "import uvicorn\nfrom starlette.applications import Starlette\n"
        "from starlette.routing import Mount\nfrom starlette.staticfiles import StaticFiles\n"
        f"files = StaticFiles(directory={str(b.workers.cache.root)!r})\n"
        "app = Starlette(routes=[Mount('/', files)])\n"
        f"uvicorn.run(app, host='127.0.0.1', port={ports[1]}, log_level='warning')\n"
    )
    servers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "uvicorn", "--factory", "ecabinet.app:create_app",
            "--host", "127.0.0.1", "--port", str(ports[0]), "--log-level", "warning",
            "--ws", "websockets-sansio", env=env),
        await asyncio.create_subprocess_exec(sys.executable, "-c", bare_app, env=env),
    ]
    rng = random.Random(11)
    numbers = [rng.randrange(b.pages) for _ in range(requests)]
    node_paths = [f"/api/documents/{doc_id}/versions/{version_id}/pages/{n + 1}/image"
                  f"?w={TABLET_WIDTH}" for n in numbers]
    cache = b.workers.cache
    bare_paths = [f"/{cache.page_path(b.sha, n, TABLET_WIDTH, None).relative_to(cache.root)}"
                  for n in numbers]
    try:
        node = httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}", timeout=30)
        bare = httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[1]}", timeout=30)
        async with node, bare:
            for client, probe in ((node, "/healthz"), (bare, bare_paths[0])):
                for _ in range(400):
                    try:
                        await client.get(probe)
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.05)
            login = await node.post("/api/login", json={"username": "daibieu",
                                                        "password": HTTP_PASSWORD})
            login.raise_for_status()
            print(f"cached page over HTTP: {requests} random pages at {TABLET_WIDTH} px, "
                  "uvicorn on loopback, one httpx client process (keep-alive)")
            for parallel in (1, concurrency):
                n50, n99, nrate = await _latencies(node, node_paths, parallel)
                s50, s99, srate = await _latencies(bare, bare_paths, parallel)
                label = "1 client" if parallel == 1 else f"{parallel} clients"
                _print(f"eCabinet, logged-in delegate, {label}: p50 / p99",
                       f"{n50 * 1000:.1f} / {n99 * 1000:.1f} ms",
                       f"{nrate:.0f} pages/s" + ("  (target p99 ≤ 5 ms)" if parallel == 1 else ""))
                _print(f"bare StaticFiles, {label}: p50 / p99",
                       f"{s50 * 1000:.1f} / {s99 * 1000:.1f} ms", f"{srate:.0f} pages/s")
                _print("  ratio eCabinet / bare (p50, p99)", f"{n50 / s50:.2f} / {n99 / s99:.2f}")
                if parallel == 1:
                    b.figures["http_p50_ms"] = n50 * 1000
                    b.figures["http_p99_ms"] = n99 * 1000
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            await server.wait()


# ---------------------------------------------------------------------------
# How server-rendered pages are encoded: size and time per page, against JPEG


@dataclass
class _Encoded:
    """Sizes (bytes) and encode times (seconds) of a sample of pages, per encoder."""

    new_sizes: list[int] = field(default_factory=list)
    new_times: list[float] = field(default_factory=list)
    jpeg_sizes: list[int] = field(default_factory=list)
    jpeg_times: list[float] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)


def _encode_sample(path: Path, pages: list[int], watermark: Watermark | None = None) -> _Encoded:
    """Each of `pages` drawn once at tablet width, then encoded by `encode_page` and as JPEG.

    The new encoder's time includes the photo test on the page, as the worker runs it.
    """
    out = _Encoded()
    doc = pymupdf.open(path)
    for number in pages:
        page = doc[number]
        pix = render_pixmap(page.get_displaylist(), TABLET_WIDTH, watermark=watermark)
        t0 = time.perf_counter()
        data = encode_page(pix, photo=is_photo_page(page), quality=JPEG_QUALITY)
        t1 = time.perf_counter()
        jpeg = encode_jpeg(pix, JPEG_QUALITY)
        t2 = time.perf_counter()
        out.new_sizes.append(len(data))
        out.new_times.append(t1 - t0)
        out.jpeg_sizes.append(len(jpeg))
        out.jpeg_times.append(t2 - t1)
        if data[:2] == b"\xff\xd8":
            kind = "JPEG"
        else:
            image = Image.frombuffer("RGB", (pix.width, pix.height), pix.samples_mv, "raw",
                                     "RGB", pix.stride, 1)
            kind = "grey WebP" if is_grey(image) else "colour WebP"
        out.kinds[kind] = out.kinds.get(kind, 0) + 1
    doc.close()
    return out


def _print_encoded(label: str, e: _Encoded, target: str = "") -> None:
    kb = 1024
    _print(label, "", "")
    _print(f"  median size: new / JPEG q{JPEG_QUALITY}",
           f"{statistics.median(e.new_sizes) / kb:.0f} / "
           f"{statistics.median(e.jpeg_sizes) / kb:.0f} KB",
           target)
    _print("  median encode time: new / JPEG",
           f"{statistics.median(e.new_times) * 1000:.0f} / "
           f"{statistics.median(e.jpeg_times) * 1000:.0f} ms")
    _print("  pages by encoding", ", ".join(f"{n} {k}" for k, n in sorted(e.kinds.items())))


def _spread(pages: list[int], samples: int) -> list[int]:
    """At most `samples` of `pages`, evenly spread."""
    step = max(1, math.ceil(len(pages) / samples))
    return pages[::step]


def phase_page_encoding(b: Bench, samples: int = 100, marked: int = 20) -> None:
    """Server-rendered text pages at tablet width: `encode_page` against JPEG q80, same pixmaps."""
    print(f"page encoding at {TABLET_WIDTH} px, text pages (scans left out), in one process")
    text = [n for n in range(b.pages) if (n + 1) % SCAN_EVERY != 0]
    sample = _spread(text, samples)
    book = _encode_sample(b.path, sample)
    _print_encoded(f"agenda book, {len(sample)} of {len(text)} text pages", book,
                   "(target ≤ 60 KB)")
    b.figures["text_page_kb"] = statistics.median(book.new_sizes) / 1024
    b.figures["text_page_jpeg_kb"] = statistics.median(book.jpeg_sizes) / 1024
    b.figures["text_page_encode_ms"] = statistics.median(book.new_times) * 1000
    scans = [n for n in range(b.pages) if (n + 1) % SCAN_EVERY == 0]
    _print_encoded(f"agenda book, its {len(scans)} scanned pages", _encode_sample(b.path, scans))
    _print_encoded(f"agenda book watermarked, {marked} text pages",
                   _encode_sample(b.path, _spread(text, marked), VIEWER))
    if not LIBTASN1_PDF.is_file():
        print(f"  {LIBTASN1_PDF} absent (Debian package libtasn1-doc): skipped")
        return
    with pymupdf.open(LIBTASN1_PDF) as manual:
        pages = [n for n in range(manual.page_count) if not is_photo_page(manual[n])]
    manual_sample = _encode_sample(LIBTASN1_PDF, _spread(pages, samples))
    _print_encoded(f"libtasn1.pdf, {len(manual_sample.new_sizes)} text pages", manual_sample,
                   "(target ≤ 60 KB)")
    b.figures["libtasn1_page_kb"] = statistics.median(manual_sample.new_sizes) / 1024


# ---------------------------------------------------------------------------


async def run(pages: int, workers: int, seeds: Path, only: str | None = None
              ) -> dict[str, float]:
    """Build the book, start the pool and run every phase (or `only` the server's pipeline
    or what reaches a tablet); returns the headline figures."""
    with tempfile.TemporaryDirectory(prefix="ecabinet-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        data = build_agenda_book(pages, seeds)
        sha = hashlib.sha256(data).hexdigest()
        path = root / f"{sha}.pdf"
        path.write_bytes(data)
        print(
            f"agenda book: {pages} pages, {len(data) / 1024 / 1024:.1f} MiB, "
            f"built in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.2f} (other processes compete for the cores)"
        )
        pool = PdfWorkers(root / "cache", workers=workers)
        await pool.start()
        bench = Bench(root=root, data=data, path=path, sha=sha, workers=pool, pages=pages)
        try:
            if only in (None, "pipeline"):
                phase_cpu_headroom(bench)
                await phase_ingest(bench)
                await phase_render(bench)
                phase_cached_reads(bench)
                await phase_http(bench)
                await phase_watermark(bench)
                phase_page_encoding(bench)
            if only in (None, "tablet"):
                await phase_tablet(bench)
        finally:
            await pool.close()
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
        return bench.figures


# ---------------------------------------------------------------------------
# What reaches a tablet: briefcase bytes and the first page over weak Wi-Fi

LIBTASN1 = Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf")


async def phase_tablet(b: Bench) -> None:
    """The book and libtasn1.pdf as a tablet gets them: drawn by PDF.js from the PDF,
    against today's server-rendered JPEG pages, in Chromium (bench/tablet.py)."""
    import tablet  # bench/tablet.py: Chromium and a node of its own

    documents = [("Tài liệu phiên họp (sách)", b.data)]
    reference = await asyncio.to_thread(
        lambda: LIBTASN1.read_bytes() if LIBTASN1.is_file() else b"")
    if reference:
        documents.append(("libtasn1 (tài liệu tham khảo)", reference))
    else:
        print(f"  ({LIBTASN1} not found: apt install libtasn1-doc to measure it too)")
    print(f"what reaches a tablet (800 × 1280 at 2×, pages at {tablet.WIDTH} px; first page "
          "over DevTools-emulated 2 Mbit/s, 100 ms; median of "
          f"{tablet.ROUNDS} rounds, cache cleared each time)")
    kb = 1024
    for r in await tablet.measure(documents):
        _print(f"{r.name}: {r.pages} pages, PDF", f"{r.pdf_bytes / kb:.0f} KiB")
        _print("  briefcase: PDF.js (measured) / today's pictures",
               f"{r.briefcase_bytes / kb:.0f} / {r.today_briefcase / kb:.0f} KiB",
               f"today's pictures alone {r.today_images / kb / kb:.1f} MiB")
        _print("  briefcase ÷ PDF bytes: PDF.js / today",
               f"{r.briefcase_bytes / r.pdf_bytes:.2f} / {r.today_briefcase / r.pdf_bytes:.1f}",
               "(target ≤ 1.3)")
        new, old = tablet.median(r.first_page_new), tablet.median(r.first_page_today)
        _print("  first page on screen: now / today's JPEG",
               f"{new:.2f} / {old:.2f} s", f"ratio {new / old:.2f}  (target ≤ 1.5 s)")
        _print("    of which drawn by PDF.js at",
               f"{tablet.median(r.first_page_pdfjs):.2f} s",
               "(a server picture of the page stands in until then)")
        key = "book" if r.pdf_bytes == len(b.data) else "libtasn1"
        b.figures[f"{key}_briefcase_ratio"] = r.briefcase_bytes / r.pdf_bytes
        b.figures[f"{key}_first_page_s"] = new


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--only", choices=["pipeline", "tablet"],
                        help="only the server's PDF pipeline, or only what reaches a tablet")
    args = parser.parse_args()
    asyncio.run(run(args.pages, args.workers, args.seeds, args.only))


if __name__ == "__main__":
    main()
