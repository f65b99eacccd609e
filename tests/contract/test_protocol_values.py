"""docs/protocol.md lists the values of every enumerated field exactly as /openapi.json does,
and the document describes what the contract needs: security, refusals, nulls, enums."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ecabinet import api_tokens
from ecabinet.api.spec import openapi_document
from ecabinet.app import api_routes

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def _document() -> dict[str, Any]:
    return openapi_document(api_routes(), title="eCabinet API", version="test")


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema behind $refs, arrays and nullable wrappers."""
    while True:
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        elif schema.get("type") in ("array", ["array", "null"]):
            schema = schema["items"]
        else:
            return schema


def _field(doc: dict[str, Any], path: str) -> dict[str, Any]:
    name, *fields = path.split(".")
    schema = doc["components"]["schemas"][name]
    for field in fields:
        schema = _resolve(doc, schema)["properties"][field]
    return _resolve(doc, schema)


def _documented_values() -> dict[str, list[str]]:
    text = PROTOCOL.read_text("utf-8")
    table = text[text.index("## Values"):text.index("## Connecting")]
    rows = re.findall(r"^\| `([\w.]+)` \| (.+) \|$", table, re.MULTILINE)
    return {path: re.findall(r"`([^`]*)`", values) for path, values in rows}


def test_the_protocol_lists_each_enumerated_field_as_the_document_does() -> None:
    doc = _document()
    documented = _documented_values()
    assert len(documented) > 20
    for path, values in documented.items():
        enum = [v for v in _field(doc, path)["enum"] if v is not None]
        assert values == enum, path


def test_every_enumerated_response_field_is_in_the_protocol_table() -> None:
    doc = _document()
    documented = {tuple(_field(doc, p)["enum"]) for p in _documented_values()}
    for name, schema in doc["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            resolved = _resolve(doc, prop)
            if "enum" in resolved and len(resolved["enum"]) > 2:
                assert tuple(resolved["enum"]) in documented, f"{name}.{field}"


def test_writes_need_the_csrf_header_and_every_operation_lists_its_refusals() -> None:
    doc = _document()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["csrf"] == {**schemes["csrf"], "type": "apiKey", "in": "header",
                               "name": "X-CSRF-Token"}
    assert schemes["session"]["in"] == "cookie"
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            codes = set(op["responses"])
            assert "4XX" not in codes and "default" not in codes, (method, path)
            assert not {c for c in codes if c.startswith("5")} - {"503"}, (method, path)
            if path in ("/api/login", "/healthz", "/calendar/{token}.ics"):
                assert "security" not in op
                continue
            required = [set(s) for s in op["security"] if s]
            # An operation a service account may call takes its token instead, in one scope.
            tokens = [s["bearer"] for s in op["security"] if "bearer" in s]
            if tokens:
                assert len(tokens) == 1 and len(tokens[0]) == 1, (method, path)
                assert tokens[0][0] in api_tokens.SCOPES and "429" in codes, (method, path)
                required.remove({"bearer"})
            if method == "get":
                assert required == [{"session"}], (method, path)
            else:
                assert required == [{"session", "csrf"}], (method, path)
                assert "403" in codes, (method, path)
            assert "401" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in op or any(p["in"] == "query" for p in op.get("parameters", [])):
                assert "422" in codes, (method, path)


def test_answers_are_closed_and_say_which_fields_may_be_null() -> None:
    doc = _document()
    schemas = doc["components"]["schemas"]
    for name, schema in schemas.items():
        if "properties" in schema:
            assert schema["additionalProperties"] is False, name
    nullable = {
        "AgendaItem": ["presenter_unit"], "Question": ["item_id", "merged_into", "answered_at"],
        "Poll": ["item_id", "closes_at", "result", "time_limit_seconds"],
        "Unit": ["code", "parent_id"], "Speakers": ["current"], "Live": ["current_item"],
        "User": ["unit_id"], "Document": ["version", "readable"],
    }
    for name, fields in nullable.items():
        for field in fields:
            prop = schemas[name]["properties"][field]
            kinds = prop.get("type") if "type" in prop else [
                s.get("type") for s in prop["anyOf"]]
            assert "null" in kinds, f"{name}.{field}"
    events = doc["paths"]["/api/meetings/{id}/events"]["get"]
    assert [p["name"] for p in events["parameters"]] == ["id", "after"]
