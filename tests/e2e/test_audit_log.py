"""The administrator reads the audit log on screen: finds the secretary's postponement by
action and day, checks the chain (intact), then, after someone edits an entry in the
database, checks again and is shown the entry where it breaks; on a phone it stacks.
Actions, object types and details read in Vietnamese, the codes kept small beside them."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from playwright.async_api import expect

from ecabinet.workdays import VIETNAM
from tests.conftest import LiveServer
from tests.e2e.conftest import Screens

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}


async def test_the_audit_log_is_searched_and_its_chain_checked(
        screens: Screens, demo_server: LiveServer) -> None:
    admin = await screens.login("admin", viewport=DESK)
    await admin.click("nav >> text=Nhật ký")
    await admin.wait_for_selector("#audit-table tbody tr")
    # The login just made is there, by the admin, said in words with its code beneath.
    first = admin.locator("#audit-table tbody tr").first
    await expect(first).to_contain_text("admin")
    await expect(first.locator(".audit-action")).to_contain_text("Đăng nhập")
    await expect(first.locator(".audit-action code")).to_have_text("user.login")
    width = await admin.evaluate("document.documentElement.scrollWidth")
    assert width <= DESK["width"], width

    # The demo's meetings were published: the filter offers that by name, in its family.
    action = admin.locator("#audit-action")
    await expect(action.locator("optgroup[label='Cuộc họp'] option[value='meeting.']")) \
        .to_have_text("Mọi thao tác với cuộc họp")
    await action.select_option("meeting.publish")
    await admin.click("#audit-filter button[type=submit]")
    published = admin.locator("#audit-table tbody tr[data-action='meeting.publish']")
    await expect(published.first.locator(".audit-action")).to_contain_text("Phát hành cuộc họp")
    assert await admin.locator("#audit-table tbody tr:not([data-action='meeting.publish'])") \
        .count() == 0
    # Its details read "Từ: Đã duyệt", not JSON; the JSON is folded away beneath.
    details = published.first.locator(".audit-data")
    await expect(details.locator("dl.audit-details")).to_contain_text("Sang")
    await expect(details.locator("dl.audit-details")).to_contain_text("Đã phát hành")
    raw = details.locator("details.audit-raw pre")
    await expect(raw).to_be_hidden()
    await details.locator("details.audit-raw summary").click()
    await expect(raw).to_contain_text('"to": "published"')

    # Object types are chosen by name; the filter sends the code.
    await action.select_option("")
    object_type = admin.locator("#audit-object-type")
    await expect(object_type.locator("option[value='']")).to_have_text("(Mọi loại)")
    await object_type.select_option(label="Tài liệu")
    await admin.click("#audit-filter button[type=submit]")
    documents = admin.locator("#audit-table tbody tr[data-object-type='document']")
    await expect(documents.first).to_be_visible()
    assert await admin.locator("#audit-table tbody tr:not([data-object-type='document'])") \
        .count() == 0
    await expect(documents.first).to_contain_text("Tài liệu #")
    assert "object_type=document" in (await admin.locator("#audit-csv").get_attribute("href")
                                      or "")
    await admin.click("#audit-clear")
    await expect(object_type).to_have_value("")

    # In English the same screen names them in English (then back, for the rest).
    await admin.click("#lang")
    await admin.wait_for_selector("h1:has-text('Audit log')")
    await expect(admin.locator("#audit-table tbody tr[data-action='user.login'] .audit-action")
                 .first).to_contain_text("Log in")
    await expect(action.locator("optgroup[label='Meetings'] option[value='meeting.']")) \
        .to_have_text("Everything on meetings")
    await expect(object_type.locator("option[value='meeting']")).to_have_text("Meeting")
    await admin.click("#lang")
    await admin.wait_for_selector("h1:has-text('Nhật ký hệ thống')")

    today = datetime.now(VIETNAM).strftime("%d/%m/%Y")
    await admin.locator("#audit-action").select_option("user.login")
    await admin.locator("#audit-since").fill(today)
    await admin.locator("#audit-until").fill(today)
    await admin.click("#audit-filter button[type=submit]")
    logins = admin.locator("#audit-table tbody tr[data-action='user.login']")
    await expect(logins.first).to_be_visible()
    assert await admin.locator("#audit-table tbody tr:not([data-action='user.login'])").count() == 0
    href = await admin.locator("#audit-csv").get_attribute("href")
    assert href is not None and "action=user.login" in href
    answer = await admin.request.get(href)
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    assert "user.login" in (await answer.body()).decode("utf-8-sig")

    await admin.click("#audit-check")
    await expect(admin.locator("#audit-verdict")).to_have_attribute("data-intact", "true")
    await expect(admin.locator("#audit-verdict")).to_contain_text("toàn vẹn")

    # Someone with the database file rewrites an entry of the demo's history.
    database = demo_server.app.starlette.state.settings.database_url.split(":///", 1)[1]
    with sqlite3.connect(database) as conn:
        target = conn.execute("SELECT id FROM audit_log WHERE action = 'meeting.publish' "
                              "ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute("UPDATE audit_log SET data = '{}' WHERE id = ?", (target,))
    await admin.click("#audit-check")
    verdict = admin.locator("#audit-verdict")
    await expect(verdict).to_have_attribute("data-intact", "false")
    await expect(verdict).to_contain_text(f"bản ghi số {target}")
    await verdict.locator("#audit-show-broken").click()
    broken = admin.locator(f"#audit-table tr.audit-broken[data-entry='{target}']")
    await expect(broken).to_be_visible()

    phone = await screens.login("admin", viewport=PHONE)
    await phone.goto("/audit")
    await phone.wait_for_selector("#audit-table tbody tr")
    await expect(phone.locator("#audit-table tbody tr").first.locator(".audit-action code")) \
        .to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    # Opening an entry's raw JSON does not widen the page either.
    await phone.locator("#audit-action").select_option("meeting.publish")
    await phone.click("#audit-filter button[type=submit]")
    await phone.wait_for_selector("#audit-table tbody tr[data-action='meeting.publish']")
    await phone.locator("#audit-table details.audit-raw summary").first.click()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    # A delegate is told the page is the administrators'.
    delegate = await screens.login("daibieu1")
    await delegate.goto("/audit")
    await expect(delegate.locator("main")).to_contain_text("Chỉ quản trị")
