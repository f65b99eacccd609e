"""The outboxes' retry schedule: growing delays, the last try at the day's end, then none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ecabinet import retries
from ecabinet.models import DeliveryStatus

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


class Row:
    """An outbox row as `settle` sees one."""

    def __init__(self) -> None:
        self.attempts = 0
        self.claimed_until: datetime | None = MADE
        self.created_at = MADE
        self.next_attempt_at = MADE
        self.status = DeliveryStatus.pending


def test_settle_counts_each_attempt_and_decides_what_is_next() -> None:
    row = Row()
    assert retries.settle(row, False, MADE) == DeliveryStatus.pending
    assert (row.attempts, row.claimed_until) == (1, None)
    assert row.next_attempt_at == MADE + timedelta(seconds=30)
    assert retries.settle(row, True, MADE + timedelta(minutes=1)) == DeliveryStatus.delivered
    given_up = Row()
    assert retries.settle(given_up, False, MADE + timedelta(days=1)) == DeliveryStatus.failed
