"""JSON log lines carry the id of the request they were written for, as its response says."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from websockets.typing import Origin

from ecabinet import logs
from ecabinet.app import create_app
from ecabinet.config import Settings
from tests.conftest import free_port
from tests.security.nodes import client_at, node


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the root logger writes, as ECABINET_LOG_FORMAT=json writes it."""
    out = io.StringIO()
    handler = logs.handler("json", out)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield out
    finally:
        root.removeHandler(handler)


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[str]:
    """The app under uvicorn as `ecabinet serve` runs it (uvicorn's own logging left to
    ecabinet.logs); its address."""
    logs.route_uvicorn_to_root()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="info", log_config=None, access_log=True,
                                           lifespan="on", ws="websockets-sansio"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def parsed(out: io.StringIO) -> list[dict[str, Any]]:
    """Every line written so far, each a JSON object."""
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_a_log_line_written_during_a_request_carries_its_id(
        settings: Settings, json_lines: io.StringIO) -> None:
    async with node(settings, login_max_failures=1) as app, client_at(app) as client:
        # The first failed login for a name is at the limit, and the app logs a warning.
        response = await client.post("/api/login", json={"username": "khong-co",
                                                         "password": "sai-mat-khau"})
        assert response.status_code == 401
        request_id = response.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    [line] = [x for x in parsed(json_lines) if "failed logins" in x["message"]]
    assert line["request_id"] == request_id
    assert line["level"] == "WARNING" and line["logger"] == "ecabinet.api.auth"
    assert set(line) == {"time", "level", "logger", "message", "request_id"}
    assert line["time"].endswith("Z")


async def test_uvicorn_access_lines_carry_the_proxy_id_or_a_fresh_one(
        settings: Settings, json_lines: io.StringIO) -> None:
    async with serving(settings) as url, httpx.AsyncClient(base_url=url) as http:
        given = await http.get("/healthz", headers={"X-Request-ID": "nginx-7f.3_A"})
        forged = await http.get("/healthz", headers={"X-Request-ID": "a b} INFO forged"})
        too_long = await http.get("/healthz", headers={"X-Request-ID": "a" * 65})
    assert given.headers["x-request-id"] == "nginx-7f.3_A"
    for response in (forged, too_long):
        assert re.fullmatch(r"[0-9a-f]{16}", response.headers["x-request-id"])
    access = [x for x in parsed(json_lines)
              if x["logger"] == "uvicorn.access" and "/healthz" in x["message"]]
    assert [x["request_id"] for x in access] == [
        r.headers["x-request-id"] for r in (given, forged, too_long)]


async def test_live_sockets_opening_and_closing_write_no_lines_but_refusals_do(
        settings: Settings, json_lines: io.StringIO) -> None:
    # A hall of tablets reconnecting at once would write three lines each.
    async with serving(settings) as url:
        ws_url = url.replace("http", "ws")
        for _ in range(3):
            async with websockets.connect(f"{ws_url}/socket.io/?EIO=4&transport=websocket",
                                          origin=Origin(url)) as socket:
                assert (await socket.recv()).startswith("0{")  # engine.io's open packet
        with pytest.raises(websockets.InvalidStatus):
            async with websockets.connect(f"{ws_url}/no-such-socket", origin=Origin(url)):
                pass
    lines = [x["message"] for x in parsed(json_lines) if x["logger"] == "uvicorn.error"]
    assert not [x for x in lines if "[accepted]" in x or x in ("connection open",
                                                              "connection closed")], lines
    assert [x for x in lines if x.endswith('"WebSocket /no-such-socket" 403')], lines


def test_an_exception_is_logged_with_its_traceback(json_lines: io.StringIO) -> None:
    token = logs.bind_request_id("req-1")
    try:
        try:
            raise RuntimeError("hỏng rồi")
        except RuntimeError:
            logging.getLogger("ecabinet.test").exception("rendering failed")
    finally:
        logs.unbind_request_id(token)
    [line] = [x for x in parsed(json_lines) if x["logger"] == "ecabinet.test"]
    assert line["request_id"] == "req-1" and line["level"] == "ERROR"
    assert "RuntimeError: hỏng rồi" in line["exc_info"]
    assert logs.request_id() is None


def test_text_is_the_default_and_names_the_request() -> None:
    out = io.StringIO()
    logger = logging.getLogger("ecabinet.test.text")
    handler = logs.handler("text", out)
    logger.addHandler(handler)
    token = logs.bind_request_id("req-2")
    try:
        logger.warning("xin chào")
    finally:
        logs.unbind_request_id(token)
        logger.removeHandler(handler)
    assert re.search(r" WARNING ecabinet\.test\.text \[req-2\] xin chào$", out.getvalue().strip())
    with pytest.raises(ValueError):
        logs.handler("xml")
