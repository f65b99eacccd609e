"""A socket.io test client that logs in over HTTP and keeps the events it receives."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import socketio

from tests.conftest import PASSWORD


class LiveClient:
    """One logged-in browser's live channel, as the UI's live.js uses it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.AsyncClient(base_url=base_url)
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[dict[str, Any]] = []
        self.notices: list[tuple[str, dict[str, Any]]] = []
        self.csrf = ""
        self._arrived = asyncio.Event()
        self.sio.on("event", self._on_event)
        self.follow("meetings.changed")

    async def _on_event(self, data: dict[str, Any]) -> None:
        self.events.append(data)
        self._arrived.set()

    def follow(self, *names: str) -> None:
        """Keep the notices of these names in `notices`, as (name, data)."""
        for name in names:
            async def on_notice(data: dict[str, Any], name: str = name) -> None:
                self.notices.append((name, data))
                self._arrived.set()

            self.sio.on(name, on_notice)

    async def login(self, username: str) -> None:
        """Log in over HTTP (the cookie is then sent with the socket handshake)."""
        response = await self.http.post("/api/login",
                                        json={"username": username, "password": PASSWORD})
        response.raise_for_status()
        self.csrf = response.json()["csrf_token"]
        self.http.headers["x-csrf-token"] = self.csrf

    def cookie_header(self) -> dict[str, str]:
        """The Cookie header a browser would send."""
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())}

    async def connect(self) -> None:
        """Open the socket with the session cookie, websocket only."""
        await self.sio.connect(self.base_url, headers=self.cookie_header(),
                               transports=["websocket"], wait_timeout=5)

    async def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Emit with acknowledgement."""
        result: dict[str, Any] = await self.sio.call(event, data, timeout=10)
        return result

    async def wait_for(self, predicate: Any, seconds: float = 5.0) -> None:
        """Wait until predicate() is true, re-checked whenever something arrives."""
        async with asyncio.timeout(seconds):
            while not predicate():
                self._arrived.clear()
                await self._arrived.wait()

    async def close(self) -> None:
        """Disconnect and close HTTP."""
        if self.sio.connected:
            await self.sio.disconnect()
        await self.http.aclose()
