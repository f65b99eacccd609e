"""The administrator connects another system from the integration screen: a service account
with a token that reads meetings until it is revoked, and a webhook whose receiver fails once,
then gets the signed event, with both attempts in the log and a delivery sent again."""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, expect

from ecabinet.workdays import VIETNAM
from tests.conftest import LiveServer, free_port, stop_server
from tests.e2e.conftest import meeting_id, screens_on, start_demo

PUBLISHED = "Hội nghị trực tuyến triển khai Chính quyền điện tử 3 cấp"
PHONE = {"width": 390, "height": 844}


class Receiver:
    """An HTTP endpoint on loopback that answers 500 to the first delivery, then 200."""

    def __init__(self) -> None:
        self.hits: list[tuple[dict[str, str], bytes]] = []
        self.port = free_port()
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append((dict(request.headers), await request.read()))
        return web.Response(status=500 if len(self.hits) == 1 else 200)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def wait_for(self, count: int) -> None:
        for _ in range(200):
            if len(self.hits) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{len(self.hits)} deliveries arrived, not {count}")


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[LiveServer]:
    """The demo node, looking for webhook deliveries often and retrying within a second."""
    live = await start_demo(tmp_path, webhook_poll_seconds=0.1, webhook_retry_scale=0.005)
    yield live
    await stop_server(live)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    made = Receiver()
    await made.start()
    yield made
    assert made.runner is not None
    await made.runner.cleanup()


async def postpone_as_secretary(page: Page, m: int) -> None:
    """The secretary postpones the meeting a week, as the overview's dialog would."""
    later = (datetime.now(VIETNAM) + timedelta(days=20)).replace(hour=8, minute=0, second=0,
                                                                   microsecond=0)
    status = await page.evaluate("""async ([m, at]) => {
        const csrf = (await (await fetch('/api/session')).json()).csrf_token;
        const answer = await fetch(`/api/meetings/${m}/postpone`, {method: 'POST',
          headers: {'content-type': 'application/json', 'x-csrf-token': csrf},
          body: JSON.stringify({starts_at: at, reason: 'Trùng lịch tiếp công dân'})});
        return answer.status; }""", [m, later.isoformat()])
    assert status == 200


async def test_a_token_and_a_webhook_made_on_the_screen(
        browser: Browser, node: LiveServer, receiver: Receiver) -> None:
    async with screens_on(browser, node.url) as screens:
        admin = await screens.login("admin")
        await admin.click("nav >> text=Tích hợp")
        await admin.wait_for_selector("#service-account-form")

        # A service account for the province's eOffice, acting as the office's secretary.
        form = admin.locator("#service-account-form")
        await form.locator("[name=svc_username]").fill("eoffice")
        await form.locator("[name=svc_full_name]").fill("Hệ thống eOffice tỉnh")
        await form.locator("[name=svc_role]").select_option("secretary")
        await form.locator("[name=svc_unit]").select_option(label="UBND tỉnh Thừa Thiên Huế")
        await form.locator("button[type=submit]").click()
        account = admin.locator("[data-username=eoffice]")
        await expect(account).to_contain_text("Chưa có mã truy cập")
        for card in ("#service-accounts", "#webhooks"):
            assert "null" not in await admin.locator(card).inner_text()

        # A token that reads meetings: a day and a scope are asked for inside the dialog.
        await account.locator("[data-action=issue-token]").click()
        dialog = admin.locator("#token-dialog")
        await dialog.locator("#tok-name").fill("Đồng bộ lịch họp")
        await dialog.locator("[data-answer=confirm]").click()
        await expect(dialog.locator(".dialog-error")).to_contain_text("phạm vi")
        await dialog.locator("input[value='meetings:read']").check()
        await dialog.locator("[data-answer=confirm]").click()
        shown = admin.locator("#token-secret-dialog")
        await expect(shown).to_contain_text("chỉ hiển thị một lần")
        secret = await shown.locator("#token-secret-dialog-value").input_value()
        await shown.locator("[data-answer=confirm]").click()
        row = account.locator("tr[data-state=active]")
        await expect(row).to_contain_text("meetings:read")
        await expect(row).to_contain_text(secret[:12])

        async with httpx.AsyncClient(base_url=node.url, headers={
                "authorization": f"Bearer {secret}"}) as system:
            listed = await system.get("/api/meetings")
            assert listed.status_code == 200
            assert PUBLISHED in {m["title"] for m in listed.json()}
            # Revoked from the screen, after a confirmation: refused at once.
            await row.locator("[data-action=revoke-token]").click()
            await admin.locator("#revoke-token-dialog [data-answer=confirm]").click()
            await expect(account.locator("tr[data-state=revoked]")).to_contain_text("Đã thu hồi")
            refused = await system.get("/api/meetings")
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "token_revoked"

        # A webhook for postponements; its key is shown once.
        hooks = admin.locator("#webhook-form")
        await hooks.locator("#wh-url").fill("http://example.com/hook")
        await hooks.locator("input[value='meeting.postponed']").check()
        await hooks.locator("button[type=submit]").click()
        await expect(hooks.locator(".error")).to_contain_text("https://")
        await hooks.locator("input[value='meeting.postponed']").uncheck()
        await hooks.locator("#wh-url").fill(f"http://127.0.0.1:{receiver.port}/hook")
        await hooks.locator("#wh-description").fill("eOffice: lịch họp")
        await hooks.locator("input[value='meeting.postponed']").check()
        await hooks.locator("button[type=submit]").click()
        key_dialog = admin.locator("#webhook-secret-dialog")
        key = await key_dialog.locator("#webhook-secret-dialog-value").input_value()
        await key_dialog.locator("[data-answer=confirm]").click()
        await expect(admin.locator(".webhook")).to_contain_text("Cuộc họp bị hoãn")

        secretary = await screens.login("thuky")
        m = await meeting_id(secretary, PUBLISHED)
        await postpone_as_secretary(secretary, m)
        await receiver.wait_for(2)
        headers, body = receiver.hits[-1]
        expected = "sha256=" + hmac.new(
            key.encode(), headers["X-Ecabinet-Timestamp"].encode() + b"." + body,
            sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Ecabinet-Signature"], expected)
        event: dict[str, Any] = json.loads(body)
        assert event["event"] == "meeting.postponed" and event["object"]["id"] == m
        assert receiver.hits[0][1] == body  # the retry sends the same bytes

        # The log shows the failed attempt and the one that got through.
        section = admin.locator(".webhook")
        await section.locator("[data-action=log]").click()
        delivered = section.locator("tr[data-status=delivered]")
        await expect(delivered).to_contain_text("Đã nhận")
        await expect(delivered.locator(".attempts li")).to_have_count(2)
        await expect(delivered.locator(".attempts li").first).to_contain_text("HTTP 500")
        await delivered.locator("[data-action=redeliver]").click()
        await receiver.wait_for(3)
        assert json.loads(receiver.hits[2][1])["id"] == event["id"]
        await expect(section.locator("tr[data-status]")).to_have_count(2)

        # On a phone the screen stacks; nothing widens the page.
        phone = await screens.login("admin", viewport=PHONE)
        await phone.goto("/integrations")
        await phone.wait_for_selector("[data-username=eoffice] tr[data-state=revoked]")
        await phone.locator(".webhook [data-action=log]").click()
        await phone.wait_for_selector(".webhook tr[data-status=delivered]")
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width


async def test_a_delegate_sets_the_emails_they_take_on_a_phone(
        browser: Browser, node: LiveServer) -> None:
    async with screens_on(browser, node.url) as screens:
        delegate = await screens.login("daibieu1", viewport=PHONE)
        await delegate.click("#mail-button")
        dialog = delegate.locator("#mail-dialog")
        # The demo gave everyone an address; all four kinds are on.
        await expect(dialog.locator("#mail-address")).to_have_value(
            "daibieu1@thuathienhue.example")
        await expect(dialog.locator("input[name=mail-kind]:checked")).to_have_count(4)
        await dialog.locator("#mail-address").fill("không phải địa chỉ")
        await dialog.locator("[data-answer=confirm]").click()
        await expect(dialog.locator(".dialog-error")).to_contain_text("không hợp lệ")
        await dialog.locator("#mail-address").fill("nguyen.van.an@hue.gov.vn")
        await dialog.locator("input[value=reminders]").uncheck()
        await dialog.locator("[data-answer=confirm]").click()
        await expect(dialog).to_have_count(0)
        width = await delegate.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        saved = await delegate.evaluate(
            "async () => (await (await fetch('/api/me/mail')).json())")
        assert saved["email"] == "nguyen.van.an@hue.gov.vn" and saved["off"] == ["reminders"]
        await delegate.click("#mail-button")
        await expect(delegate.locator("#mail-dialog input[value=reminders]")).not_to_be_checked()
        await expect(delegate.locator("#mail-dialog input[value=tasks]")).to_be_checked()
        await delegate.locator("#mail-dialog [data-answer=cancel]").click()
        # The integration screen is the administrators'; a delegate is told so.
        await delegate.goto("/integrations")
        await expect(delegate.locator("#int-admins-only")).to_be_visible()
