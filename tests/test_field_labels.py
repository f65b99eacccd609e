"""Refusals name a field by its label in the user's language, never by its payload key."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from ecabinet import i18n, payload

ROOT = Path(__file__).resolve().parents[1]
# payload.<check>(data, "name", ...): the field's name is the second argument of every check.
CHECKS = {name for name in dir(payload) if not name.startswith("_")} - {
    "parse_object", "as_object", "Invalid"}
# Local wrappers that hand their second argument to a check or to Invalid(field=...).
WRAPPERS = {"_date", "_bounded"}


def _field_names() -> dict[str, set[str]]:
    """Every field-name literal given to a payload check or to a `field=` parameter."""
    found: dict[str, set[str]] = {}
    files = [*(ROOT / "ecabinet").rglob("*.py"), *(ROOT / "realtime").rglob("*.py")]
    for path in files:
        if path.name == "payload.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            named: list[ast.expr] = []
            if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and func.value.id == "payload" and func.attr in CHECKS):
                named = node.args[1:2]
            elif isinstance(func, ast.Name) and func.id in WRAPPERS:
                named = node.args[1:2]
            named += [kw.value for kw in node.keywords if kw.arg == "field"]
            for arg in named:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_collector_sees_the_checks() -> None:
    names = _field_names()
    assert {"question", "text", "starts_at", "choice", "full_name", "deadline"} <= set(names)
    assert len(names) > 50


def test_every_checked_field_has_a_label_in_both_languages() -> None:
    names = _field_names()
    for language in i18n.LANGUAGES:
        labels = i18n.field_labels(language)
        missing = {name: sorted(where) for name, where in names.items() if name not in labels}
        assert not missing, f"fields without a {language} label: {missing}"
    assert i18n.field_labels("vi").keys() == i18n.field_labels("en").keys()


def test_messages_use_the_label() -> None:
    assert i18n.translate("field_required", "vi", {"field": "question"}) == \
        "Vui lòng nhập “Câu hỏi”."
    assert i18n.translate("field_too_long", "en", {"field": "question", "max": 5}) == \
        "The field “Question” is too long (at most 5 characters)."
    # An unknown key still reads as itself.
    assert "“no_such_field”" in i18n.translate("field_invalid", "vi", {"field": "no_such_field"})
    # Labels are not messages: a field's name is no error code.
    assert "question" not in i18n.catalogue("vi")


async def test_the_api_names_a_blank_question_by_its_label(world: Any, client_factory: Any
                                                           ) -> None:
    secretary = await client_factory("secretary")
    response = await secretary.post("/api/meetings/1/polls", json={"question": "  "})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "field_required"
    assert error["message"] == "Vui lòng nhập “Câu hỏi”."
    secretary.headers["accept-language"] = "en"
    response = await secretary.post("/api/meetings/1/polls", json={"question": ""})
    assert response.json()["error"]["message"] == "Please fill in “Question”."
