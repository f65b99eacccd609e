"""Limits on login attempts, kept in this process: a sliding window per client address,
and growing delays per (account, client address) after repeated failures."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass


class SlidingWindow:
    """At most `limit` hits per key within `seconds`."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float | None = None, limit: int | None = None) -> bool:
        """Record a hit and say whether it is within the limit (`limit`: this key's own)."""
        moment = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= moment - self.seconds:
            hits.popleft()
        if len(hits) >= (self.limit if limit is None else limit):
            return False
        hits.append(moment)
        if len(self._hits) > 10_000:
            self._prune(moment)
        return True

    def _prune(self, moment: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= moment - self.seconds]:
            del self._hits[key]


@dataclass
class _Attempts:
    count: int
    last: float
    not_before: float


class Backoff:
    """Growing delays per key after `free` failed attempts: 1, 2, 4 … seconds, up to `cap`.

    An attempt is counted when it starts (`attempt`), not when it fails, so that many
    attempts sent at once cannot all slip through before the first failure is recorded;
    `succeeded` forgets the key. A key with no attempt for `forget_after` seconds starts
    afresh. Nothing here is ever a lock: the wait is bounded by `cap`, and it only holds
    back the key that failed.
    """

    def __init__(self, free: int, cap: float, *, forget_after: float = 3600,
                 max_keys: int = 100_000) -> None:
        self.free = max(1, free)
        self.cap = max(1.0, cap)
        self.forget_after = max(forget_after, self.cap)
        self.max_keys = max_keys
        self.clock: Callable[[], float] = time.monotonic
        # Oldest activity first, so that a flood of keys evicts the stalest ones.
        self._keys: OrderedDict[tuple[str, str], _Attempts] = OrderedDict()

    def attempt(self, key: tuple[str, str], now: float | None = None) -> float:
        """Start an attempt: 0 if allowed (a failure until `succeeded`), else seconds to wait."""
        moment = self.clock() if now is None else now
        entry = self._live(key, moment)
        if entry is not None and entry.not_before > moment:
            return entry.not_before - moment
        if entry is None:
            entry = self._keys[key] = _Attempts(0, moment, 0.0)
            if len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)
        entry.count += 1
        entry.last = moment
        self._keys.move_to_end(key)
        if entry.count >= self.free:
            delay = min(self.cap, 2.0 ** min(entry.count - self.free, 62))
            entry.not_before = moment + delay
        return 0.0

    def failures(self, key: tuple[str, str]) -> int:
        """How many attempts of `key` count as failed."""
        entry = self._keys.get(key)
        return entry.count if entry else 0

    def succeeded(self, key: tuple[str, str]) -> None:
        """The attempt succeeded: forget the key's failures."""
        self._keys.pop(key, None)

    def _live(self, key: tuple[str, str], moment: float) -> _Attempts | None:
        entry = self._keys.get(key)
        if entry is not None and moment - entry.last >= self.forget_after:
            del self._keys[key]
            return None
        return entry
