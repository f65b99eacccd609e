"""After the session, the meeting's recordings stay on its page, downloadable by members."""

from __future__ import annotations

from playwright.async_api import expect

from ecabinet import video
from tests.conftest import LiveServer
from tests.e2e.conftest import Screens, meeting_id

TITLE = "Họp giao ban kinh tế - xã hội tháng 11/2026"  # the demo's adjourned meeting


async def test_the_adjourned_meetings_recording_is_listed_and_downloads(
        screens: Screens, demo_server: LiveServer) -> None:
    delegate = await screens.login("daibieu1")
    m = await meeting_id(delegate, TITLE)
    # What the SFU wrote while the floor was recorded (docs/video.md: Matroska).
    data_dir = demo_server.app.starlette.state.settings.data_dir
    folder = video.recordings_dir(data_dir, m)
    folder.mkdir(parents=True)
    (folder / "20261130T010203Z.mkv").write_bytes(b"\x1aE\xdf\xa3" + b"\0" * 2_000_000)

    await delegate.goto(f"/meetings/{m}")
    link = delegate.locator("#overview-recordings a")
    await expect(link).to_have_count(1)
    await expect(delegate.locator("#overview-recordings")).to_contain_text("1.9 MB")
    status, length = await delegate.evaluate(
        "(href) => fetch(href).then(async (r) => [r.status, (await r.arrayBuffer()).byteLength])",
        await link.get_attribute("href"))
    assert (status, length) == (200, 2_000_004)
    # Someone outside the meeting gets nothing of it.
    outsider = await screens.login("thukyphuloc")  # a district office, not of this meeting
    assert await outsider.evaluate(
        f"fetch('/api/meetings/{m}/recordings/20261130T010203Z.mkv').then((r) => r.status)"
    ) == 404
