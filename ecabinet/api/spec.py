"""OpenAPI description built from the routes themselves, so it cannot drift from them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from starlette.routing import BaseRoute, Mount, Route

F = TypeVar("F", bound=Callable[..., Any])

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean", "enum": [False]},
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    },
}


def operation(
    summary: str,
    *,
    tag: str,
    body: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    public: bool = False,
    content: str = "application/json",
    status: int = 200,
) -> Callable[[F], F]:
    """Attach an OpenAPI summary, request body and response schema to an endpoint."""

    def mark(func: F) -> F:
        func.__openapi__ = {  # type: ignore[attr-defined]
            "summary": summary, "tag": tag, "body": body, "response": response,
            "public": public, "content": content, "status": status,
        }
        return func

    return mark


def obj(required: Sequence[str] = (), **properties: Any) -> dict[str, Any]:
    """A JSON-schema object."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


STR: dict[str, Any] = {"type": "string"}
# A file in a multipart form; a body with one is documented as multipart/form-data.
FILE: dict[str, Any] = {"type": "string", "format": "binary"}
INT: dict[str, Any] = {"type": "integer"}
BOOL: dict[str, Any] = {"type": "boolean"}
TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
ANY: dict[str, Any] = {}


def arr(items: dict[str, Any]) -> dict[str, Any]:
    """A JSON-schema array."""
    return {"type": "array", "items": items}


def _walk(routes: Sequence[BaseRoute], prefix: str = "") -> list[tuple[str, Route]]:
    found: list[tuple[str, Route]] = []
    for route in routes:
        if isinstance(route, Route):
            found.append((prefix + route.path, route))
        elif isinstance(route, Mount):
            found.extend(_walk(route.routes, prefix + route.path))
    return found


def openapi_document(routes: Sequence[BaseRoute], *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every annotated route."""
    paths: dict[str, dict[str, Any]] = {}
    for path, route in _walk(routes):
        meta = getattr(route.endpoint, "__openapi__", None)
        if meta is None:
            continue
        # Starlette's convertors say what a path parameter is: {id:int} is an integer.
        params = re.findall(r"{(\w+)(?::(\w+))?}", path)
        clean = re.sub(r"{(\w+):\w+}", r"{\1}", path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            op: dict[str, Any] = {
                "summary": meta["summary"],
                "tags": [meta["tag"]],
                "operationId": f"{route.name}_{method.lower()}",
                "responses": {
                    str(meta["status"]): {
                        "description": "Created" if meta["status"] == 201 else "OK",
                        "content": {meta["content"]: {"schema": meta["response"] or ANY}},
                    },
                    "4XX": {
                        "description": "Refused; the message is in the user's language",
                        "content": {"application/json": {"schema": ERROR_SCHEMA}},
                    },
                },
            }
            if params:
                op["parameters"] = [
                    {"name": p, "in": "path", "required": True,
                     "schema": INT if convertor == "int" else STR}
                    for p, convertor in params
                ]
            if meta["body"] is not None:
                fields = meta["body"].get("properties", {}).values()
                kind = "multipart/form-data" if FILE in fields else "application/json"
                op["requestBody"] = {"required": True, "content": {kind: {"schema": meta["body"]}}}
            if not meta["public"]:
                op["security"] = [{"session": []}]
            paths.setdefault(clean, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "ecabinet_session"},
            }
        },
        "paths": paths,
    }
