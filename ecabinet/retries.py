"""How long an outbox keeps trying: webhook deliveries and emails alike are retried with a
growing delay, and given up a day after they were made."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from ecabinet.models import DeliveryStatus

# After the n-th failed attempt the next waits DELAYS[n-1] (the last one repeats).
DELAYS = tuple(dt.timedelta(seconds=s) for s in (
    30, 120, 600, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600))
RETRY_FOR = dt.timedelta(days=1)
# Longer than one attempt may take: a node that dies while sending leaves what it claimed
# to another node, or to itself restarted, this long after.
CLAIM_FOR = dt.timedelta(seconds=60)


def delay(attempts: int, scale: float = 1.0) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return DELAYS[min(max(attempts, 1), len(DELAYS)) - 1] * scale


def next_attempt(created_at: dt.datetime, attempts: int, moment: dt.datetime,
                 scale: float = 1.0) -> dt.datetime | None:
    """When to try again after `attempts` failures, the last at `moment`; None: give up."""
    give_up = created_at + RETRY_FOR * scale
    if moment >= give_up:
        return None
    # The last try falls on the day's end rather than hours past it.
    return min(moment + delay(attempts, scale), give_up)


class Pending(Protocol):
    """An outbox row: a webhook delivery or an email."""

    attempts: int
    claimed_until: dt.datetime | None
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    status: DeliveryStatus


def settle(row: Pending, succeeded: bool, moment: dt.datetime, scale: float = 1.0
           ) -> DeliveryStatus:
    """Count one attempt at `moment`: delivered, or due again later, or given up."""
    row.attempts += 1
    row.claimed_until = None
    if succeeded:
        row.status = DeliveryStatus.delivered
    elif (later := next_attempt(row.created_at, row.attempts, moment, scale)) is None:
        row.status = DeliveryStatus.failed
    else:
        row.next_attempt_at = later
    return row.status
