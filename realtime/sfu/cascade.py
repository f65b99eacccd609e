"""Node-to-node signalling over HTTP: the routes an SFU node serves and the client that calls them.

A district node links to the province node for a meeting by POSTing its
offer to `{upstream}/cascade/{meeting_id}`; the answer comes back in the
response (non-trickle ICE, nothing else travels over HTTP). Floor, mute
and membership then travel over a data channel on that same link.

Every request carries the nodes' shared token (setting ECABINET_SFU_TOKEN or
`ecabinet sfu --token`); without a configured token every request is refused.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
from collections.abc import Sequence
from typing import Any

import aiohttp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .errors import SfuError
from .signalling import SfuService, UpstreamExchange

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
HTTP_TIMEOUT = 30.0

_STATUS = {
    "forbidden": 403,
    "unauthorized": 401,
    "room_closed": 404,
    "bad_request": 400,
    "bad_offer": 400,
    "bad_role": 400,
    "hall_taken": 409,
}


def _error(exc: SfuError) -> JSONResponse:
    return JSONResponse(exc.as_ack(), status_code=_STATUS.get(exc.code, 502))


async def _body(request: Request, token: str) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise SfuError("bad_request", "request body too large")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise SfuError("bad_request", "body must be JSON") from exc
    if not isinstance(data, dict):
        raise SfuError("bad_request", "body must be a JSON object")
    given = data.get("token")
    if not token or not isinstance(given, str) or not hmac.compare_digest(given, token):
        raise SfuError("unauthorized", "missing or wrong SFU token")
    return data


def _text(data: dict[str, Any], key: str, limit: int = 200) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise SfuError("bad_request", f"'{key}' must be a non-empty string")
    return value


def cascade_routes(service: SfuService, token: str) -> list[Route]:
    """Routes to mount at `/sfu`: cascade links, and joins/leaves by a trusted caller."""

    async def cascade(request: Request) -> JSONResponse:
        """A downstream node links: its offer in, our answer out."""
        try:
            data = await _body(request, token)
            offer = _text(data, "offer", MAX_BODY)
            node_id = _text(data, "node_id")
            answer = await service.join_node(request.path_params["meeting_id"], node_id, offer)
        except SfuError as exc:
            return _error(exc)
        return JSONResponse({"ok": True, "answer": answer})

    async def join(request: Request) -> JSONResponse:
        """A trusted caller joins a participant on this node."""
        try:
            data = await _body(request, token)
            answer = await service.join(
                request.path_params["meeting_id"],
                _text(data, "participant_id"),
                _text(data, "role"),
                _text(data, "offer", MAX_BODY),
            )
        except SfuError as exc:
            return _error(exc)
        return JSONResponse({"ok": True, "answer": answer})

    async def leave(request: Request) -> JSONResponse:
        """A trusted caller removes a participant from this node."""
        try:
            data = await _body(request, token)
            await service.leave(request.path_params["meeting_id"], _text(data, "participant_id"))
        except SfuError as exc:
            return _error(exc)
        return JSONResponse({"ok": True})

    return [
        Route("/cascade/{meeting_id:int}", cascade, methods=["POST"]),
        Route("/join/{meeting_id:int}", join, methods=["POST"]),
        Route("/leave/{meeting_id:int}", leave, methods=["POST"]),
    ]


def cascade_app(service: SfuService, token: str) -> Starlette:
    """An ASGI app with `cascade_routes`, to mount at `/sfu` or serve on its own."""
    return Starlette(routes=cascade_routes(service, token))


def upstream_exchange(upstream_url: str, token: str) -> UpstreamExchange:
    """An `UpstreamExchange` that POSTs this node's offer to `{upstream_url}/cascade/{id}`."""
    base = upstream_url.rstrip("/")

    async def exchange(meeting_id: int, node_id: str, offer: str) -> str:
        timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(
                f"{base}/cascade/{meeting_id}",
                json={"offer": offer, "node_id": node_id, "token": token},
            ) as response,
        ):
            try:
                data = await response.json(content_type=None)
            except ValueError as exc:
                raise SfuError("upstream_failed", f"upstream answered {response.status}") from exc
        if not isinstance(data, dict) or not data.get("ok"):
            error = data.get("error", {}) if isinstance(data, dict) else {}
            raise SfuError(
                str(error.get("code", "upstream_failed")),
                f"upstream node: {error.get('message', response.status)}",
            )
        answer = data.get("answer")
        if not isinstance(answer, str):
            raise SfuError("upstream_failed", "upstream node sent no answer")
        return answer

    return exchange


async def connect_upstream(
    service: SfuService, upstream_url: str, meeting_id: int, token: str
) -> None:
    """Link this node's room for a meeting to the upstream node now (opening it here)."""
    await service.link_upstream(meeting_id, upstream_exchange(upstream_url, token))


def run_node(
    upstream: str | None,
    host: str,
    port: int,
    token: str,
    ice_servers: Sequence[str] = (),
    node_id: str | None = None,
) -> None:
    """Run a standalone SFU node with uvicorn until interrupted (`ecabinet sfu`).

    With `upstream`, a room is linked to the upstream node's room of the same
    meeting when its first participant joins here.
    """
    import uvicorn

    if not token:
        raise SystemExit("an SFU node needs a shared token (--token or ECABINET_SFU_TOKEN)")
    name = node_id or f"{socket.gethostname()}:{port}"

    async def serve() -> None:
        exchange = upstream_exchange(upstream, token) if upstream else None
        service = SfuService(ice_servers=ice_servers, upstream=exchange, node_id=name)
        app = Starlette()
        app.mount("/sfu", cascade_app(service, token))
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, lifespan="off"))
        try:
            await server.serve()
        finally:
            await service.close()

    asyncio.run(serve())
