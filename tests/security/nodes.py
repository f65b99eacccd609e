"""Helpers for the security tests: nodes with their own settings, clients at chosen addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx

from ecabinet.app import create_app
from ecabinet.config import Settings
from tests.conftest import Client


@asynccontextmanager
async def node(settings: Settings, **changes: Any) -> AsyncIterator[Any]:
    """A node (ASGI app with its lifespan running) on `settings` with `changes`."""
    asgi = create_app(replace(settings, **changes))
    async with asgi.starlette.router.lifespan_context(asgi.starlette):
        yield asgi


def client_at(app: Any, address: str = "127.0.0.1") -> Client:
    """An API client whose requests come from `address`."""
    return Client(transport=httpx.ASGITransport(app=app, client=(address, 50000)),
                  base_url="http://testserver")
