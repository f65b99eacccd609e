"""static/js/video.js in real Chromium against the SFU, through a small HTTP signalling bridge.

The hall page publishes Chromium's fake camera and microphone; the remote room
page publishes its own and receives the hall. Then the chair gives the floor
to the remote room and the hall page receives it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Page, async_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from realtime.sfu import SfuError, SfuService

pytestmark = pytest.mark.e2e

STATIC = Path(__file__).resolve().parents[2] / "static"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]

PAGE = """<!doctype html>
<html><body>
<video id="hall" autoplay playsinline muted></video>
<video id="floor" autoplay playsinline muted></video>
<video id="local" autoplay playsinline muted></video>
<script type="module">
import { joinVideo, listDevices } from "/static/js/video.js";
const pid = %(pid)s;
const signal = {
  async request(event, data) {
    const response = await fetch("/signal/" + encodeURIComponent(event), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...data, participant_id: pid }),
    });
    return response.json();
  },
};
window.quality = [];
try {
  window.session = await joinVideo({
    signal,
    meetingId: 1,
    role: %(role)s,
    hallEl: document.getElementById("hall"),
    floorEl: document.getElementById("floor"),
    localEl: document.getElementById("local"),
    onQuality: (q) => window.quality.push(q),
    statsIntervalMs: 300,
  });
  window.devices = await listDevices();
  window.ready = true;
} catch (error) {
  window.joinError = String(error);
}
</script>
</body></html>
"""

DECODED = """async () => {
  let frames = 0;
  (await window.session.pc.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded || 0;
  });
  return frames;
}"""


def harness(sfu: SfuService) -> Starlette:
    """Static files, two generated pages and a POST → SfuService signalling bridge."""

    async def page(request: Request) -> HTMLResponse:
        role = request.path_params["role"]
        pid = request.path_params["pid"]
        return HTMLResponse(PAGE % {"role": json.dumps(role), "pid": json.dumps(pid)})

    async def signal(request: Request) -> JSONResponse:
        data = await request.json()
        event = request.path_params["event"]
        try:
            if event == "video:join":
                answer = await sfu.join(
                    data["meeting_id"], data["participant_id"], data["role"], data["offer"]
                )
                return JSONResponse({"ok": True, "answer": answer})
            if event == "video:leave":
                await sfu.leave(data["meeting_id"], data["participant_id"])
                return JSONResponse({"ok": True})
        except SfuError as exc:
            return JSONResponse(exc.as_ack())
        return JSONResponse({"ok": False, "error": {"code": "unknown_event", "message": event}})

    return Starlette(
        routes=[
            Route("/page/{role}/{pid}", page),
            Route("/signal/{event}", signal, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC)),
        ]
    )


@pytest.fixture
async def served() -> AsyncIterator[tuple[SfuService, str]]:
    sfu = SfuService()
    await sfu.open_room(1)
    server = uvicorn.Server(
        uvicorn.Config(harness(sfu), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.ensure_future(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield sfu, f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task
    await sfu.close()


async def frames_grow(page: Page, minimum: int = 10) -> int:
    """Wait until the page has decoded `minimum` video frames and decodes more after."""
    first = 0
    for _ in range(100):
        first = await page.evaluate(DECODED)
        if first >= minimum:
            break
        await asyncio.sleep(0.2)
    assert first >= minimum, f"only {first} frames decoded"
    for _ in range(50):
        later = await page.evaluate(DECODED)
        if later > first:
            return int(later)
        await asyncio.sleep(0.2)
    raise AssertionError("frames stopped being decoded")


async def joined(page: Page) -> None:
    await page.wait_for_function("window.ready === true || window.joinError !== undefined")
    assert await page.evaluate("window.joinError === undefined"), await page.evaluate(
        "window.joinError"
    )


async def test_remote_room_decodes_the_hall_and_the_hall_the_floor(
    served: tuple[SfuService, str],
) -> None:
    sfu, base = served
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            hall = await (await browser.new_context()).new_page()
            room = await (await browser.new_context()).new_page()
            await hall.goto(f"{base}/page/hall/hall")
            await joined(hall)
            await room.goto(f"{base}/page/remote_room/commune-a")
            await joined(room)

            await frames_grow(room)
            stats = await sfu.stats(1)
            assert stats["peers"]["commune-a"]["outbound"]["hall/video"]["packets"] > 0
            assert stats["peers"]["commune-a"]["inbound"]["uplink/video"]["paused"]
            quality = await room.evaluate("window.quality[window.quality.length - 1]")
            assert quality["framesDecoded"] > 0 and quality["inKbps"] > 0
            devices = await room.evaluate("window.devices")
            assert devices["cameras"] and devices["microphones"]

            await sfu.set_floor(1, "commune-a")
            await frames_grow(hall)
            stats = await sfu.stats(1)
            assert stats["peers"]["hall"]["outbound"]["floor/video"]["source"] == (
                "commune-a/uplink/video"
            )
            await room.evaluate("window.session.close()")
            for _ in range(50):
                if "commune-a" not in sfu.state(1)["participants"]:
                    break
                await asyncio.sleep(0.1)
            assert "commune-a" not in sfu.state(1)["participants"]
        finally:
            await browser.close()
