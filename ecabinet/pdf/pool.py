"""`PdfWorkers`: the asyncio face of PDF processing, run in a pool of worker processes.

PyMuPDF is not thread-safe and a page render holds the GIL, so all MuPDF work
runs in separate processes (forkserver by default: workers fork from a server
that already imported PyMuPDF, and never from the threaded server process).
The event loop only submits jobs, awaits them and checks whether a cached file
exists.

Rendered pages are cached on disk (`cache.PageCache`). Requests for a page
that is being rendered wait for that render instead of starting another, and
bulk rendering (`render_all`) is split into chunks of pages, each rendered by
one worker that opens the document once, with at most one chunk per worker
queued at a time so an interactive request never waits behind a whole book.

Each worker may allocate `memory_mb` at most (`jobs.limit_memory`), so a hostile
document costs a refused job, never the node's memory. A job that hits the limit
fails with `PdfWorkerOutOfMemory`; a worker that dies takes its pool with it and
a fresh pool serves the next job. Both are `PdfWorkerCrashed`.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ecabinet.pdf import jobs
from ecabinet.pdf.annotated import Annotation
from ecabinet.pdf.cache import PageCache, check_sha
from ecabinet.pdf.render import DEFAULT_JPEG_QUALITY, PageOutOfRange, check_width
from ecabinet.pdf.text import Word
from ecabinet.pdf.validate import PdfInfo
from ecabinet.pdf.watermark import Watermark

T = TypeVar("T")
_Key = tuple[str, int, int, str]  # (sha, page, width, watermark key or "")

# Per worker: about 220 MB once PyMuPDF is loaded, and room for a scanned A0 page's
# image, a 25-megapixel render and a 100 MB upload held twice.
DEFAULT_WORKER_MEMORY_MB = 1024


class PdfWorkerCrashed(RuntimeError):
    """A job failed with its worker: it died (the pool was replaced) or hit its memory limit."""


class PdfWorkerOutOfMemory(PdfWorkerCrashed):
    """A job needed more memory than a worker may have; the worker lives on."""


@dataclass(frozen=True)
class IngestResult:
    """What ingestion learnt about a document; tuples are indexed by 0-based page number."""

    page_count: int
    page_sizes: tuple[tuple[float, float], ...]  # (width, height) in points, as displayed
    texts: tuple[str, ...]
    words: tuple[tuple[Word, ...], ...]
    thumbnails: tuple[Path, ...]


def _exists(path: Path | str) -> bool:
    # One stat of a local file: microseconds, cheaper than any hand-off to a thread.
    return os.path.isfile(path)


def _ping(hold: float) -> int:
    # Held briefly so that each ping occupies its own worker and every one gets spawned.
    time.sleep(hold)
    return os.getpid()


class PdfWorkers:
    """Process pool for validation, ingestion, page rendering and annotated copies."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        workers: int = 2,
        thumbnail_width: int = 160,
        jpeg_quality: int = DEFAULT_JPEG_QUALITY,
        chunk_pages: int = 12,
        start_method: str = "forkserver",
        memory_mb: int = DEFAULT_WORKER_MEMORY_MB,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if memory_mb < 0:
            raise ValueError("memory_mb must be 0 (no limit) or more")
        self.cache = PageCache(cache_dir)
        self.workers = workers
        self.memory_mb = memory_mb
        self.thumbnail_width = check_width(thumbnail_width)
        self.jpeg_quality = jpeg_quality
        self.chunk_pages = max(1, chunk_pages)
        self.renders = 0
        """Page images handed to workers so far (thumbnails not counted)."""
        self._start_method = start_method
        self._executor = self._new_executor()
        self._inflight: dict[_Key, asyncio.Future[Path]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._background = asyncio.Semaphore(workers)
        self._started: ProcessPoolExecutor | None = None
        self._start_lock = asyncio.Lock()
        self._closed = False

    # -- pool plumbing -------------------------------------------------------

    def _new_executor(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context(self._start_method)
        if self._start_method == "forkserver":
            # Takes effect when this context starts its server (once per process).
            context.set_forkserver_preload(["ecabinet.pdf.jobs"])
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=jobs.init_worker,
            initargs=(self.memory_mb,),
        )

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise RuntimeError("PdfWorkers is closed")
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            executor = self._executor
            try:
                await self._ensure_started(executor)
                return await loop.run_in_executor(executor, jobs.run, fn, *args)
            except MemoryError as exc:
                # Raised in the worker at its limit; retrying would only hit it again.
                raise PdfWorkerOutOfMemory(
                    f"PDF worker ran out of memory running {fn.__name__}"
                ) from exc
            except BrokenProcessPool as exc:
                if self._executor is executor:
                    executor.shutdown(wait=False, cancel_futures=True)
                    self._executor = self._new_executor()
                # The job may have been an innocent bystander of another job's
                # crash: retry once on the fresh pool before giving up.
                if attempt == 2:
                    raise PdfWorkerCrashed(f"PDF worker died running {fn.__name__}") from exc
        raise AssertionError("unreachable")

    async def _ensure_started(self, executor: ProcessPoolExecutor) -> None:
        # Starting worker processes (and, the first time, the forkserver, which
        # imports PyMuPDF) takes up to a second and happens inside submit():
        # do it from a thread so the event loop never waits for it.
        if self._started is executor:
            return
        async with self._start_lock:
            if self._started is not executor:
                await asyncio.to_thread(self._spawn_all, executor)
                self._started = executor

    def _spawn_all(self, executor: ProcessPoolExecutor) -> None:
        for future in [executor.submit(_ping, 0.05) for _ in range(self.workers)]:
            future.result()

    async def start(self) -> None:
        """Start the worker processes now rather than on first use (call at app start-up)."""
        await self._ensure_started(self._executor)

    async def close(self) -> None:
        """Stop the workers; renders still queued are cancelled."""
        if self._closed:
            return
        self._closed = True
        executor = self._executor
        await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> PdfWorkers:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- documents -----------------------------------------------------------

    async def validate(self, source: bytes | Path, *, max_bytes: int, max_pages: int) -> PdfInfo:
        """`validate_pdf` in a worker; `source` is the upload's bytes or a file holding them."""
        arg: bytes | str = source if isinstance(source, bytes) else str(source)
        return await self._call(jobs.validate_job, arg, max_bytes, max_pages)

    async def page_count(self, path: Path) -> int:
        """Number of pages of a stored PDF."""
        return await self._call(jobs.count_pages_job, str(path))

    async def ingest(self, path: Path, sha: str) -> IngestResult:
        """Page sizes, text and word boxes of every page; thumbnails written to the cache.

        Pages are split across the workers, each opening the document once.
        """
        check_sha(sha)
        count = await self.page_count(path)
        if count == 0:
            return IngestResult(0, (), (), (), ())
        thumbs = [self.cache.thumbnail_path(sha, n, self.thumbnail_width) for n in range(count)]
        parts = min(count, self.workers * 2)
        size = math.ceil(count / parts)
        chunks = [list(range(start, min(count, start + size))) for start in range(0, count, size)]
        results = await asyncio.gather(
            *(
                self._call(
                    jobs.ingest_job,
                    str(path),
                    chunk,
                    [str(thumbs[n]) for n in chunk],
                    self.thumbnail_width,
                )
                for chunk in chunks
            )
        )
        pages = [page for part in results for page in part]
        return IngestResult(
            page_count=count,
            page_sizes=tuple((p.width, p.height) for p in pages),
            texts=tuple(p.text for p in pages),
            words=tuple(p.words for p in pages),
            thumbnails=tuple(thumbs),
        )

    async def annotated_copy(
        self, path: Path, annotations: Sequence[Annotation], *, author: str = ""
    ) -> bytes:
        """`compose_annotated_copy` of the stored PDF at `path` (which is only read)."""
        return await self._call(jobs.annotated_job, str(path), list(annotations), author)

    # -- page images ---------------------------------------------------------

    def cached_page(
        self, sha: str, page: int, width: int, watermark: Watermark | None = None
    ) -> Path | None:
        """The cached image (WebP or JPEG) of a page if it exists: one stat, no process hop."""
        return self.cache.lookup_page(sha, page, width, watermark)

    def cached_thumbnail(self, sha: str, page: int) -> Path | None:
        """The cached PNG thumbnail of a page if ingestion wrote it."""
        return self.cache.lookup_thumbnail(sha, page, self.thumbnail_width)

    async def render_page(
        self,
        path: Path,
        sha: str,
        page: int,
        width: int,
        watermark: Watermark | None = None,
    ) -> Path:
        """Path of the image of `page` (0-based) at `width` px, rendering it once if needed.

        Concurrent calls for the same image share one render. Raises
        `PageOutOfRange` for a page the document does not have.
        """
        target = self.cache.page_path(sha, page, width, watermark)
        if _exists(target):
            return target
        key = (sha, page, width, watermark.key if watermark else "")
        future = self._inflight.get(key)
        if future is None:
            item = jobs.RenderItem(page, width, watermark, str(target))
            future = self._launch(path, [(key, item)])[0]
        # shield: a client that gives up must not cancel a render others wait for.
        return await asyncio.shield(future)

    async def render_all(
        self,
        path: Path,
        sha: str,
        widths: Sequence[int],
        *,
        pages: Sequence[int] | None = None,
    ) -> int:
        """Render every page (or `pages`) at each of `widths`, unwatermarked; returns images made.

        Already-cached images are skipped; images another call is rendering are
        awaited, not redone. Returns when every requested image is in the cache.
        """
        check_sha(sha)
        for width in widths:
            check_width(width)
        count = await self.page_count(path)
        numbers = list(range(count)) if pages is None else list(pages)
        for number in numbers:
            if not 0 <= number < count:
                raise PageOutOfRange(f"page {number} not in 0..{count - 1}")
        waiting: list[asyncio.Future[Path]] = []
        todo: list[tuple[_Key, jobs.RenderItem]] = []
        for number in numbers:
            for width in widths:
                key = (sha, number, width, "")
                target = self.cache.page_path(sha, number, width, None)
                if key in self._inflight:
                    waiting.append(self._inflight[key])
                elif not _exists(target):
                    todo.append((key, jobs.RenderItem(number, width, None, str(target))))
        # Small enough chunks that every worker gets several (no straggler at
        # the end), large enough that opening the document is amortised.
        pages_per_chunk = min(self.chunk_pages, math.ceil(len(numbers) / (self.workers * 4)))
        per_chunk = max(1, pages_per_chunk) * max(1, len(widths))
        chunks = [todo[i : i + per_chunk] for i in range(0, len(todo), per_chunk)]

        launched = 0

        async def run(chunk: list[tuple[_Key, jobs.RenderItem]]) -> None:
            nonlocal launched
            async with self._background:
                # Re-check: an interactive request may have taken some meanwhile.
                fresh = [
                    (key, item)
                    for key, item in chunk
                    if key not in self._inflight and not _exists(item.target)
                ]
                if fresh:
                    self._launch(path, fresh)
                    launched += len(fresh)
                await asyncio.gather(*(self._inflight[k] for k, _ in chunk if k in self._inflight))

        await asyncio.gather(*(run(chunk) for chunk in chunks), *waiting)
        return launched

    def _launch(
        self, path: Path, batch: Sequence[tuple[_Key, jobs.RenderItem]]
    ) -> list[asyncio.Future[Path]]:
        """Submit one render job for `batch`; returns one future per image, shared via _inflight."""
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[Path]] = []
        for key, _ in batch:
            future: asyncio.Future[Path] = loop.create_future()
            # Mark the exception retrieved even if every waiter went away.
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._inflight[key] = future
            futures.append(future)
        self.renders += len(batch)
        items = [item for _, item in batch]

        async def work() -> None:
            try:
                await self._call(jobs.render_job, str(path), items, self.jpeg_quality)
            except asyncio.CancelledError:
                for (key, _), future in zip(batch, futures, strict=True):
                    self._inflight.pop(key, None)
                    future.cancel()
                raise
            except Exception as exc:
                for (key, _), future in zip(batch, futures, strict=True):
                    self._inflight.pop(key, None)
                    if not future.done():
                        future.set_exception(exc)
            else:
                for (key, item), future in zip(batch, futures, strict=True):
                    self._inflight.pop(key, None)
                    if not future.done():
                        future.set_result(Path(item.target))

        task = loop.create_task(work())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return futures

    async def drop_cache(self, sha: str) -> None:
        """Delete every cached image of a document (e.g. when it is deleted or replaced)."""
        await asyncio.to_thread(self.cache.drop, sha)
