"""Where a visible signature is drawn: a page index and a rectangle on it."""

from __future__ import annotations

from typing import NamedTuple


class SignatureBox(NamedTuple):
    """A signature widget's place: 0-based page index, rect (x0, y0, x1, y1) in points.

    The rectangle uses PyMuPDF's convention (origin top-left, y grows downwards), the
    same the composer reports; the signer converts it to PDF user space itself.
    """

    page: int
    rect: tuple[float, float, float, float]
