"""The outboxes' retry schedule: growing delays, the last try at the day's end, then none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ecabinet import retries

MADE = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_the_delays_grow_then_repeat() -> None:
    delays = [retries.delay(n) for n in range(1, 11)]
    assert delays == [timedelta(seconds=s) for s in (
        30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800, 28800)]
    assert retries.delay(2, 0.001) == timedelta(seconds=0.12)


def test_tries_stop_a_day_after_it_was_made() -> None:
    assert retries.next_attempt(MADE, 1, MADE) == MADE + timedelta(seconds=30)
    late = MADE + timedelta(hours=20)
    # Eight hours more would pass the day: the last try falls at its end.
    assert retries.next_attempt(MADE, 9, late) == MADE + timedelta(days=1)
    assert retries.next_attempt(MADE, 10, MADE + timedelta(days=1)) is None
    # Scaled for tests, the day shrinks with the delays.
    assert retries.next_attempt(MADE, 1, MADE + timedelta(seconds=87), 0.001) is None
