"""On-disk cache of rendered page images, keyed by (document SHA-256, page, width, watermark).

Layout: ``<root>/<sha[:2]>/<sha>/p<page>-w<width>[-m<watermark key>].img`` and
``.../t<page>-w<width>.png`` for thumbnails. A page file is WebP or JPEG, whichever
`render.encode_page` chose for the page, hence the neutral extension: the reader
learns the format from the file's first bytes (`render.image_media_type`).
Every path component is built from validated values (hex digest, integers, a
hash), never from user text, so no request can name a file outside the cache.
Files are written to a temporary name and renamed into place, so a reader sees
either no file or a whole one.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from ecabinet.pdf.render import check_width
from ecabinet.pdf.watermark import Watermark

_SHA256 = re.compile(r"[0-9a-f]{64}")


def check_sha(sha: str) -> str:
    """Return `sha` if it is a lowercase hex SHA-256 digest, else raise ValueError."""
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise ValueError("document id must be a lowercase hex SHA-256 digest")
    return sha


def _check_page(page: int) -> int:
    if not isinstance(page, int) or isinstance(page, bool) or page < 0:
        raise ValueError("page must be a non-negative integer (0-based)")
    return page


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same directory and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class PageCache:
    """Paths and look-ups of cached page images under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def document_dir(self, sha: str) -> Path:
        """Directory holding every cached image of one document."""
        check_sha(sha)
        return self.root / sha[:2] / sha

    def page_path(self, sha: str, page: int, width: int, watermark: Watermark | None) -> Path:
        """Where the image of (page, width, watermark) of document `sha` lives, cached or not."""
        _check_page(page)
        check_width(width)
        mark = f"-m{watermark.key}" if watermark is not None else ""
        return self.document_dir(sha) / f"p{page}-w{width}{mark}.img"

    def thumbnail_path(self, sha: str, page: int, width: int) -> Path:
        """Where the PNG thumbnail of (page, width) of document `sha` lives, cached or not."""
        _check_page(page)
        check_width(width)
        return self.document_dir(sha) / f"t{page}-w{width}.png"

    def lookup_page(
        self, sha: str, page: int, width: int, watermark: Watermark | None
    ) -> Path | None:
        """Path of the cached page image, or None if it has not been rendered yet."""
        path = self.page_path(sha, page, width, watermark)
        return path if path.is_file() else None

    def lookup_thumbnail(self, sha: str, page: int, width: int) -> Path | None:
        """Path of the cached thumbnail, or None."""
        path = self.thumbnail_path(sha, page, width)
        return path if path.is_file() else None

    def drop(self, sha: str) -> None:
        """Delete every cached image of document `sha` (blocking; run off the event loop)."""
        shutil.rmtree(self.document_dir(sha), ignore_errors=True)

    def purge_watermarked(self, older_than: float, now: float | None = None) -> int:
        """Delete watermarked page images last written more than `older_than` seconds ago.

        A watermark names its viewer and the minute of viewing, so such an image is never
        served again once its minute has passed; kept, they would fill the disk with
        copies of restricted pages bearing people's names. Blocking: run off the loop.
        """
        cutoff = (time.time() if now is None else now) - older_than
        removed = 0
        # Any extension: ``.img``, and ``.jpg`` left by versions that wrote only JPEG,
        # which are no longer served but still bear names. Temporary files start with
        # a dot and are not matched.
        for path in self.root.glob("??/*/p*-w*-m*.*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass  # another purge, or the document's drop, got there first
        return removed
