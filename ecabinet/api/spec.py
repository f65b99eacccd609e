"""OpenAPI description built from the routes themselves, so it cannot drift from them.

Each endpoint declares its summary, body, query and response with `@operation`; the rest
follows from the route and is added to every operation alike:

- path parameters from Starlette's convertors (`{id:int}`: a positive 64-bit integer);
- security: the session cookie on every operation that is not public, and on writes also the
  `X-CSRF-Token` header (the `csrf_token` that login and `GET /api/session` return);
- the refusals `{"ok": false, "error": {code, message}}` it can answer: 401 and 403 with a
  session, 404 with an id in the path, 422 with a body or query, 413 with a file, and what
  `errors=` adds (409, 429...);
- response objects are closed (`additionalProperties: false`): a field the server sends must
  be declared here, which tests/contract checks on every operation.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from starlette.routing import BaseRoute, Mount, Route

from ecabinet.accounts import SESSION_COOKIE
from ecabinet.api_tokens import SCOPES

F = TypeVar("F", bound=Callable[..., Any])

OPENAPI_VERSION = "3.1.0"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "X-CSRF-Token"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean", "enum": [False]},
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
            "additionalProperties": False,
        },
    },
    "required": ["ok", "error"],
    "additionalProperties": False,
}

# What each refusal status means; every one carries ERROR_SCHEMA.
REFUSALS: dict[int, str] = {
    401: "Not logged in, or the session expired or was revoked (`not_logged_in`, "
         "`session_expired`)",
    403: "Forbidden: the user may not do this; on a write, also a missing or wrong "
         "X-CSRF-Token header (`csrf_failed`)",
    404: "No such object, or one the user may not know exists",
    409: "The object is not in a state that allows this",
    413: "The upload exceeds a size or page limit",
    422: "The input is malformed or breaks a rule (the `code` says which)",
    429: "Too many attempts from this address; try again later",
    503: "The database cannot be reached",
}


# `query` is an `obj(...)` whose properties are the query parameters (its `required` names
# the required ones); `path` overrides a path parameter's schema (an enum, say); `body_types`
# lists the request media types when not just JSON (or multipart when the body has a FILE);
# `errors` adds refusal statuses to those the route's shape implies, and `responses` other
# answers with their own JSON schema (a 503 with a health report, say); `public` operations
# need no session, and `session_optional` ones use it when present; `scope` lets a service
# account's API token call the operation (`Authorization: Bearer`) when given that scope.
def operation(
    summary: str,
    *,
    tag: str,
    body: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    public: bool = False,
    session_optional: bool = False,
    scope: str | None = None,
    content: str | Sequence[str] = "application/json",
    status: int = 200,
    query: dict[str, Any] | None = None,
    path: dict[str, dict[str, Any]] | None = None,
    body_types: Sequence[str] | None = None,
    errors: Iterable[int] = (),
    responses: dict[int, dict[str, Any]] | None = None,
) -> Callable[[F], F]:
    """Attach an OpenAPI summary, body, query, response schema and refusals to an endpoint."""

    if scope is not None and scope not in SCOPES:
        raise ValueError(f"unknown API token scope {scope}")

    def mark(func: F) -> F:
        func.__openapi__ = {  # type: ignore[attr-defined]
            "summary": summary, "tag": tag, "body": body, "response": response,
            "public": public, "session_optional": session_optional, "scope": scope,
            "content": [content] if isinstance(content, str) else list(content),
            "status": status, "query": query, "path": path or {},
            "body_types": list(body_types) if body_types else None, "errors": set(errors),
            "responses": dict(responses or {}),
        }
        return func

    return mark


def obj(required: Sequence[str] = (), **properties: Any) -> dict[str, Any]:
    """A JSON-schema object."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def record(**properties: Any) -> dict[str, Any]:
    """A JSON-schema object whose properties are all present (a response view)."""
    return obj(list(properties), **properties)


# Named response schemas, listed under components/schemas and referred to by `$ref`.
COMPONENTS: dict[str, dict[str, Any]] = {}


def ref(name: str) -> dict[str, Any]:
    """A reference to a named schema (it may be named later, or be the one being named)."""
    return {"$ref": f"#/components/schemas/{name}"}


def named(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A response schema listed once under components (closed) and referred to by `$ref`."""
    if name in COMPONENTS and COMPONENTS[name] != schema:
        raise ValueError(f"schema {name} named twice")
    COMPONENTS[name] = schema
    return ref(name)


def arr(items: dict[str, Any]) -> dict[str, Any]:
    """A JSON-schema array."""
    return {"type": "array", "items": items}


def dict_of(values: dict[str, Any]) -> dict[str, Any]:
    """A JSON object used as a map (keys are data, such as ids as strings)."""
    return {"type": "object", "additionalProperties": values}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, or JSON null (OpenAPI 3.1: `null` added to `type` and to any `enum`)."""
    if not schema:
        return schema  # ANY already admits null
    if "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    out = dict(schema)
    kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
    if "null" not in kinds:
        out["type"] = [*kinds, "null"]
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def enum_of(*values: type[enum.Enum] | Iterable[str]) -> dict[str, Any]:
    """A string restricted to the values of enums (or lists of strings), in their order."""
    found: list[str] = []
    for source in values:
        for value in source:
            text = str(value.value) if isinstance(value, enum.Enum) else str(value)
            if text not in found:
                found.append(text)
    return {"type": "string", "enum": found}


def one_of(*schemas: dict[str, Any]) -> dict[str, Any]:
    """Exactly one of the schemas."""
    return {"oneOf": list(schemas)}


STR: dict[str, Any] = {"type": "string"}
# A file in a multipart form; a body with one is documented as multipart/form-data.
FILE: dict[str, Any] = {"type": "string", "format": "binary"}
# Integers the server sends may be 64-bit (file sizes); one sent to it beyond the 32-bit
# range is refused (422).
INT: dict[str, Any] = {"type": "integer", "format": "int64"}
# An object's id: a positive 32-bit integer (in a path, more than 9 digits is a 404).
ID: dict[str, Any] = {"type": "integer", "format": "int32", "minimum": 1,
                      "maximum": 2**31 - 1}
COUNT: dict[str, Any] = {"type": "integer", "format": "int64", "minimum": 0}
BOOL: dict[str, Any] = {"type": "boolean"}
TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
DATE: dict[str, Any] = {"type": "string", "format": "date"}
ANY: dict[str, Any] = {}
OK: dict[str, Any] = obj(["ok"], ok={"type": "boolean", "enum": [True]})
EMPTY: dict[str, Any] = {"type": "object", "properties": {}}


def closed(schema: Any) -> Any:
    """A copy of a response schema whose objects admit only their declared properties."""
    if isinstance(schema, list):
        return [closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: closed(v) if k in ("items", "anyOf", "oneOf", "allOf", "additionalProperties")
           else v for k, v in schema.items()}
    if "properties" in schema:
        out["properties"] = {k: closed(v) for k, v in schema["properties"].items()}
        out.setdefault("additionalProperties", False)
    return out


def _walk(routes: Sequence[BaseRoute], prefix: str = "") -> list[tuple[str, Route]]:
    found: list[tuple[str, Route]] = []
    for route in routes:
        if isinstance(route, Route):
            found.append((prefix + route.path, route))
        elif isinstance(route, Mount):
            found.extend(_walk(route.routes, prefix + route.path))
    return found


def _refusals(meta: dict[str, Any], method: str, has_path_ids: bool) -> set[int]:
    codes = set(meta["errors"])
    if not meta["public"]:
        codes |= {401, 403}
    elif meta["session_optional"]:
        codes |= {401, 403} if method not in SAFE_METHODS else {401}
    if has_path_ids:
        codes.add(404)
    if meta["body"] is not None or meta["query"] is not None:
        codes.add(422)
    if meta["body"] is not None and FILE in meta["body"].get("properties", {}).values():
        codes.add(413)
    if meta["scope"]:
        codes.add(429)  # a token over its rate
    return codes


def _security(meta: dict[str, Any], method: str) -> list[dict[str, list[str]]] | None:
    needs: dict[str, list[str]] = (
        {"session": []} if method in SAFE_METHODS else {"session": [], "csrf": []})
    if meta["public"] and meta["session_optional"]:
        return [{}, needs]
    if meta["public"]:
        return None
    if meta["scope"]:
        return [needs, {"bearer": [meta["scope"]]}]
    return [needs]


def _parameters(meta: dict[str, Any], path: str) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    # Starlette's convertors say what a path parameter is: {id:int} is a positive integer.
    for name, convertor in re.findall(r"{(\w+)(?::(\w+))?}", path):
        schema = meta["path"].get(name) or (ID if convertor == "int" else STR)
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    query = meta["query"]
    if query is not None:
        required = set(query.get("required", []))
        for name, schema in query["properties"].items():
            params.append({"name": name, "in": "query", "required": name in required,
                           "schema": schema})
    return params


def _request_body(meta: dict[str, Any]) -> dict[str, Any] | None:
    body = meta["body"]
    if body is None:
        return None
    fields = body.get("properties", {}).values()
    types = meta["body_types"] or (
        ["multipart/form-data"] if FILE in fields else ["application/json"])
    content: dict[str, Any] = {}
    for kind in types:
        if kind in ("application/json", "multipart/form-data"):
            content[kind] = {"schema": body}
        else:  # a raw upload, such as application/pdf
            content[kind] = {"schema": FILE}
    # A JSON body with nothing required may be left out: the server reads it as {}.
    required = bool(body.get("required")) or "application/json" not in types
    return {"required": required, "content": content}


def _refusal(code: int, text: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}},
    }
    if code == 429:
        response["headers"] = {"Retry-After": {
            "description": "Seconds to wait, when the wait is known", "required": False,
            "schema": {"type": "integer", "minimum": 0}}}
    return response


def openapi_document(routes: Sequence[BaseRoute], *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every annotated route."""
    paths: dict[str, dict[str, Any]] = {}
    for path, route in _walk(routes):
        meta = getattr(route.endpoint, "__openapi__", None)
        if meta is None:
            continue
        clean = re.sub(r"{(\w+):\w+}", r"{\1}", path)
        has_ids = bool(re.search(r"{\w+:int}", path))
        for method in sorted((route.methods or set()) - {"HEAD"}):
            schema = closed(meta["response"] or ANY)
            responses: dict[str, Any] = {
                str(meta["status"]): {
                    "description": "Created" if meta["status"] == 201 else "OK",
                    "content": {kind: {"schema": schema} for kind in meta["content"]},
                },
            }
            for code in sorted(_refusals(meta, method, has_ids) - set(meta["responses"])):
                responses[str(code)] = {"$ref": f"#/components/responses/{code}"}
            for code, other in sorted(meta["responses"].items()):
                responses[str(code)] = {
                    "description": REFUSALS.get(code, "Other answer"),
                    "content": {"application/json": {"schema": closed(other)}},
                }
            op: dict[str, Any] = {
                "summary": meta["summary"],
                "tags": [meta["tag"]],
                "operationId": f"{route.name}_{method.lower()}",
                "responses": responses,
            }
            params = _parameters(meta, path)
            if params:
                op["parameters"] = params
            request_body = _request_body(meta)
            if request_body is not None:
                op["requestBody"] = request_body
            security = _security(meta, method)
            if security is not None:
                op["security"] = security
            paths.setdefault(clean, {})[method.lower()] = op
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version},
        "components": {
            "schemas": {"Refusal": ERROR_SCHEMA,
                        **{name: closed(schema) for name, schema in sorted(COMPONENTS.items())}},
            "responses": {str(code): _refusal(code, text) for code, text in REFUSALS.items()},
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                            "description": "The signed, HttpOnly session cookie that "
                                           "POST /api/login sets"},
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A service account's API token (`ecab_…`), made "
                                          "by an administrator with scopes, an expiry and a "
                                          "rate per minute. Operations that take one list "
                                          "its required scope; no X-CSRF-Token is needed. "
                                          "Refusals: 401 `token_invalid`, `token_expired`, "
                                          "`token_revoked`; 403 `token_scope` (another "
                                          "scope needed) or `token_not_allowed` (people "
                                          "only); 429 "
                                          "`token_rate` with Retry-After"},
                "csrf": {"type": "apiKey", "in": "header", "name": CSRF_HEADER,
                         "description": "Every write (POST, PUT, DELETE) with a session also "
                                        "sends the session's `csrf_token`, as returned by "
                                        "POST /api/login and GET /api/session; without it "
                                        "the write is refused 403 `csrf_failed`"},
            },
        },
        "paths": paths,
    }
