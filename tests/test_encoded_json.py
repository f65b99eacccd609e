"""Views encoded once are written verbatim into every message, and nothing else changes."""

from __future__ import annotations

import json

import pytest

from ecabinet.encoded_json import Encoded, dumps


def test_encoded_values_are_embedded_as_their_text_anywhere_in_a_message() -> None:
    roster = Encoded({"entries": [{"name": "Nguyễn Thị Hoa", "present": True}] * 3})
    counts = Encoded({"present": 3})
    message = [{"ok": True, "snapshot": {"attendance": roster, "also": [counts, roster],
                                         "note": "ecabinet-encoded-0"}}]
    text = dumps(message, separators=(",", ":"))
    assert json.loads(text) == [{"ok": True, "snapshot": {
        "attendance": roster.value(), "also": [{"present": 3}, roster.value()],
        "note": "ecabinet-encoded-0"}}]
    assert roster.text in text  # the text itself, not a re-encoding of it


def test_anything_else_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(TypeError):
        dumps({"when": object()})
