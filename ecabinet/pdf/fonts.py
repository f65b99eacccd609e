"""Locate the TrueType fonts used for Vietnamese text in generated PDFs and watermarks."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

# Debian packages installed by set-up (fonts-noto-core, fonts-dejavu-core); both
# cover every Vietnamese precomposed letter, which PDF base-14 fonts do not.
_CANDIDATES: dict[str, tuple[str, ...]] = {
    "serif": (
        "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    ),
    "serif-bold": (
        "/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    ),
    "serif-italic": (
        "/usr/share/fonts/truetype/noto/NotoSerif-Italic.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf",
    ),
    "sans": (
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ),
    "sans-bold": (
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
}


class FontMissing(RuntimeError):
    """No font able to render Vietnamese was found; set-up installs one."""


@cache
def font_file(style: str = "serif") -> str:
    """Path of a Vietnamese-capable TTF for `style` (serif, serif-bold, serif-italic, sans...)."""
    override = os.environ.get("ECABINET_FONT_PATH", "")
    if override and style == "serif" and Path(override).is_file():
        return override
    for candidate in _CANDIDATES[style]:
        if Path(candidate).is_file():
            return candidate
    raise FontMissing(
        f"no {style} font found; install fonts-noto-core or fonts-dejavu-core "
        "(the set-up step does this)"
    )
