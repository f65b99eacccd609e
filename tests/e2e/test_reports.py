"""The secretary finds last month's meeting by words without diacritics, opens the month
view, then downloads the quarter's report: the workbook and the printed report carry the
figures the screen shows. A delegate has no reports; a phone holds the page."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pymupdf
from playwright.async_api import expect

from ecabinet.workdays import VIETNAM
from tests.e2e.conftest import Screens, find_only, meeting_id

PAST = "Phiên họp thường kỳ UBND tỉnh tháng 10/2026"  # 30 days ago in the demo
PHONE = {"width": 390, "height": 844}
ROMAN = ("I", "II", "III", "IV")


async def test_secretary_finds_last_months_meeting_and_downloads_the_quarters_report(
        screens: Screens) -> None:
    secretary = await screens.login("thuky")
    past = await meeting_id(secretary, PAST)
    await find_only(secretary, "thuong ky thang 10", past)
    starts = await secretary.evaluate(
        "async (id) => (await (await fetch(`/api/meetings/${id}`)).json()).meeting.starts_at", past)
    held_on = datetime.fromisoformat(starts).astimezone(VIETNAM)
    await secretary.click("#view-month")
    if held_on.strftime("%Y-%m") != datetime.now(VIETNAM).strftime("%Y-%m"):
        await secretary.click("#cal-prev")
    await expect(secretary.locator(
        f"#meeting-calendar .cal-meeting[data-meeting-id='{past}']")).to_be_visible()

    await secretary.click("#nav a[href='/reports']")
    quarter = f"Quý {ROMAN[(held_on.month - 1) // 3]}/{held_on.year}"
    await secretary.select_option("#report-period", label=quarter)
    since = f"{held_on.year}-{3 * ((held_on.month - 1) // 3) + 1:02d}-01"
    await expect(secretary.locator("#report-heading")).to_contain_text(
        "/".join(reversed(since.split("-"))))
    tile = secretary.locator("[data-kpi=held] .kpi-value")
    held = int(await tile.inner_text())
    assert held >= 1  # last month's meeting, at least
    # The charts are drawn (Chart.js loaded from this server, no CDN).
    await secretary.wait_for_function(
        "() => [...document.querySelectorAll('#report-result canvas')]"
        ".filter((c) => c.width > 0 && globalThis.Chart?.getChart(c)).length === 3")
    months = secretary.locator("#report-months tbody tr")
    await expect(months.filter(has_text=held_on.strftime("%m/%Y"))).to_have_count(1)

    async with secretary.expect_download() as waiting:
        await secretary.click("#report-xlsx")
    download = await waiting.value
    assert download.suggested_filename.startswith(f"bao-cao-hop-{since}")
    with open(await download.path(), "rb") as file:  # noqa: ASYNC230 (a local file)
        book = openpyxl.load_workbook(io.BytesIO(file.read()))
    summary = {r[1]: r[2] for r in book["Tổng hợp"].iter_rows(min_row=6, values_only=True)}
    assert summary["Số cuộc họp đã tổ chức"] == held

    async with secretary.expect_download() as waiting:
        await secretary.click("#report-pdf")
    printed = await waiting.value
    with pymupdf.open(await printed.path()) as pdf:
        text = " ".join(" ".join(page.get_text().split()) for page in pdf)
    assert "BÁO CÁO" in text and f"Số cuộc họp đã tổ chức {held}" in text

    # A download takes the days typed now, even before "Xem báo cáo".
    await secretary.select_option("#report-period", value="custom")
    first = held_on.replace(day=1)
    await secretary.fill("#report-since", first.strftime("%d/%m/%Y"))
    await secretary.fill("#report-until", first.replace(day=15).strftime("%d/%m/%Y"))
    async with secretary.expect_download() as waiting:
        await secretary.click("#report-xlsx")
    typed = await waiting.value
    assert typed.suggested_filename == (
        f"bao-cao-hop-{first:%Y-%m-%d}-{first.replace(day=15):%Y-%m-%d}.xlsx")
    # The screen follows the download: the file and the figures shown are one report.
    await expect(secretary.locator("#report-heading")).to_contain_text(f"{first:%d/%m/%Y}")
    # What is shown stays in the address: a reload shows the same period.
    await secretary.click("#report-show")
    await expect(secretary.locator("#report-heading")).to_contain_text(f"{first:%d/%m/%Y}")
    await secretary.reload()
    await expect(secretary.locator("#report-heading")).to_contain_text(f"{first:%d/%m/%Y}")
    await expect(secretary.locator("#report-period")).to_have_value("custom")

    # A backwards range is said beside the fields, and nothing is asked.
    await secretary.select_option("#report-period", value="custom")
    await secretary.fill("#report-since", "31/12/2026")
    await secretary.fill("#report-until", "01/10/2026")
    await secretary.click("#report-show")
    await expect(secretary.locator("#report-filter .error")).to_contain_text("Đến ngày")

    delegate = await screens.login("daibieu1", viewport=PHONE)
    await expect(delegate.locator("#nav a[href='/reports']")).to_have_count(0)
    await delegate.goto("/reports")
    await expect(delegate.locator("main")).to_contain_text("Chỉ quản trị viên")
    # On a phone the name is hidden; the account (and its password) is a nav item.
    await delegate.locator("#nav a.nav-account").click()
    await expect(delegate.locator("#account-form")).to_be_visible()

    chair = await screens.login("chutich", viewport=PHONE)
    await chair.goto("/reports")
    await expect(chair.locator("[data-kpi=held]")).to_be_visible()
    width = await chair.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
