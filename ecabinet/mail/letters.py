"""What eCabinet writes to people, and when: invitations with their calendar event (updated
on a change, a postponement, a cancellation under the same UID), the day-before reminder,
tasks due soon and overdue, and documents awaiting the reader's signature. Each in the
person's language, Vietnamese first; each kind may be opted out of.

Meeting letters come from the audit log, as webhooks do: `audit.record_many` hands its
records here, in the same transaction, so an action rolled back writes to nobody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import meeting_calendar
from ecabinet.i18n import translate
from ecabinet.mail.outbox import Letter, enqueue, recipients
from ecabinet.models import Meeting, MeetingStatus, Task, TaskStatus, User
from ecabinet.models.base import utcnow

if TYPE_CHECKING:
    from ecabinet.audit import AuditRecord

S = MeetingStatus
# Audit actions that are written about, and the letter each becomes.
AUDITED = {"meeting.publish": "invitation", "meeting.update": "changed",
           "meeting.postpone": "postponed", "meeting.cancel": "cancelled"}
ANNOUNCED = (S.published, S.in_session, S.adjourned, S.cancelled)
REMIND_AHEAD = dt.timedelta(hours=24)
WEEKDAYS = {"vi": ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                   "Sunday")}


@dataclass(frozen=True)
class Site:
    """Where the node is reached (links, calendar UIDs) and who its emails are from."""

    url: str = ""
    sender: str = ""

    @property
    def host(self) -> str:
        """The host name calendar UIDs end with."""
        return urlsplit(self.url).hostname or "ecabinet"

    @property
    def sender_address(self) -> str:
        """The bare address of `sender` ("eCabinet <a@b>" → "a@b")."""
        return parseaddr(self.sender)[1] or self.sender


# Set by `configure` when a node starts with ECABINET_SMTP_URL; unset, nothing is written.
_site: Site | None = None


def configure(site: Site | None) -> None:
    """Write emails from now on, as this site (None: the node sends no email)."""
    global _site
    _site = site


def site() -> Site | None:
    """The configured site, or None when email is off."""
    return _site


def when(moment: dt.datetime, language: str) -> str:
    """"08:00, thứ Hai, 14/12/2026": a time as an invitation writes it, in Vietnam."""
    local = moment.astimezone(meeting_calendar.ZONE)
    day = WEEKDAYS.get(language, WEEKDAYS["vi"])[local.weekday()]
    return f"{local:%H:%M}, {day}, {local:%d/%m/%Y}"


def _text(code: str, user: User, **params: Any) -> str:
    return translate(code, user.language, params)


def _letter(kind: str, user: User, body_params: dict[str, Any], subject_params: dict[str, Any],
            link: str) -> tuple[str, str]:
    subject = _text(f"mail_{kind}_subject", user, **subject_params)
    body = "\n\n".join([
        _text("mail_greeting", user, name=user.full_name),
        _text(f"mail_{kind}_body", user, **body_params),
        _text("mail_link", user, link=link),
        _text("mail_footer", user)])
    return subject, body


async def _meeting_letters(session: AsyncSession, kind: str, meeting_id: int,
                           data: dict[str, Any], key: str, here: Site) -> None:
    # meetings.py writes the audit log, which imports this module.
    from ecabinet import meetings

    # Read afresh: the flush before the audit entry changed `updated_at` in the database.
    meeting = await session.get(Meeting, meeting_id, populate_existing=True)
    if meeting is None or meeting.published_at is None or meeting.status not in ANNOUNCED:
        return  # not yet announced: its members hear of it when it is published
    people = await recipients(session, await meetings.member_ids(session, meeting),
                              "invitations")
    link = f"{here.url}/meetings/{meeting.id}"
    for user in people:
        params = {"title": meeting.title, "when": when(meeting.starts_at, user.language),
                  "place": meeting.place or "—", "reason": meeting.change_reason,
                  # A postponement's audit entry says the start it moved from.
                  "before": when(dt.datetime.fromisoformat(data["from"]), user.language)
                  if kind == "postponed" else ""}
        subject, body = _letter(kind, user, params, {"title": meeting.title}, link)
        calendar, method = meeting_calendar.invitation(
            meeting, here.host, here.sender_address, (user.full_name, user.email))
        await enqueue(session, user, "invitations", f"{key}:user-{user.id}",
                      Letter(subject, body, calendar, method))


async def audited(session: AsyncSession, records: Sequence[AuditRecord],
                  at: dt.datetime) -> None:
    """Write the letters the audited actions call for (meeting ones only; others pass)."""
    here = _site
    if here is None:
        return
    for number, rec in enumerate(records):
        kind = AUDITED.get(rec.action)
        if kind is None or rec.meeting_id is None:
            continue
        key = f"{kind}:meeting-{rec.meeting_id}:{at.isoformat()}:{number}"
        await _meeting_letters(session, kind, rec.meeting_id, rec.data or {}, key, here)


async def signature_awaited(session: AsyncSession, user_ids: Sequence[int], meeting: Meeting,
                            document: str) -> None:
    """Tell the people whose signature a meeting's minutes or notice now waits for."""
    here = _site
    if here is None:
        return
    tab = {"minutes": "minutes", "conclusion": "conclusion"}[document]
    for user in await recipients(session, user_ids, "signatures"):
        subject, body = _letter(
            "signature", user, {"document": _text(f"mail_doc_{document}", user),
                                "title": meeting.title},
            {"document": _text(f"mail_doc_{document}", user), "title": meeting.title},
            f"{here.url}/meetings/{meeting.id}/{tab}")
        await enqueue(session, user, "signatures",
                      f"signature:{document}:meeting-{meeting.id}:user-{user.id}:"
                      f"{utcnow().isoformat()}", Letter(subject, body))


async def sweep(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Reminders of tomorrow's meetings and tasks due soon or overdue, each written once;
    how many were added."""
    here = _site
    if here is None:
        return 0
    moment = now or utcnow()
    return (await _reminders(session, moment, here)) + (await _tasks(session, moment, here))


async def _reminders(session: AsyncSession, moment: dt.datetime, here: Site) -> int:
    from ecabinet import meetings

    coming = (await session.scalars(select(Meeting).where(
        Meeting.status == S.published, Meeting.starts_at > moment,
        Meeting.starts_at <= moment + REMIND_AHEAD))).all()
    added = 0
    for meeting in coming:
        link = f"{here.url}/meetings/{meeting.id}"
        for user in await recipients(session, await meetings.member_ids(session, meeting),
                                     "reminders"):
            subject, body = _letter(
                "reminder", user, {"title": meeting.title,
                                   "when": when(meeting.starts_at, user.language),
                                   "place": meeting.place or "—"},
                {"title": meeting.title}, link)
            # Keyed by the start too: a postponed meeting is reminded of again.
            added += await enqueue(session, user, "reminders",
                                   f"reminder:meeting-{meeting.id}:"
                                   f"{meeting.starts_at.isoformat()}:user-{user.id}",
                                   Letter(subject, body), moment)
    return added


async def _tasks(session: AsyncSession, moment: dt.datetime, here: Site) -> int:
    from ecabinet import tasks
    from ecabinet.responsibility import responsible_ids

    today = tasks.today()
    found = (await session.scalars(select(Task).where(
        Task.status.in_((TaskStatus.assigned, TaskStatus.in_progress)),
        Task.deadline <= today + dt.timedelta(days=7)).order_by(Task.id))).all()
    added = 0
    for task in found:
        state, _left = tasks.deadline_state(task.deadline, task.status, None, today)
        if state not in ("due_soon", "overdue"):
            continue
        for user in await recipients(session, await responsible_ids(session, task), "tasks"):
            subject, body = _letter(
                f"task_{state}", user, {"content": task.content,
                                        "deadline": f"{task.deadline:%d/%m/%Y}",
                                        "deliverable": task.deliverable},
                {"content": task.content[:120]}, f"{here.url}/tasks")
            added += await enqueue(session, user, "tasks",
                                   f"task-{state}:{task.id}:{task.deadline.isoformat()}:"
                                   f"user-{user.id}", Letter(subject, body), moment)
    return added
