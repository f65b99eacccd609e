"""Email through a real SMTP server on loopback: the invitation carries the meeting as an
iCalendar event in Vietnam's time zone; a postponement and a cancellation update the same
UID; reminders, tasks and signatures awaited are written once; people opt out; a server
that refuses at first gets the message later, across a node's restart."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import email
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db, meetings, minutes
from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.errors import Invalid
from ecabinet.mail import outbox
from ecabinet.models import DeliveryStatus, MailMessage, MeetingStatus, TaskStatus, User
from ecabinet.models.base import utcnow
from tests.conftest import PASSWORD, World, free_port
from tests.minutes.conftest import Pki, give_keys, meeting_in
from tests.minutes.test_tasks import issued_notice
from tests.test_meetings import make_meeting

SITE = "https://ecabinet.hue.gov.vn"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class Mailbox:
    """An aiosmtpd handler keeping what it accepts; it may refuse the first few."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.refuse = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Hệ thống thư bận, thử lại sau"
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def mail_settings(settings: Settings, port: int) -> Settings:
    """The node's settings with email on, sent often, retried within a second."""
    return dataclasses.replace(settings, smtp_url=f"smtp+plain://127.0.0.1:{port}",
                               public_url=SITE, mail_from="Văn phòng UBND tỉnh <vp@hue.gov.vn>",
                               webhook_poll_seconds=0.05, webhook_retry_scale=0.002)


@pytest.fixture
async def node(settings: Settings, sessions: async_sessionmaker[AsyncSession],
               mailbox: tuple[Mailbox, int]) -> AsyncIterator[Any]:
    asgi = create_app(mail_settings(settings, mailbox[1]))
    async with asgi.starlette.router.lifespan_context(asgi.starlette):
        yield asgi


async def give_addresses(sessions: async_sessionmaker[AsyncSession], world: World,
                         *names: str) -> None:
    async with db.transaction(sessions) as s:
        for name in names:
            await s.execute(update(User).where(User.id == world[name].id)
                            .values(email=f"{name}@hue.gov.vn"))


async def arrived(box: Mailbox, address: str, count: int, about: str = ""
                  ) -> list[EmailMessage]:
    """The emails to `address` (whose subject holds `about`), once `count` have come."""
    def found() -> list[EmailMessage]:
        return [m for m in box.to(address) if about in m["Subject"]]

    for _ in range(200):
        if len(found()) >= count:
            return found()
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(found())} emails to {address}, not {count}")


def invitation(message: EmailMessage) -> tuple[str, Any]:
    """The iTIP METHOD and the event of an email's inline calendar part."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") in ("REQUEST", "CANCEL")
    attached = [p for p in message.iter_attachments() if p.get_filename() == "invite.ics"]
    assert attached and attached[0].get_content() == part.get_content().encode()
    cal = Calendar.from_ical(part.get_content())
    assert str(cal["method"]) == part.get_param("method")
    return str(cal["method"]), next(iter(cal.walk("VEVENT")))


async def test_invitation_then_postponed_then_cancelled_on_one_uid(
        node: Any, world: World, sessions: async_sessionmaker[AsyncSession],
        mailbox: tuple[Mailbox, int]) -> None:
    box, _ = mailbox
    await give_addresses(sessions, world, "delegate", "delegate2", "chair")
    # delegate2 turned invitations off; the outsider has no address at all.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node),
                                 base_url="http://testserver") as client:
        login = await client.post("/api/login", json={"username": "delegate2",
                                                       "password": PASSWORD})
        client.headers["x-csrf-token"] = login.json()["csrf_token"]
        changed = await client.put("/api/me/mail", json={"off": ["invitations"]})
        assert changed.status_code == 200, changed.text
        assert changed.json()["off"] == ["invitations"]
        wrong = await client.put("/api/me/mail", json={"email": "không phải email"})
        assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "email_invalid"

    published = await make_meeting(sessions, world, MeetingStatus.published)
    first = (await arrived(box, "delegate@hue.gov.vn", 1))[0]
    assert first["Subject"].startswith("Giấy mời họp: ")
    assert "Văn phòng UBND tỉnh" in first["From"]
    text = first.get_body(("plain",))
    assert text is not None
    assert "Kính gửi đồng chí Nguyễn Văn Delegate" in text.get_content()
    assert f"{SITE}/meetings/{published}" in text.get_content()
    method, event = invitation(first)
    uid = f"meeting-{published}@ecabinet.hue.gov.vn"
    assert method == "REQUEST" and str(event["uid"]) == uid
    start = event.decoded("dtstart")
    assert event["dtstart"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert start.utcoffset() == dt.timedelta(hours=7)
    async with sessions() as s:
        meeting = await s.get(meetings.Meeting, published)
        assert meeting is not None and start == meeting.starts_at.astimezone(VIETNAM)
    assert any("attendee" in k.lower() for k in event)
    await arrived(box, "chair@hue.gov.vn", 1)

    async with db.transaction(sessions) as s:
        await meetings.postpone(s, await s.get(User, world["secretary"].id), published,
                                starts_at=start + dt.timedelta(days=7), ends_at=None,
                                reason="Trùng lịch tiếp công dân")
    moved = (await arrived(box, "delegate@hue.gov.vn", 2))[1]
    assert moved["Subject"].startswith("Hoãn cuộc họp: ")
    assert "Trùng lịch tiếp công dân" in moved.get_body(("plain",)).get_content()
    method, moved_event = invitation(moved)
    assert method == "REQUEST" and str(moved_event["uid"]) == uid
    assert moved_event.decoded("dtstart") == start + dt.timedelta(days=7)
    assert int(moved_event["sequence"]) > int(event["sequence"])

    async with db.transaction(sessions) as s:
        await meetings.transition(s, await s.get(User, world["secretary"].id), published,
                                  "cancel", comment="Đã xử lý bằng văn bản")
    gone = (await arrived(box, "delegate@hue.gov.vn", 3))[2]
    assert gone["Subject"].startswith("Hủy cuộc họp: ")
    method, gone_event = invitation(gone)
    assert method == "CANCEL" and str(gone_event["uid"]) == uid
    assert str(gone_event["status"]) == "CANCELLED"
    assert int(gone_event["sequence"]) >= int(moved_event["sequence"])

    await asyncio.sleep(0.3)
    assert box.to("delegate2@hue.gov.vn") == []  # opted out
    assert box.to("outsider@hue.gov.vn") == []
    async with sessions() as s:
        kept = (await s.scalars(select(MailMessage))).all()
        assert kept and all(m.status == DeliveryStatus.delivered for m in kept)


async def test_a_refusing_server_gets_it_later_across_a_restart(
        settings: Settings, world: World, sessions: async_sessionmaker[AsyncSession],
        mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    box.refuse = 1
    await give_addresses(sessions, world, "delegate")
    first_node = create_app(mail_settings(settings, port))
    async with first_node.starlette.router.lifespan_context(first_node.starlette):
        await make_meeting(sessions, world, MeetingStatus.published)
        for _ in range(200):
            async with sessions() as s:
                message = await s.scalar(select(MailMessage).where(
                    MailMessage.to_address == "delegate@hue.gov.vn"))
                if message is not None and message.attempts >= 1:
                    break
            await asyncio.sleep(0.02)
    # Stopped between the refusal and the next try: the outbox keeps it.
    assert message is not None and message.status == DeliveryStatus.pending
    assert "451" in message.last_error and box.to("delegate@hue.gov.vn") == []
    second_node = create_app(mail_settings(settings, port))
    async with second_node.starlette.router.lifespan_context(second_node.starlette):
        got = await arrived(box, "delegate@hue.gov.vn", 1)
    assert got[0]["Subject"].startswith("Giấy mời họp: ")
    async with sessions() as s:
        sent = await s.get(MailMessage, message.id)
        assert sent is not None and sent.status == DeliveryStatus.delivered
        assert sent.attempts == 2 and sent.sent_at is not None


async def test_reminders_and_tasks_are_written_once(
        node: Any, world: World, sessions: async_sessionmaker[AsyncSession],
        mailbox: tuple[Mailbox, int]) -> None:
    box, _ = mailbox
    await give_addresses(sessions, world, "delegate", "district_secretary")
    published = await make_meeting(sessions, world, MeetingStatus.published)
    soon = utcnow() + dt.timedelta(hours=20)
    async with db.transaction(sessions) as s:
        await s.execute(update(meetings.Meeting).where(meetings.Meeting.id == published)
                        .values(starts_at=soon, ends_at=None))
    adjourned = await make_meeting(sessions, world, MeetingStatus.adjourned)
    overdue = dt.date.today() - dt.timedelta(days=3)
    await issued_notice(sessions, world, adjourned, [
        ("Rà soát hồ sơ đất đai", overdue, TaskStatus.assigned, world.district, None),
    ])
    courier = node.starlette.state.mail
    for _ in range(2):  # a second sweep, as another node's, writes nothing more
        courier._next_sweep = None
        await courier.tick()
    assert len(await arrived(box, "delegate@hue.gov.vn", 1, about="Nhắc lịch họp")) == 1
    async with sessions() as s:
        written = (await s.scalars(select(MailMessage.category))).all()
        assert sorted(written).count("reminders") == 1 and written.count("tasks") == 1
    task = await arrived(box, "district_secretary@hue.gov.vn", 1)
    assert [m["Subject"] for m in task] == ["Nhiệm vụ quá hạn: Rà soát hồ sơ đất đai"]
    assert overdue.strftime("%d/%m/%Y") in task[0].get_body(("plain",)).get_content()


async def test_minutes_awaiting_a_signature(
        node: Any, world: World, sessions: async_sessionmaker[AsyncSession], pki: Pki,
        mailbox: tuple[Mailbox, int]) -> None:
    box, _ = mailbox
    await give_addresses(sessions, world, "secretary")
    adjourned = await meeting_in(sessions, world, MeetingStatus.adjourned)
    await give_keys(sessions, world, pki)
    async with db.transaction(sessions) as s:
        secretary = await s.get(User, world["secretary"].id)
        assert secretary is not None
        await minutes.draft(s, secretary, adjourned)
        await minutes.submit(s, secretary, adjourned)
    async with db.transaction(sessions) as s:
        chair = await s.get(User, world["chair"].id)
        assert chair is not None
        await minutes.approve(s, chair, adjourned)
    letters = await arrived(box, "secretary@hue.gov.vn", 1, about="ký số")
    assert letters[0]["Subject"].startswith("Chờ đồng chí ký số: Biên bản cuộc họp")
    assert f"{SITE}/meetings/{adjourned}/minutes" in letters[0].get_body(
        ("plain",)).get_content()


@pytest.mark.parametrize("address", [
    "daibieu1@@x.vn", "nguyễn@thuathienhue.vn", "abc", "a@b", "x@y.vn<script>",
    "an nguyen@hue.gov.vn", "a@-x.vn", "a@x..vn"])
def test_a_mistyped_address_is_refused(address: str) -> None:
    with pytest.raises(Invalid) as refused:
        outbox.check_address(address)
    assert refused.value.code == "email_invalid"


def test_office_addresses_are_kept() -> None:
    for address in ("an.nguyen@hue.gov.vn", "vp+ecab@so-tc.hue.gov.vn", " x@y.vn "):
        assert outbox.check_address(address) == address.strip()
    assert outbox.check_address("  ") == ""
