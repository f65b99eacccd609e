"""Webhooks: signed deliveries to a real HTTP receiver on loopback, retried with backoff,
logged attempt by attempt, and kept in the database across a node's restart."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import ClientSession, web
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import audit, db, meetings, tasks, webhooks
from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.consultations import closing
from ecabinet.i18n import translate
from ecabinet.models import (
    DeliveryStatus,
    MeetingStatus,
    Task,
    TaskStatus,
    User,
    WebhookAttempt,
    WebhookDelivery,
)
from ecabinet.webhook_dispatch import WebhookDispatcher
from ecabinet.workdays import add_working_days
from tests.conftest import Client, World, free_port
from tests.consultations.conftest import sent
from tests.test_meetings import make_meeting

S = MeetingStatus
INTEGRATION = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


def documented_verify() -> Callable[..., bool]:
    """The signature check docs/integration.md gives receivers, run as it is written."""
    text = INTEGRATION.read_text("utf-8")
    code = re.search(r"### Checking the signature.*?```python\n(.*?)```", text, re.S)
    assert code is not None
    space: dict[str, Any] = {}
    exec(code.group(1), space)
    verify: Callable[..., bool] = space["verify"]
    return verify


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A node whose own dispatcher only polls at start: the tests tick one themselves."""
    return replace(settings, webhook_poll_seconds=3600.0)


# -- a receiver ------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """Another system: checks each request's signature with the documented check, refuses
    a bad one (401), and answers the statuses queued in `answers` (then 200)."""

    base: str
    secrets: dict[str, str] = field(default_factory=dict)  # path -> secret
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    refused: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        verify = documented_verify()
        secret = self.secrets.get(request.path, "")
        if not secret or not verify(secret, request.headers, body):
            self.refused += 1
            return web.Response(status=401)
        status = self.answers.pop(0) if self.answers else 200
        self.received.append(Received(request.path, dict(request.headers), body, status))
        return web.Response(status=status)

    def url(self, path: str) -> str:
        return self.base + path

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    made = Receiver(f"http://127.0.0.1:{port}")
    app = web.Application()
    app.router.add_post("/{name}", made.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield made
    await runner.cleanup()


# -- helpers ---------------------------------------------------------------------------


async def eventually(check: Callable[[], Awaitable[bool]], what: str, limit: float = 60.0
                     ) -> None:
    """Wait until `check()` holds (a bound against hanging, not a timing under test)."""
    deadline = time.monotonic() + limit
    while not await check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.02)


async def admin_client(app: Any) -> Client:
    client = Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    assert (await client.login("admin")).status_code == 200
    return client


async def register(client: Any, url: str, events: list[str]) -> dict[str, Any]:
    made = await client.post("/api/webhooks", json={"url": url, "events": events,
                                                    "description": "eOffice"})
    assert made.status_code == 201, made.text
    answer: dict[str, Any] = made.json()
    return answer


async def deliveries_of(sessions: async_sessionmaker[AsyncSession], webhook_id: int
                        ) -> list[WebhookDelivery]:
    async with sessions() as s:
        return list((await s.scalars(select(WebhookDelivery).where(
            WebhookDelivery.webhook_id == webhook_id).order_by(WebhookDelivery.id))).all())


async def attempts_of(sessions: async_sessionmaker[AsyncSession], delivery_id: int
                      ) -> list[WebhookAttempt]:
    async with sessions() as s:
        return list((await s.scalars(select(WebhookAttempt).where(
            WebhookAttempt.delivery_id == delivery_id).order_by(WebhookAttempt.id))).all())


# -- the tests -------------------------------------------------------------------------


async def test_a_receiver_failing_twice_gets_the_event_after_a_node_restart(
        settings: Settings, sessions: async_sessionmaker[AsyncSession], world: World,
        receiver: Receiver) -> None:
    # Polled often, retried after 0.3 s then 1.2 s: the day's schedule in seconds.
    fast = replace(settings, webhook_poll_seconds=0.02, webhook_retry_scale=0.01)
    receiver.answers = [500, 500]
    first = create_app(fast)
    async with first.starlette.router.lifespan_context(first.starlette):
        admin = await admin_client(first)
        hook = await register(admin, receiver.url("/eoffice"), ["meeting.published"])
        await admin.aclose()
        receiver.secrets["/eoffice"] = hook["secret"]
        meeting_id = await make_meeting(sessions, world, S.published)
        [delivery] = await deliveries_of(sessions, hook["id"])

        async def tried() -> bool:
            return len(await attempts_of(sessions, delivery.id)) >= 1

        await eventually(tried, "a first attempt logged")
    # The node is down: the delivery waits in the database, its failures logged.
    [waiting] = await deliveries_of(sessions, hook["id"])
    assert waiting.status == DeliveryStatus.pending
    before = await attempts_of(sessions, delivery.id)
    assert 1 <= len(before) <= 2 and all(a.status_code == 500 for a in before)
    assert len(receiver.received) == len(before)

    second = create_app(fast)  # the node again, a new process for all it knows
    async with second.starlette.router.lifespan_context(second.starlette):
        async def delivered() -> bool:
            [d] = await deliveries_of(sessions, hook["id"])
            return d.status == DeliveryStatus.delivered

        await eventually(delivered, "the delivery delivered after the restart")
        admin = await admin_client(second)
        log = (await admin.get(f"/api/webhooks/{hook['id']}/deliveries")).json()
        await admin.aclose()
    [entry] = log["deliveries"]
    assert entry["status"] == "delivered" and entry["event"] == "meeting.published"
    assert [a["status_code"] for a in entry["attempts"]] == [500, 500, 200]
    assert entry["delivered_at"] is not None and entry["next_attempt_at"] is None
    # Three requests, each verified by the receiver, all the same signed event.
    assert [r.answered for r in receiver.received] == [500, 500, 200]
    assert receiver.refused == 0
    assert {r.body for r in receiver.received} == {entry["body"].encode()}
    assert {r.headers["X-Ecabinet-Delivery"] for r in receiver.received} == {str(entry["id"])}
    assert {r.headers["X-Ecabinet-Event"] for r in receiver.received} == {"meeting.published"}
    sent_event = json.loads(entry["body"])
    assert sent_event["event"] == "meeting.published"
    assert sent_event["object"] == {"type": "meeting", "id": meeting_id}
    assert sent_event["meeting_id"] == meeting_id
    assert sent_event["data"]["to"] == "published"


async def test_the_signature_covers_the_timestamp_and_the_exact_body(
        receiver: Receiver) -> None:
    verify = documented_verify()
    secret = "a" * 64
    body = '{"event":"task.done","data":{"note":"Đã nộp"}}'.encode()
    now = str(int(time.time()))
    signature = webhooks.sign(secret, now, body)
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", signature)
    headers = {"X-Ecabinet-Timestamp": now, "X-Ecabinet-Signature": signature}
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b" ")
    assert not verify("b" * 64, headers, body)
    stale = str(int(time.time()) - 3600)
    assert not verify(secret, {"X-Ecabinet-Timestamp": stale,
                               "X-Ecabinet-Signature": webhooks.sign(secret, stale, body)}, body)
    # The receiver of these tests uses that check: a forged request is refused.
    receiver.secrets["/hook"] = secret
    async with ClientSession() as http:
        forged = await http.post(receiver.url("/hook"), data=body, headers={
            "X-Ecabinet-Timestamp": now, "X-Ecabinet-Signature": webhooks.sign("x", now, body)})
        genuine = await http.post(receiver.url("/hook"), data=body, headers=headers)
    assert (forged.status, genuine.status) == (401, 200)


async def test_only_https_or_this_machine_and_known_events_are_accepted(
        client_factory: Any, world: World) -> None:
    admin = await client_factory("admin")
    refused = await admin.post("/api/webhooks", headers={"accept-language": "vi"}, json={
        "url": "http://eoffice.thuathienhue.gov.vn/hook", "events": ["meeting.published"]})
    assert refused.status_code == 422
    assert refused.json()["error"] == {
        "code": "webhook_url_invalid",
        "message": translate("webhook_url_invalid", "vi")}
    assert "phải bắt đầu bằng https://" in refused.json()["error"]["message"]
    for url in ("ftp://127.0.0.1/hook", "https://", "http://10.0.0.5/hook",
                "http://127.0.0.1.example.org/hook"):
        answer = await admin.post("/api/webhooks", json={"url": url, "events": ["task.done"]})
        assert answer.json()["error"]["code"] == "webhook_url_invalid", url
    for events in ([], ["meeting.deleted"], "task.done"):
        answer = await admin.post("/api/webhooks", json={
            "url": "https://eoffice.example.vn/hook", "events": events})
        assert answer.status_code == 422, events
        assert answer.json()["error"]["code"] in ("webhook_events_invalid", "field_invalid")
    made = await register(admin, "https://eoffice.example.vn/hook",
                          ["task.done", "meeting.published"])
    assert re.fullmatch(r"[0-9a-f]{64}", made["secret"])
    assert made["events"] == ["meeting.published", "task.done"] and made["active"] is True
    local = await register(admin, "http://localhost:8081/hook", ["task.done"])
    listed = (await admin.get("/api/webhooks")).json()["webhooks"]
    assert [w["id"] for w in listed] == [made["id"], local["id"]]
    assert all("secret" not in w for w in listed)
    assert (await admin.get("/api/webhooks/events")).json()["events"] == list(webhooks.EVENTS)


async def test_only_admins_manage_webhooks(client_factory: Any, world: World) -> None:
    admin = await client_factory("admin")
    made = await register(admin, "https://eoffice.example.vn/hook", ["task.done"])
    for name in ("secretary", "chair", "delegate"):
        other = await client_factory(name)
        calls = [other.get("/api/webhooks"), other.get("/api/webhooks/events"),
                 other.post("/api/webhooks", json={"url": "https://x.example.vn/h",
                                                   "events": ["task.done"]}),
                 other.patch(f"/api/webhooks/{made['id']}", json={"active": False}),
                 other.get(f"/api/webhooks/{made['id']}/deliveries"),
                 other.delete(f"/api/webhooks/{made['id']}")]
        for answer in await asyncio.gather(*calls):
            assert answer.status_code == 403, (name, answer.text)
            assert answer.json()["error"]["code"] == "forbidden"
    assert [w["id"] for w in (await admin.get("/api/webhooks")).json()["webhooks"]] == [
        made["id"]]


async def test_a_redelivery_is_a_new_delivery_of_the_same_event(
        client_factory: Any, settings: Settings, sessions: async_sessionmaker[AsyncSession],
        world: World, receiver: Receiver) -> None:
    admin = await client_factory("admin")
    hook = await register(admin, receiver.url("/hub"), ["meeting.published"])
    receiver.secrets["/hub"] = hook["secret"]
    await make_meeting(sessions, world, S.published)
    dispatcher = WebhookDispatcher(sessions, settings)
    try:
        assert await dispatcher.tick() == 1
        [first] = (await admin.get(f"/api/webhooks/{hook['id']}/deliveries")).json()[
            "deliveries"]
        assert first["status"] == "delivered"
        again = await admin.post(f"/api/webhooks/deliveries/{first['id']}/redeliver")
        assert again.status_code == 201, again.text
        made = again.json()
        assert made["id"] != first["id"] and made["status"] == "pending"
        assert made["body"] == first["body"] and made["attempts"] == []
        assert await dispatcher.tick() == 1
    finally:
        await dispatcher.stop()
    log = (await admin.get(f"/api/webhooks/{hook['id']}/deliveries")).json()["deliveries"]
    assert [(d["id"], d["status"]) for d in log] == [(made["id"], "delivered"),
                                                      (first["id"], "delivered")]
    assert [r.headers["X-Ecabinet-Delivery"] for r in receiver.received] == [
        str(first["id"]), str(made["id"])]
    # The same event twice: the receiver can tell by its id.
    ids = {json.loads(r.body)["id"] for r in receiver.received}
    assert len(ids) == 1
    missing = await admin.post("/api/webhooks/deliveries/999999/redeliver")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "webhook_delivery_not_found"


async def test_unsubscribed_and_paused_webhooks_get_nothing(
        client_factory: Any, settings: Settings, sessions: async_sessionmaker[AsyncSession],
        world: World, receiver: Receiver) -> None:
    admin = await client_factory("admin")
    wanted = await register(admin, receiver.url("/wanted"), ["meeting.published"])
    other = await register(admin, receiver.url("/other"), ["meeting.cancelled", "task.done"])
    paused = await register(admin, receiver.url("/paused"), ["meeting.published"])
    for path, hook in (("/wanted", wanted), ("/other", other), ("/paused", paused)):
        receiver.secrets[path] = hook["secret"]
    answer = await admin.patch(f"/api/webhooks/{paused['id']}", json={"active": False})
    assert answer.status_code == 200 and answer.json()["active"] is False
    await make_meeting(sessions, world, S.published)
    dispatcher = WebhookDispatcher(sessions, settings)
    try:
        await dispatcher.tick()
    finally:
        await dispatcher.stop()
    assert [len(await deliveries_of(sessions, h["id"])) for h in (wanted, other, paused)] == [
        1, 0, 0]
    assert [r.path for r in receiver.received] == ["/wanted"]
    # Deleted, a webhook takes its log along.
    gone = await admin.delete(f"/api/webhooks/{wanted['id']}")
    assert gone.status_code == 200
    assert await deliveries_of(sessions, wanted["id"]) == []
    assert (await admin.get(f"/api/webhooks/{wanted['id']}/deliveries")).status_code == 404


async def test_each_audited_action_becomes_its_event(
        client_factory: Any, sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    admin = await client_factory("admin")
    hook = await register(admin, "https://eoffice.example.vn/hook", list(webhooks.EVENTS))
    meeting_id = await make_meeting(sessions, world, S.published)
    async with db.transaction(sessions) as s:
        secretary = await s.get(User, world["secretary"].id)
        assert secretary is not None
        found = await meetings.get_meeting(s, secretary, meeting_id)
        await meetings.postpone(s, secretary, meeting_id,
                                starts_at=found.starts_at + timedelta(days=7), ends_at=None,
                                reason="Trùng lịch")
        await meetings.transition(s, secretary, meeting_id, "cancel", comment="Đã xử lý")
    consultation = await sent(sessions, world)
    async with db.transaction(sessions) as s:
        await closing.close_early(s, world["secretary"], consultation.id)
    events = [(d.event, json.loads(d.body)) for d in await deliveries_of(sessions, hook["id"])]
    assert [e for e, _ in events] == ["meeting.published", "meeting.postponed",
                                      "meeting.cancelled", "consultation.sent",
                                      "consultation.closed"]
    bodies = dict(events)
    assert bodies["meeting.postponed"]["data"]["reason"] == "Trùng lịch"
    assert bodies["meeting.cancelled"]["data"]["comment"] == "Đã xử lý"
    assert bodies["consultation.sent"]["object"] == {"type": "consultation",
                                                     "id": consultation.id}
    assert bodies["consultation.sent"]["meeting_id"] is None
    assert bodies["consultation.closed"]["data"]["why"] == "early"


async def test_assigning_tasks_is_audited_and_sent(
        client_factory: Any, sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    admin = await client_factory("admin")
    hook = await register(admin, "https://eoffice.example.vn/hook", ["task.assigned"])
    meeting_id = await make_meeting(sessions, world, S.published)
    deadline = date.today() + timedelta(days=30)
    async with db.transaction(sessions) as s:
        given = [Task(meeting_id=meeting_id, content=f"Nhiệm vụ {n}", deadline=deadline,
                      deliverable="Báo cáo", responsible_unit_id=world.province)
                 for n in range(2)]
        s.add_all(given)
        await s.flush()
        chair = await s.get(User, world["chair"].id)
        assert chair is not None
        await tasks.assign(s, chair, given)
    async with sessions() as s:
        logged = await audit.entries(s, action="task.assign")
    assert sorted(int(e.object_id) for e in logged) == sorted(t.id for t in given)
    assert {e.actor_id for e in logged} == {world["chair"].id}
    bodies = [json.loads(d.body) for d in await deliveries_of(sessions, hook["id"])]
    assert sorted(b["object"]["id"] for b in bodies) == sorted(t.id for t in given)
    assert bodies[0]["data"] == {"deadline": deadline.isoformat(),
                                 "responsible_unit_id": world.province,
                                 "responsible_user_id": None}


async def test_an_action_that_is_no_event_costs_no_query(
        client_factory: Any, sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    admin = await client_factory("admin")
    hook = await register(admin, "https://eoffice.example.vn/hook", list(webhooks.EVENTS))
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    async with db.transaction(sessions) as s:
        engine = s.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            await webhooks.enqueue_audited(s, [audit.AuditRecord(
                action="vote.cast", actor_id=None, object_type="ballot", object_id="1")
                for _ in range(50)])
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert statements == []
        await audit.record(s, "document.view", actor_id=world["delegate"].id,
                           object_type="document", object_id=1)
    assert await deliveries_of(sessions, hook["id"]) == []


async def test_a_delivery_is_given_up_a_day_after_it_was_made(
        client_factory: Any, settings: Settings, sessions: async_sessionmaker[AsyncSession],
        world: World, receiver: Receiver) -> None:
    admin = await client_factory("admin")
    hook = await register(admin, receiver.url("/down"), ["meeting.published"])
    receiver.secrets["/down"] = hook["secret"]
    receiver.answers = [503] * 10
    await make_meeting(sessions, world, S.published)
    [delivery] = await deliveries_of(sessions, hook["id"])
    made = delivery.created_at
    dispatcher = WebhookDispatcher(sessions, settings)
    try:
        assert await dispatcher.tick(now=made + timedelta(hours=1)) == 1
        [waiting] = await deliveries_of(sessions, hook["id"])
        assert waiting.status == DeliveryStatus.pending and waiting.attempts == 1
        assert waiting.next_attempt_at == made + timedelta(hours=1, seconds=30)
        # Not due yet: nothing is sent.
        assert await dispatcher.tick(now=made + timedelta(hours=1, seconds=10)) == 0
        assert await dispatcher.tick(now=made + timedelta(hours=23, minutes=59)) == 1
        [late] = await deliveries_of(sessions, hook["id"])
        # The next try is the day's last moment, not two minutes past it.
        assert late.status == DeliveryStatus.pending
        assert late.next_attempt_at == made + timedelta(days=1)
        assert await dispatcher.tick(now=made + timedelta(days=1)) == 1
    finally:
        await dispatcher.stop()
    [given_up] = await deliveries_of(sessions, hook["id"])
    assert given_up.status == DeliveryStatus.failed and given_up.attempts == 3
    assert [a.status_code for a in await attempts_of(sessions, delivery.id)] == [503] * 3
    log = (await admin.get(f"/api/webhooks/{hook['id']}/deliveries")).json()["deliveries"]
    assert log[0]["status"] == "failed" and log[0]["next_attempt_at"] is None


async def test_an_unreachable_receiver_is_logged_with_its_error(
        client_factory: Any, settings: Settings, sessions: async_sessionmaker[AsyncSession],
        world: World) -> None:
    admin = await client_factory("admin")
    hook = await register(admin, f"http://127.0.0.1:{free_port()}/nobody",
                          ["meeting.published"])
    await make_meeting(sessions, world, S.published)
    dispatcher = WebhookDispatcher(sessions, settings)
    try:
        assert await dispatcher.tick() == 1
    finally:
        await dispatcher.stop()
    [entry] = (await admin.get(f"/api/webhooks/{hook['id']}/deliveries")).json()["deliveries"]
    [attempt] = entry["attempts"]
    assert entry["status"] == "pending" and attempt["status_code"] is None
    assert "Connect" in attempt["error"]


async def test_the_sweep_sends_due_soon_and_overdue_once(
        client_factory: Any, sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    admin = await client_factory("admin")
    hook = await register(admin, "https://eoffice.example.vn/hook",
                          ["task.due_soon", "task.overdue"])
    meeting_id = await make_meeting(sessions, world, S.published)
    today = date(2026, 3, 4)  # a Wednesday
    deadlines = {"late": today - timedelta(days=3), "soon": add_working_days(today, 1),
                 "later": today + timedelta(days=30), "done": today - timedelta(days=3)}
    ids: dict[str, int] = {}
    async with db.transaction(sessions) as s:
        for name, deadline in deadlines.items():
            task = Task(meeting_id=meeting_id, content=name, deadline=deadline,
                        deliverable="Báo cáo", responsible_unit_id=world.province,
                        status=TaskStatus.done if name == "done" else TaskStatus.assigned)
            s.add(task)
            await s.flush()
            ids[name] = task.id
    for _ in range(2):  # the hourly sweep, on two nodes or twice: each event once
        async with db.transaction(sessions) as s:
            await webhooks.sweep_tasks(s, today)
    found = [(d.event, json.loads(d.body)) for d in await deliveries_of(sessions, hook["id"])]
    assert sorted((e, b["object"]["id"]) for e, b in found) == sorted([
        ("task.overdue", ids["late"]), ("task.due_soon", ids["soon"])])
    overdue = next(b for e, b in found if e == "task.overdue")
    assert overdue["data"] == {"deadline": deadlines["late"].isoformat(),
                               "working_days_left": -3}
    assert overdue["meeting_id"] == meeting_id
    # Days later the task due soon is overdue too: that is a new event, sent once.
    later = deadlines["soon"] + timedelta(days=1)
    for _ in range(2):
        async with db.transaction(sessions) as s:
            await webhooks.sweep_tasks(s, later)
    events = sorted((d.event, json.loads(d.body)["object"]["id"])
                    for d in await deliveries_of(sessions, hook["id"]))
    assert events == sorted([("task.overdue", ids["late"]), ("task.due_soon", ids["soon"]),
                             ("task.overdue", ids["soon"])])


async def test_two_dispatchers_never_send_the_same_delivery(
        client_factory: Any, settings: Settings, sessions: async_sessionmaker[AsyncSession],
        world: World, receiver: Receiver) -> None:
    admin = await client_factory("admin")
    hook = await register(admin, receiver.url("/twice"), ["meeting.published"])
    receiver.secrets["/twice"] = hook["secret"]
    for _ in range(3):
        await make_meeting(sessions, world, S.published)
    one, two = WebhookDispatcher(sessions, settings), WebhookDispatcher(sessions, settings)
    try:
        made = await asyncio.gather(one.tick(), two.tick())
    finally:
        await one.stop()
        await two.stop()
    assert sum(made) == 3
    assert len(receiver.received) == 3
    assert len({r.headers["X-Ecabinet-Delivery"] for r in receiver.received}) == 3
    assert {d.status for d in await deliveries_of(sessions, hook["id"])} == {
        DeliveryStatus.delivered}
