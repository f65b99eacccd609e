"""Server-side message catalogue (Vietnamese first, English on request)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_LOCALES = Path(__file__).with_name("locales")


@cache
def catalogue(language: str) -> dict[str, str]:
    """All messages of one language, keyed by error or label code.

    Each feature keeps its messages in locales/<language>/<feature>.json.
    """
    data: dict[str, str] = {}
    for path in sorted((_LOCALES / language).glob("*.json")):
        data.update(json.loads(path.read_text("utf-8")))
    return data


def pick_language(*candidates: str | None) -> str:
    """The first supported language among explicit choices and Accept-Language values."""
    for candidate in candidates:
        if not candidate:
            continue
        for part in candidate.split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE


def translate(code: str, language: str, params: dict[str, Any] | None = None) -> str:
    """The message for `code` in `language`, falling back to Vietnamese, then the code."""
    template = catalogue(language).get(code) or catalogue(DEFAULT_LANGUAGE).get(code) or code
    try:
        return template.format(**(params or {}))
    except (KeyError, IndexError, ValueError):
        return template
