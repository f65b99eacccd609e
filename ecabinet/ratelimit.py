"""A sliding-window limiter for login attempts per client address (in this process)."""

from __future__ import annotations

import time
from collections import deque


class SlidingWindow:
    """At most `limit` hits per key within `seconds`."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        """Record a hit and say whether it is within the limit."""
        moment = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= moment - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(moment)
        if len(self._hits) > 10_000:
            self._prune(moment)
        return True

    def _prune(self, moment: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= moment - self.seconds]:
            del self._hits[key]
