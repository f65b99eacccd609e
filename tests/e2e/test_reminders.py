"""Every screen's top bar says what is late: the demo's closed meeting has overdue tasks."""

from __future__ import annotations

from tests.e2e.conftest import Screens, keep_for_guide


async def test_the_top_bar_counts_overdue_tasks_for_the_office_and_the_person(
        screens: Screens) -> None:
    office = await screens.login("thuky")
    badge = office.locator("#nav a[href='/tasks'] #reminder-badge")
    await badge.wait_for(timeout=10000)
    # The province office follows the overdue tasks of last month's meeting.
    assert int(await badge.inner_text()) >= 1
    assert "quá hạn" in (await badge.get_attribute("title") or "")
    await keep_for_guide(office, "meetings.png")
    # The director given a task sees their own, and the badge follows the user.
    director = await screens.login("daibieu2")
    own = director.locator("#reminder-badge")
    await own.wait_for(timeout=10000)
    assert (await own.get_attribute("title") or "").startswith("Việc của tôi: 1 quá hạn")
    # An account with nothing due sees no badge at all.
    hall = await screens.login("manhinh")
    await hall.wait_for_timeout(500)
    await keep_for_guide(hall, "hall-meetings.png")
    assert await hall.locator("#reminder-badge").count() == 0
