"""The work done inside PDF worker processes: top-level, picklable functions over file paths.

Each job opens the document once and handles a whole batch of pages with it,
so MuPDF's per-document caches (fonts, images, the page tree) are reused from
page to page; results are either small values or files written atomically into
the page cache.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pymupdf import mupdf

from ecabinet.pdf.annotated import Annotation, compose_annotated_copy
from ecabinet.pdf.cache import write_atomic
from ecabinet.pdf.engine import open_pdf, out_of_memory, quiet_mupdf
from ecabinet.pdf.render import (
    encode_page,
    encode_png,
    is_photo_page,
    load_page,
    render_pixmap,
)
from ecabinet.pdf.text import Word, text_and_words
from ecabinet.pdf.validate import PdfInfo, PdfRejected, check_size, validate_pdf
from ecabinet.pdf.watermark import Watermark

T = TypeVar("T")


def init_worker(memory_mb: int = 0) -> None:
    """Process initializer: silence MuPDF's stderr output, cap memory at `memory_mb` (0: no cap)."""
    quiet_mupdf()
    if memory_mb > 0:
        limit_memory(memory_mb * 1024 * 1024)


def limit_memory(limit: int) -> None:
    """Let this process allocate at most `limit` bytes of data (heap and anonymous mappings).

    RLIMIT_DATA rather than RLIMIT_AS: it counts the heap and the private writable
    mappings MuPDF, Pillow and Python allocate (about 220 MB once PyMuPDF is loaded),
    not shared libraries or mapped files, so the limit means memory. Past it, malloc
    fails: MuPDF throws (or skips what it was drawing), Python raises MemoryError,
    and the job fails instead of the node swapping or the kernel's OOM killer
    picking a process, perhaps the server's.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)  # a container may already allow less
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def run(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a worker, failing only with exceptions the server can unpickle.

    MuPDF's own exception types carry SWIG objects that do not pickle; a failed
    allocation becomes MemoryError, anything else MuPDF throws a RuntimeError.
    """
    try:
        return fn(*args)
    except (PdfRejected, MemoryError):
        raise
    except Exception as exc:
        if out_of_memory(exc):
            raise MemoryError(str(exc)) from None
        if isinstance(exc, mupdf.FzErrorBase):
            raise RuntimeError(str(exc)) from None
        raise


@dataclass(frozen=True)
class PageContent:
    """What ingestion learns about one page."""

    width: float  # points, as displayed (after /Rotate)
    height: float
    text: str
    words: tuple[Word, ...]


@dataclass(frozen=True)
class RenderItem:
    """One page image to produce: page (0-based), width in pixels, watermark, target file."""

    page: int
    width: int
    watermark: Watermark | None
    target: str


def validate_job(source: bytes | str, max_bytes: int, max_pages: int) -> PdfInfo:
    """`validate_pdf` on bytes, or on the bytes of a file path."""
    if isinstance(source, bytes):
        data = source
    else:
        # Refuse an oversized file before reading it into memory.
        check_size(os.path.getsize(source), max_bytes=max_bytes)
        data = Path(source).read_bytes()
    return validate_pdf(data, max_bytes=max_bytes, max_pages=max_pages)


def count_pages_job(path: str) -> int:
    """Number of pages of the PDF at `path`."""
    with open_pdf(path) as doc:
        return int(doc.page_count)


def ingest_job(
    path: str, pages: Sequence[int], thumbnails: Sequence[str], thumbnail_width: int
) -> list[PageContent]:
    """Text, word boxes and size of `pages`; page i's PNG thumbnail goes to `thumbnails[i]`."""
    out: list[PageContent] = []
    with open_pdf(path) as doc:
        for number, thumb in zip(pages, thumbnails, strict=True):
            page = load_page(doc, number)
            # One interpretation of the content stream feeds text and thumbnail.
            display_list = page.get_displaylist()
            text, words = text_and_words(display_list)
            rect = page.rect
            out.append(
                PageContent(
                    width=round(rect.width, 2),
                    height=round(rect.height, 2),
                    text=text,
                    words=tuple(words),
                )
            )
            write_atomic(Path(thumb), encode_png(render_pixmap(display_list, thumbnail_width)))
    return out


def render_job(path: str, items: Sequence[RenderItem], quality: int) -> int:
    """Render `items` (grouped by page, one display list per page) into their target files.

    Each image is encoded by `encode_page`: JPEG (`quality`) for photo pages, WebP else.
    """
    done = 0
    with open_pdf(path) as doc:
        current = -1
        display_list = None
        photo = False
        for item in items:
            if item.page != current or display_list is None:
                page = load_page(doc, item.page)
                display_list = page.get_displaylist()
                # Decided on the page, not the pixels: a scan and a drawing can look alike.
                photo = is_photo_page(page)
                current = item.page
            pix = render_pixmap(display_list, item.width, watermark=item.watermark)
            write_atomic(Path(item.target), encode_page(pix, photo=photo, quality=quality))
            done += 1
    return done


def annotated_job(path: str, annotations: Sequence[Annotation], author: str) -> bytes:
    """`compose_annotated_copy` of the PDF stored at `path` (which is only read)."""
    return compose_annotated_copy(Path(path).read_bytes(), annotations, author=author)
