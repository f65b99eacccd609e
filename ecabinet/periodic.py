"""A node's background loops (webhook deliveries, the email outbox): run a step now and then
every few seconds until stopped; a step under way when the node stops may finish first."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ecabinet.group_commit import cancel

log = logging.getLogger(__name__)


class Periodic:
    """Calls `step` at start and every `every` seconds; a failing step is logged, and the
    next one runs as usual (a database away for a moment)."""

    def __init__(self, name: str, every: float, step: Callable[[], Awaitable[Any]]) -> None:
        self.name = name
        self.every = every
        self.step = step
        self.stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin the loop on the running event loop."""
        self.stopping.clear()
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self, grace: float = 15.0) -> None:
        """Stop looping once the step under way is done, or after `grace` seconds."""
        self.stopping.set()
        if self._task is not None:
            _, running = await asyncio.wait({self._task}, timeout=grace)
            if running:
                await cancel(self._task)
            self._task = None

    async def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                await self.step()
            except Exception:
                log.exception("%s: a step failed; the next one tries again", self.name)
            with contextlib.suppress(TimeoutError):  # the pause is over: the next step
                await asyncio.wait_for(self.stopping.wait(), timeout=self.every)
