"""Server-side message catalogue (Vietnamese first, English on request)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_LOCALES = Path(__file__).with_name("locales")
_FIELDS = "fields.json"


@cache
def catalogue(language: str) -> dict[str, str]:
    """All messages of one language, keyed by error or label code.

    Each feature keeps its messages in locales/<language>/<feature>.json; the labels of
    input fields are apart, in locales/<language>/fields.json (see `field_label`).
    """
    data: dict[str, str] = {}
    for path in sorted((_LOCALES / language).glob("*.json")):
        if path.name != _FIELDS:
            data.update(json.loads(path.read_text("utf-8")))
    return data


@cache
def field_labels(language: str) -> dict[str, str]:
    """What each input field is called in one language, keyed by the payload key."""
    path = _LOCALES / language / _FIELDS
    if not path.exists():
        return {}
    labels: dict[str, str] = json.loads(path.read_text("utf-8"))
    return labels


def field_label(name: str, language: str) -> str:
    """A field's label (`question` → “Câu hỏi”), falling back to Vietnamese, then the key."""
    return field_labels(language).get(name) or field_labels(DEFAULT_LANGUAGE).get(name) or name


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
    """The message for `code` in `language`, falling back to Vietnamese, then the code.

    A `field` parameter is a payload key (`question`); the message names the field by its
    label in `language` (“Câu hỏi”) instead.
    """
    template = catalogue(language).get(code) or catalogue(DEFAULT_LANGUAGE).get(code) or code
    params = dict(params or {})
    if isinstance(params.get("field"), str):
        params["field"] = field_label(params["field"], language)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
