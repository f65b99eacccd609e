"""Browser hardening: every response carries a Content-Security-Policy with no inline script."""

from __future__ import annotations

from typing import Any

from ecabinet.app import SecurityHeaders
from tests.conftest import World


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


async def test_the_ui_and_the_api_carry_a_strict_policy(
        world: World, client_factory: Any) -> None:
    client = await client_factory()
    for path in ("/", "/login", "/meetings/1/agenda", "/static/js/app.js", "/api/session",
                 "/api/no-such-thing", "/sw.js"):
        response = await client.get(path)
        policy = directives(response.headers["content-security-policy"])
        assert policy["default-src"] == ["'self'"], path
        # WebAssembly may compile (PDF.js's image decoders); no eval, no inline script.
        assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"], path
        assert policy["style-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
        assert set(policy["img-src"]) == {"'self'", "data:", "blob:"}
        assert set(policy["media-src"]) == {"'self'", "blob:"}
        assert set(policy["worker-src"]) == {"'self'", "blob:"}
        # The live channel's websocket, to this host only (spelt out for older Safari).
        assert set(policy["connect-src"]) == {"'self'", "wss://testserver", "ws://testserver"}
        assert not any(("unsafe" in value and value != "'wasm-unsafe-eval'") or value == "*"
                       for values in policy.values() for value in values), path


async def test_a_forged_host_header_cannot_write_into_the_policy(
        world: World, client_factory: Any) -> None:
    client = await client_factory()
    for host in ("evil.example; script-src *", "a b", "x'y", "évil.example".encode()):
        response = await client.get("/", headers={"host": host})
        policy = directives(response.headers["content-security-policy"])
        assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"], host
        assert policy["connect-src"] == ["'self'"], host


async def test_a_pdf_is_left_to_the_browsers_own_viewer() -> None:
    # Chromium shows a PDF in a viewer page of its own, whose styles a CSP would refuse;
    # every other response keeps the policy.
    async def pdf_app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", scope["path"][1:].encode())]})
        await send({"type": "http.response.body", "body": b""})

    seen: dict[str, dict[bytes, bytes]] = {}
    for content_type in ("/application/pdf", "/text/html"):
        async def capture(message: Any, kind: str = content_type) -> None:
            if message["type"] == "http.response.start":
                seen[kind] = dict(message["headers"])

        scope = {"type": "http", "path": content_type, "headers": [(b"host", b"ecabinet.vn")]}
        await SecurityHeaders(pdf_app)(scope, None, capture)
    assert b"content-security-policy" not in seen["/application/pdf"]
    assert seen["/application/pdf"][b"x-content-type-options"] == b"nosniff"
    assert b"script-src 'self'" in seen["/text/html"][b"content-security-policy"]
