"""Fixtures for SFU tests: a service with an open room and real aiortc clients on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiortc.mediastreams import MediaStreamTrack

from realtime.sfu import SfuService

from .peers import Client, complete, drain, make_client

JoinClient = Callable[..., Awaitable[Client]]


@pytest.fixture
async def sfu() -> AsyncIterator[SfuService]:
    service = SfuService(connect_timeout=15)
    await service.open_room(1)
    yield service
    await service.close()


@pytest.fixture
async def join(sfu: SfuService) -> AsyncIterator[JoinClient]:
    """Join a real aiortc client to an SFU: join(role, pid, video=..., service=..., meeting=...)."""
    made: list[Client] = []

    async def join_client(
        role: str,
        participant_id: str,
        video: MediaStreamTrack | None = None,
        audio: MediaStreamTrack | None = None,
        service: SfuService | None = None,
        meeting: int = 1,
    ) -> Client:
        client, offer = await make_client(role, video=video, audio=audio)
        made.append(client)
        answer = await (service or sfu).join(meeting, participant_id, role, offer)
        await complete(client, answer)
        return client

    yield join_client
    await asyncio.gather(*(c.pc.close() for c in made))


@pytest.fixture
async def background() -> AsyncIterator[Callable[[Awaitable[Any]], None]]:
    """Run coroutines (frame drains) for the length of a test."""
    tasks: list[asyncio.Future[Any]] = []

    def start(coro: Awaitable[Any]) -> None:
        tasks.append(asyncio.ensure_future(coro))

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@pytest.fixture
def drain_track(background: Callable[[Awaitable[Any]], None]) -> Callable[[MediaStreamTrack], None]:
    """Keep a received track decoding in the background."""

    def start(track: MediaStreamTrack) -> None:
        background(drain(track))

    return start
