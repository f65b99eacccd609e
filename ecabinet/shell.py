"""The app shell a tablet keeps so the UI starts without a network, and the service worker
that keeps it.

A tablet that has opened eCabinet once must open it again in the hall with the Wi-Fi down,
or after the server went away: the service worker caches the page, every script and style,
and the third-party code the reader needs (PDF.js and its worker) when it installs, not
only what the tablet happened to load. The list is built from the static directory and
written into the worker's source, with a version over the files' sizes and times, so any
change to the UI makes the browser install the new worker and refresh the shell.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

# Third-party files the UI imports, under static/node_modules. PDF.js's fonts, CMaps and
# decoders load only for documents that need them and are cached when first fetched.
VENDOR_FILES = (
    "socket.io-client/dist/socket.io.esm.min.js",
    "qrcode-generator/dist/qrcode.mjs",
    # PDF.js's legacy build: the modern one needs this year's browsers; tablets lag years.
    "pdfjs-dist/legacy/build/pdf.min.mjs",
    "pdfjs-dist/legacy/build/pdf.worker.min.mjs",
)
PLACEHOLDER = "/*SHELL*/"


def shell_files(static_dir: Path) -> list[Path]:
    """The static files of the shell, in a stable order (missing vendor files skipped)."""
    own = [p for pattern in ("css/*.css", "js/**/*.js") for p in sorted(static_dir.glob(pattern))]
    vendor = [static_dir / "node_modules" / name for name in VENDOR_FILES]
    return [p for p in [*own, *vendor] if p.is_file()]


def shell_urls(static_dir: Path) -> list[str]:
    """What the worker caches at install: the page itself, then every shell file's URL."""
    return ["/", *(f"/static/{p.relative_to(static_dir).as_posix()}"
                   for p in shell_files(static_dir))]


def shell_version(static_dir: Path) -> str:
    """A short hash over the shell files' names, sizes and modification times."""
    digest = hashlib.sha256()
    for path in [static_dir / "index.html", static_dir / "sw.js", *shell_files(static_dir)]:
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(static_dir)}:{stat.st_size}:{stat.st_mtime_ns}\n"
                          .encode())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=4)
def _source(static_dir: Path, version: str) -> bytes:
    template = (static_dir / "sw.js").read_text(encoding="utf-8")
    shell = json.dumps({"version": version, "urls": shell_urls(static_dir)})
    return template.replace(PLACEHOLDER, shell, 1).encode("utf-8")


def service_worker_source(static_dir: Path) -> bytes:
    """sw.js with the shell's version and URLs written in (rebuilt when a file changes)."""
    return _source(static_dir, shell_version(static_dir))
