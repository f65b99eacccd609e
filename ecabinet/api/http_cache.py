"""ETags on JSON answers: a tablet asking again for an unchanged agenda, document or
reminder list over a hall's weak Wi-Fi gets `304 Not Modified` and no body.

The tag is a hash of the body as the route produced it (before compression), so it needs
no knowledge of what the route read; answers are marked `private, no-cache`, so the
browser keeps them for its user only and asks again every time, with `If-None-Match`.
Routes that set their own caching headers or ETag are left as they are.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REVALIDATE = "private, no-cache"


def etag_of(body: bytes) -> str:
    """A strong ETag for a body: 128 bits of BLAKE2b."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weak comparison, as RFC 9110 asks)."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


class JsonETags:
    """ASGI middleware: ETag and conditional GET for successful JSON answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold a JSON 200 answer's body to tag it; answer 304 when the client has it."""
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        asked = Headers(scope=scope).get("if-none-match", "")
        start: Message | None = None
        parts: list[bytes] = []

        async def tagging(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                if (message["status"] == 200
                        and headers.get("content-type", "").startswith("application/json")
                        and "etag" not in headers and "cache-control" not in headers):
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._answer(send, start, b"".join(parts), asked)

        await self.app(scope, receive, tagging)

    @staticmethod
    async def _answer(send: Send, start: Message, body: bytes, asked: str) -> None:
        etag = etag_of(body)
        if asked and matches(asked, etag):
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(b"etag", etag.encode()),
                                    (b"cache-control", REVALIDATE.encode())]})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = MutableHeaders(raw=list(start["headers"]))
        headers["etag"] = etag
        headers["cache-control"] = REVALIDATE
        reply: dict[str, Any] = {**start, "headers": headers.raw}
        await send(reply)
        await send({"type": "http.response.body", "body": body})
