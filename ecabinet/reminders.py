"""What needs a user's attention now: their tasks overdue or due soon, the tasks they
follow that are overdue, conclusion notices nearing or past their 5-working-day due
date, and the written consultations waiting for their reply. Shown on every screen, so a
deadline is seen without opening the follow-up list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import conclusions, tasks
from ecabinet.consultations import views as consultations
from ecabinet.models import User

URGENT = ("overdue", "due_soon")


async def reminders(session: AsyncSession, user: User, *, on: dt.date | None = None
                    ) -> dict[str, Any]:
    """Counts of what is due, and the notices due, for the top bar's badge."""
    mine = await tasks.list_tasks(session, user, tasks.TaskFilter(scope="mine"), on=on)
    followed = await tasks.list_tasks(session, user, tasks.TaskFilter(scope="office"), on=on)
    notices = [n for n in await conclusions.pending_notices(session, user, on=on)
               if n["deadline"]["state"] in URGENT]
    mine_ids = {v["id"] for v in mine}
    counts = {
        "my_overdue": sum(v["state"] == "overdue" for v in mine),
        "my_due_soon": sum(v["state"] == "due_soon" for v in mine),
        # The office's own view: others' tasks it follows that are late.
        "followed_overdue": sum(v["state"] == "overdue" and v["id"] not in mine_ids
                                for v in followed),
        "notices_due": len(notices),
    }
    waiting = await consultations.waiting(session, user, on=on)
    # Apart from `total` (the follow-up's badge): the consultations link has its own.
    return {**counts, "total": sum(counts.values()), "notices": notices,
            "consultations_waiting": len(waiting),
            "consultations_last_day": sum(c["last_day"] for c in waiting),
            "consultations": waiting}
