"""How this package opens documents with PyMuPDF: quietly, as PDF, collecting MuPDF's messages."""

from __future__ import annotations

from pathlib import Path

import pymupdf

_quiet = False


def quiet_mupdf() -> None:
    """Stop MuPDF printing to stderr; its warnings stay readable through `take_warnings()`."""
    global _quiet
    if _quiet:
        return
    # A hostile or broken upload can make MuPDF print hundreds of lines per page;
    # that belongs in a rejection code, not in the server log.
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    _quiet = True


def take_warnings() -> str:
    """MuPDF warnings and errors recorded since the last call (process-wide), then clear them."""
    return str(pymupdf.TOOLS.mupdf_warnings(reset=True))


def out_of_memory(exc: BaseException) -> bool:
    """Whether `exc` reports a failed allocation: Python's MemoryError or MuPDF's malloc error."""
    if isinstance(exc, MemoryError):
        return True
    # MuPDF throws a system error "malloc (N bytes) failed" (PyMuPDF may re-raise it
    # as a RuntimeError with the same text) when the worker's memory limit is reached.
    message = str(exc).lower()
    return "malloc" in message or "out of memory" in message


def open_pdf(source: bytes | Path | str) -> pymupdf.Document:
    """Open a PDF from bytes or a file path (always parsed as PDF, never guessed from content)."""
    quiet_mupdf()
    if isinstance(source, bytes | bytearray | memoryview):
        return pymupdf.open(stream=bytes(source), filetype="pdf")
    return pymupdf.open(str(source), filetype="pdf")
