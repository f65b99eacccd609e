"""Meeting minutes (biên bản họp): drafted from what the meeting recorded, edited by the
secretary, reviewed by the chair, signed by both; a meeting closes only on signed minutes.

The draft is composed from one source per section (agenda, attendance, questions,
speakers, polls). Each source is read only if its module is installed, so the minutes
still draft, with fewer facts, on a node where a live-meeting feature is absent.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from ecabinet import audit, eventlog, meetings, signatures
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.mail import letters
from ecabinet.models import (
    AgendaItem,
    Conclusion,
    ConclusionItem,
    InvitedUnit,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    OfficialPdf,
    Participant,
    ParticipantRole,
    Role,
    Unit,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.pdf import official
from ecabinet.units import ancestors
from ecabinet.workdays import VIETNAM, local_date

M = MinutesStatus
MAX_SECTIONS = 200
MAX_PARAGRAPHS = 300
MAX_TEXT = 20000
# Roles whose presence the minutes record one by one: the chair and the secretary are named
# in the opening; observers and room accounts are not listed.
_ROSTER_ROLES = (ParticipantRole.delegate, ParticipantRole.invited)


# -- who may see and do what -------------------------------------------------


async def office_ids(session: AsyncSession, meeting: Meeting) -> set[int]:
    """Secretaries who manage the meeting: its creator and those of its unit or above."""
    chain = [unit.id for unit in await ancestors(session, meeting.unit_id)]
    ids = set((await session.scalars(
        select(User.id).where(User.role == Role.secretary, User.unit_id.in_(chain))
    )).all())
    ids.add(meeting.created_by_id)
    return ids


async def drafting_audience(session: AsyncSession, meeting: Meeting) -> list[int]:
    """Who sees a document while it is drafted: the office and the chair."""
    return sorted(await office_ids(session, meeting) | {meeting.chair_id})


@dataclass(frozen=True)
class Access:
    """What one user may do with a meeting's minutes."""

    manage: bool
    chair: bool
    admin: bool

    @property
    def drafts(self) -> bool:
        """Sees the minutes before they are signed."""
        return self.manage or self.chair or self.admin


async def access(session: AsyncSession, user: User, meeting: Meeting) -> Access:
    """The user's standing towards the meeting's minutes."""
    return Access(
        manage=await meetings.can_manage(session, user, meeting),
        chair=meetings.is_chair(user, meeting),
        admin=user.role == Role.admin,
    )


# -- composing the draft from the meeting ------------------------------------


def _optional(module: str) -> ModuleType | None:
    """A feature's model module, or None on a node without that feature."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _person(user: User) -> str:
    return f"{user.full_name}, {user.title}" if user.title else user.full_name


def _clock(moment: dt.datetime) -> str:
    local = moment.astimezone(VIETNAM)
    return f"{local.hour:02d} giờ {local.minute:02d}"


def _day(day: dt.date) -> str:
    return f"ngày {day.day:02d}/{day.month:02d}/{day.year}"


@dataclass
class MeetingRecord:
    """Everything the minutes draw on, gathered once."""

    meeting: Meeting
    chair: User
    secretary: User | None
    people: list[tuple[Participant, User]]
    items: list[AgendaItem]
    started: dt.datetime | None
    ended: dt.datetime | None
    remote_units: list[str] = field(default_factory=list)
    users: dict[int, User] = field(default_factory=dict)


async def _record(session: AsyncSession, meeting: Meeting, secretary: User | None
                  ) -> MeetingRecord:
    chair = await session.get(User, meeting.chair_id)
    assert chair is not None
    people = [(p, u) for p, u in (await session.execute(
        select(Participant, User).join(User, User.id == Participant.user_id)
        .where(Participant.meeting_id == meeting.id).order_by(Participant.id)
    )).all()]
    items = list((await session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position, AgendaItem.id)
    )).all())
    remote = list((await session.scalars(
        select(Unit.name).join(InvitedUnit, InvitedUnit.unit_id == Unit.id)
        .where(InvitedUnit.meeting_id == meeting.id, InvitedUnit.remote.is_(True))
        .order_by(InvitedUnit.id)
    )).all())
    started, ended = await meetings.held_times(session, meeting)
    record = MeetingRecord(
        meeting=meeting, chair=chair, secretary=secretary,
        people=people,
        items=items,
        started=started,
        ended=ended,
        remote_units=remote,
    )
    record.users = {u.id: u for _, u in record.people}
    record.users[chair.id] = chair
    return record


async def _users(session: AsyncSession, record: MeetingRecord, ids: set[int]) -> dict[int, User]:
    missing = ids - record.users.keys()
    if missing:
        for user in (await session.scalars(select(User).where(User.id.in_(missing)))).all():
            record.users[user.id] = user
    return record.users


def _opening(record: MeetingRecord) -> dict[str, Any]:
    meeting = record.meeting
    scheduled = local_date(meeting.starts_at)
    if record.started is None:
        # Never started (no start recorded): the schedule, said to be one.
        when = [f"Thời gian: dự kiến bắt đầu lúc {_clock(meeting.starts_at)}, {_day(scheduled)}."]
    else:
        started = local_date(record.started)
        when = [f"Thời gian: bắt đầu lúc {_clock(record.started)}, {_day(started)}."]
        if started != scheduled:
            how = "sớm" if started < scheduled else "muộn"
            when.append(f"Cuộc họp dự kiến {_day(scheduled)}, bắt đầu {how} vào {_day(started)}.")
    paragraphs = [
        *when,
        f"Địa điểm: {meeting.place}." if meeting.place else "",
        f"Chủ trì: {_person(record.chair)}.",
        f"Thư ký: {_person(record.secretary)}." if record.secretary else "",
    ]
    if record.remote_units:
        paragraphs.append(
            "Hình thức: trực tiếp kết hợp trực tuyến với các điểm cầu: "
            + ", ".join(record.remote_units) + "."
        )
    return _section("opening", "I. THỜI GIAN, ĐỊA ĐIỂM, CHỦ TRÌ",
                    [p for p in paragraphs if p])


async def _attendance(session: AsyncSession, record: MeetingRecord) -> dict[str, Any]:
    roster = [(p, u) for p, u in record.people if p.role in _ROSTER_ROLES]
    module = _optional("ecabinet.models.attendance")
    if module is None:
        lines = [f"Thành phần mời: {len(roster)} đại biểu."]
        lines += [f"- {_person(u)}." for _, u in roster]
        return _section("attendance", "II. THÀNH PHẦN THAM DỰ", lines)
    attendance = module.Attendance
    rows = {row.user_id: row for row in (await session.scalars(
        select(attendance).where(attendance.meeting_id == record.meeting.id)
    )).all()}
    if not any(r.checked_in_at is not None or getattr(r.response, "value", "") != "pending"
               for r in rows.values()):
        # Nobody was checked in or answered: list who was invited, claim no absences.
        lines = [f"Thành phần mời: {len(roster)} đại biểu."]
        lines += [f"- {_person(u)}." for _, u in roster]
        return _section("attendance", "II. THÀNH PHẦN THAM DỰ", lines)
    present: list[str] = []
    absent: list[str] = []
    for _, user in roster:
        row = rows.get(user.id)
        response = getattr(getattr(row, "response", None), "value", "pending")
        if row is not None and response == "substitute" and row.substitute_name:
            substitute = row.substitute_name + (
                f", {row.substitute_title}" if row.substitute_title else "")
            present.append(f"- {substitute} (dự thay {_person(user)}).")
        elif row is not None and row.checked_in_at is not None:
            where = " (trực tuyến)" if row.remote else ""
            present.append(f"- {_person(user)}{where}.")
        else:
            reason = (row.reason.strip() if row is not None and row.reason else "")
            if response == "absent" and reason:
                absent.append(f"- {_person(user)}: vắng mặt, lý do: {reason}.")
            elif response == "absent":
                absent.append(f"- {_person(user)}: vắng mặt có báo.")
            else:
                absent.append(f"- {_person(user)}: vắng mặt không báo lý do.")
    # The headline is the attendance screen's own count (voting members, the chair among
    # them); the lines below name the delegates and guests one by one.
    screen = _optional("ecabinet.attendance")
    if screen is not None:
        tally = await screen.counts(session, record.meeting)
        headline = f"Có mặt: {tally['present']}/{tally['members']} thành viên."
    else:
        headline = f"Có mặt: {len(present)}/{len(roster)} đại biểu được mời."
    lines = [headline, *present]
    if absent:
        lines += [f"Vắng mặt: {len(absent)} đại biểu.", *absent]
    return _section("attendance", "II. THÀNH PHẦN THAM DỰ", lines)


def _by_item(rows: Sequence[Any]) -> dict[int | None, list[Any]]:
    grouped: dict[int | None, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, "agenda_item_id", None), []).append(row)
    return grouped


async def _questions(session: AsyncSession, meeting_id: int) -> dict[int | None, list[Any]]:
    module = _optional("ecabinet.models.questions")
    if module is None:
        return {}
    question = module.Question
    rows = (await session.scalars(
        select(question).where(question.meeting_id == meeting_id,
                               question.merged_into_id.is_(None))
        .order_by(question.id)
    )).all()
    return _by_item(rows)


async def _speakers(session: AsyncSession, meeting_id: int) -> dict[int | None, list[Any]]:
    module = _optional("ecabinet.models.speakers")
    if module is None:
        return {}
    request = module.SpeakerRequest
    rows = (await session.scalars(
        select(request).where(request.meeting_id == meeting_id,
                              request.started_at.is_not(None))
        .order_by(request.started_at, request.id)
    )).all()
    return _by_item(rows)


async def _polls(session: AsyncSession, meeting_id: int) -> dict[int | None, list[Any]]:
    module = _optional("ecabinet.models.voting")
    if module is None:
        return {}
    poll = module.Poll
    rows = (await session.scalars(
        select(poll).where(poll.meeting_id == meeting_id, poll.status == "closed")
        .order_by(poll.closed_at, poll.id)
    )).all()
    return _by_item(rows)


def poll_sentence(poll: Any) -> str:
    """One closed poll and its result in the words of minutes."""
    options = [str(o.get("label", o) if isinstance(o, dict) else o) for o in poll.options or []]
    result: dict[str, Any] = poll.result or {}
    counts = result.get("counts")
    secret = getattr(getattr(poll, "visibility", None), "value", "") == "secret"
    text = f"Biểu quyết{' kín' if secret else ''}: {poll.question.strip().rstrip('.?')}"
    if isinstance(counts, list) and counts:
        text += " — " + "; ".join(
            f"{label}: {counts[index] if index < len(counts) else 0}"
            for index, label in enumerate(options)
        )
    voted, members = result.get("voted"), result.get("members")
    if isinstance(voted, int) and isinstance(members, int) and members:
        text += f" ({voted}/{members} thành viên đã biểu quyết)"
    kind = result.get("kind") or getattr(getattr(poll, "kind", None), "value", "approval")
    decided = result.get("decided_option")
    if kind == "choice":
        if isinstance(decided, int) and 0 <= decided < len(options):
            return text + f". Kết quả: chọn phương án «{options[decided]}»."
        return text + ". Kết quả: không phương án nào đạt đủ số phiếu cần thiết."
    if result.get("passed") is True:
        return text + ". Kết quả: thông qua."
    if result.get("passed") is False:
        return text + ". Kết quả: không thông qua."
    return text + "."


async def _concluded(session: AsyncSession, meeting_id: int) -> list[str]:
    """The chair's conclusions per item, as the conclusion notice (drafted or issued) has
    them: the minutes record what was concluded, the notice then gives it force."""
    rows = (await session.execute(
        select(ConclusionItem.title, ConclusionItem.text)
        .join(Conclusion, Conclusion.id == ConclusionItem.conclusion_id)
        .where(Conclusion.meeting_id == meeting_id).order_by(ConclusionItem.position)
    )).all()
    return [f"- {title.strip()}: {' '.join(text.split())}" if title.strip() else
            f"- {' '.join(text.split())}" for title, text in rows if text.strip()]


def _full_stop(text: str) -> str:
    """The sentence ended once: "bao lâu?" stays as it is, "đồng ý" gets its full stop."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!", "…")) else text + "."


def _section(key: str, heading: str, paragraphs: Sequence[str], summary: str = ""
             ) -> dict[str, Any]:
    return {"key": key, "heading": heading, "paragraphs": list(paragraphs), "summary": summary}


async def compose_sections(
    session: AsyncSession, meeting: Meeting, secretary: User | None
) -> list[dict[str, Any]]:
    """The minutes as the meeting recorded them, one section per part."""
    record = await _record(session, meeting, secretary)
    questions = await _questions(session, meeting.id)
    speakers = await _speakers(session, meeting.id)
    polls = await _polls(session, meeting.id)
    ids = {q.author_id for rows in questions.values() for q in rows}
    ids |= {s.user_id for rows in speakers.values() for s in rows}
    users = await _users(session, record, ids)
    units = {u.id: u.name for u in (await session.scalars(select(Unit))).all()}

    sections = [_opening(record), await _attendance(session, record),
                _section("content", "III. NỘI DUNG CUỘC HỌP", [])]

    def item_lines(item_id: int | None) -> list[str]:
        lines: list[str] = []
        for q in questions.get(item_id, []):
            author = users.get(q.author_id)
            kind = "Ý kiến" if getattr(q.kind, "value", q.kind) == "opinion" else "Câu hỏi"
            line = f"- {kind} của {author.full_name if author else 'đại biểu'}: {q.text.strip()}"
            if q.support_count:
                line += f" ({q.support_count} đại biểu cùng ý kiến)"
            if q.answer_note:
                line = _full_stop(line) + f" Trả lời: {q.answer_note.strip()}"
            lines.append(_full_stop(line))
        if lines:
            lines.insert(0, "Câu hỏi, ý kiến của đại biểu:")
        names: list[str] = []
        for s in speakers.get(item_id, []):
            speaker = users.get(s.user_id)
            if speaker is not None and _person(speaker) not in names:
                names.append(_person(speaker))
        if names:
            lines.append("Phát biểu thảo luận: " + "; ".join(names) + ".")
        lines.extend(poll_sentence(p) for p in polls.get(item_id, []))
        return lines

    for number, item in enumerate(record.items, start=1):
        lines: list[str] = []
        if item.presenter:
            unit = units.get(item.presenter_unit_id or 0)
            # "Giám đốc Sở Tài chính (Sở Tài chính)" says the unit twice.
            named = unit and unit.casefold() not in item.presenter.casefold()
            lines.append(f"Trình bày: {item.presenter}" + (f" ({unit})" if named else "") + ".")
        if item.description.strip():
            lines.append(f"Nội dung: {item.description.strip()}")
        lines += item_lines(item.id)
        sections.append(_section(f"item:{item.id}", f"{number}. {item.title}", lines))
    general = item_lines(None)
    if general or not record.items:
        heading = f"{len(record.items) + 1}. Ý kiến khác" if record.items else "Nội dung thảo luận"
        sections.append(_section("item:general", heading, general))
    sections.append(_section("summary", "IV. KẾT LUẬN CỦA CHỦ TRÌ",
                             await _concluded(session, meeting.id)))
    sections.append(_section("closing", "", [
        _closing(record), "Biên bản đã được thông qua trước các đại biểu dự họp./."]))
    return sections


def _closing(record: MeetingRecord) -> str:
    """When the meeting ended, as recorded; a blank to fill while it has not."""
    end, start = record.ended, record.started
    if end is None:
        return "Cuộc họp kết thúc lúc ..... giờ ....., ngày ...../...../......."
    if start is not None and local_date(end) == local_date(start):
        return f"Cuộc họp kết thúc lúc {_clock(end)} cùng ngày."
    return f"Cuộc họp kết thúc lúc {_clock(end)}, {_day(local_date(end))}."


def _merge(fresh: list[dict[str, Any]], old: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fresh data sections, keeping the secretary's summaries and added sections."""
    summaries = {s["key"]: s.get("summary", "") for s in old}
    merged = [{**s, "summary": summaries.get(s["key"], s["summary"])} for s in fresh]
    custom = [s for s in old if str(s["key"]).startswith("custom:")]
    return merged[:-1] + custom + merged[-1:] if merged else custom


# -- the minutes' life ---------------------------------------------------------


async def get_minutes(session: AsyncSession, user: User, meeting_id: int
                      ) -> tuple[Meeting, Minutes | None]:
    """The meeting and its minutes if the user may read them (drafts: office and chair)."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    minutes = await session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))
    if minutes is not None and minutes.status != M.signed:
        if not (await access(session, user, meeting)).drafts:
            minutes = None
    return meeting, minutes


async def _for_update(session: AsyncSession, meeting_id: int) -> Minutes:
    minutes = await session.scalar(
        select(Minutes).where(Minutes.meeting_id == meeting_id).with_for_update()
    )
    if minutes is None:
        raise NotFound("minutes_not_found")
    return minutes


async def _publish(session: AsyncSession, meeting: Meeting, minutes: Minutes, actor: User,
                   action: str, data: dict[str, Any] | None = None) -> None:
    """Event (audience: office and chair until signed), audit, nudge."""
    minutes.updated_at = utcnow()
    await session.flush()
    audience = None if minutes.status == M.signed else await drafting_audience(session, meeting)
    await eventlog.append(session, meeting.id, "minutes.updated",
                          {"minutes": await view(session, minutes)}, audience=audience)
    await audit.record(session, f"minutes.{action}", actor_id=actor.id, object_type="minutes",
                       object_id=minutes.id, meeting_id=meeting.id, data=data or {})


async def draft(session: AsyncSession, actor: User, meeting_id: int) -> Minutes:
    """Compose (or recompose) the draft from the meeting's records; the office only.

    Redrafting refreshes every data section and keeps the secretary's summaries
    and the sections the secretary added.
    """
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    if not await meetings.can_manage(session, actor, meeting):
        raise Forbidden("forbidden")
    if meeting.status not in (MeetingStatus.in_session, MeetingStatus.adjourned):
        raise Conflict("minutes_not_now", status=meeting.status.value)
    minutes = await session.scalar(
        select(Minutes).where(Minutes.meeting_id == meeting.id).with_for_update()
    )
    if minutes is not None and minutes.status != M.draft:
        raise Conflict("minutes_not_editable", status=minutes.status.value)
    fresh = await compose_sections(session, meeting, actor)
    if minutes is None:
        minutes = Minutes(meeting_id=meeting.id, sections=fresh, drafted_by_id=actor.id)
        session.add(minutes)
        action = "draft"
    else:
        minutes.sections = _merge(fresh, minutes.sections)
        flag_modified(minutes, "sections")
        minutes.drafted_by_id = actor.id
        minutes.version += 1
        action = "redraft"
    await _publish(session, meeting, minutes, actor, action)
    return minutes


def _clean_sections(sections: Any) -> list[dict[str, Any]]:
    if not isinstance(sections, list) or not sections or len(sections) > MAX_SECTIONS:
        raise Invalid("minutes_sections_invalid")
    cleaned: list[dict[str, Any]] = []
    keys: set[str] = set()
    for index, section in enumerate(sections):
        if not isinstance(section, dict):
            raise Invalid("minutes_sections_invalid")
        key = section.get("key") or f"custom:{index}"
        heading = section.get("heading", "")
        paragraphs = section.get("paragraphs", [])
        summary = section.get("summary", "")
        if (not isinstance(key, str) or len(key) > 40 or key in keys
                or not isinstance(heading, str) or len(heading) > 500
                or not isinstance(summary, str) or len(summary) > MAX_TEXT
                or not isinstance(paragraphs, list) or len(paragraphs) > MAX_PARAGRAPHS
                or not all(isinstance(p, str) and len(p) <= MAX_TEXT for p in paragraphs)):
            raise Invalid("minutes_sections_invalid")
        keys.add(key)
        cleaned.append(_section(key, heading.strip(),
                                [p.strip() for p in paragraphs if p.strip()], summary.strip()))
    return cleaned


async def update(session: AsyncSession, actor: User, meeting_id: int, sections: Any,
                 *, version: int | None = None) -> Minutes:
    """Save the secretary's edits; refused if someone saved in between (`version`)."""
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    if not await meetings.can_manage(session, actor, meeting):
        raise Forbidden("forbidden")
    minutes = await _for_update(session, meeting.id)
    if minutes.status != M.draft:
        raise Conflict("minutes_not_editable", status=minutes.status.value)
    if version is not None and version != minutes.version:
        raise Conflict("minutes_changed")
    minutes.sections = _clean_sections(sections)
    # JSON is compared by value: a caller that edited the loaded list in place would
    # otherwise have its change go unnoticed.
    flag_modified(minutes, "sections")
    minutes.version += 1
    await _publish(session, meeting, minutes, actor, "edit")
    return minutes


async def submit(session: AsyncSession, actor: User, meeting_id: int) -> Minutes:
    """Send the draft to the chair for review; the submitting secretary will sign first."""
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    if not await meetings.can_manage(session, actor, meeting):
        raise Forbidden("forbidden")
    if meeting.status != MeetingStatus.adjourned:
        raise Conflict("minutes_after_adjourn")
    minutes = await _for_update(session, meeting.id)
    if minutes.status != M.draft:
        raise Conflict("minutes_not_editable", status=minutes.status.value)
    minutes.status = M.review
    minutes.drafted_by_id = actor.id
    minutes.review_comment = ""
    await _publish(session, meeting, minutes, actor, "submit")
    eventlog.notify(session, [meeting.chair_id], "minutes.review", meeting_id=meeting.id)
    return minutes


def _sections_for_pdf(sections: Sequence[dict[str, Any]]) -> list[official.Section]:
    out: list[official.Section] = []
    for section in sections:
        paragraphs = list(section.get("paragraphs", []))
        summary = [line.strip() for line in section.get("summary", "").splitlines()
                   if line.strip()]
        if summary and str(section.get("key", "")).startswith("item:"):
            summary[0] = f"Tóm tắt thảo luận: {summary[0]}"
        out.append(official.Section(heading=section.get("heading", ""),
                                    paragraphs=tuple(paragraphs + summary)))
    return out


async def approve(session: AsyncSession, actor: User, meeting_id: int) -> Minutes:
    """The chair approves the text: it gets its number and is composed as PDF for signing."""
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    if not meetings.is_chair(actor, meeting):
        raise Forbidden("forbidden")
    minutes = await _for_update(session, meeting.id)
    if minutes.status != M.review:
        raise Conflict("minutes_not_in_review")
    secretary = await session.get(User, minutes.drafted_by_id or meeting.created_by_id)
    if secretary is None:
        raise Conflict("minutes_without_secretary")
    head = await signatures.letterhead(session, meeting.unit_id)
    # Dated the day the meeting was held (adjourned), as recorded, never the schedule.
    day = await meetings.held_day(session, meeting)
    if not minutes.number:
        sequence = await signatures.next_number(session, meeting.unit_id, day.year, "BB")
        minutes.number = signatures.number_text(sequence, "BB", head.symbol)
    document = official.meeting_minutes(
        issuer_parent="", issuer=head.issuer, number=minutes.number, place=head.place, date=day,
        summary=meeting.title, sections=_sections_for_pdf(minutes.sections),
        secretary_name=secretary.full_name, chair_name=actor.full_name,
        chair_titles=("CHỦ TRÌ",), secretary_titles=("THƯ KÝ",),
    )
    await signatures.supersede(session, minutes.pdf_id)
    pdf = await signatures.create_pdf(
        session, meeting_id=meeting.id, kind="minutes", number=minutes.number,
        title=f"Biên bản {meeting.title}", document=document,
        signers=[signatures.SignerSlot(official.ROLE_SECRETARY, secretary.id),
                 signatures.SignerSlot(official.ROLE_CHAIR, actor.id)],
    )
    minutes.pdf_id = pdf.id
    minutes.status = M.approved
    minutes.reviewed_by_id = actor.id
    await _publish(session, meeting, minutes, actor, "approve", {"number": minutes.number})
    eventlog.notify(session, [secretary.id], "minutes.sign", meeting_id=meeting.id)
    await letters.signature_awaited(session, [secretary.id], meeting, "minutes")
    return minutes


async def send_back(session: AsyncSession, actor: User, meeting_id: int, comment: str
                    ) -> Minutes:
    """The chair returns the minutes to the secretary with a comment (before both signed)."""
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    if not meetings.is_chair(actor, meeting):
        raise Forbidden("forbidden")
    if not comment.strip():
        raise Invalid("document_return_needs_comment")
    minutes = await _for_update(session, meeting.id)
    if minutes.status not in (M.review, M.approved):
        raise Conflict("minutes_not_in_review")
    # A half-signed PDF is kept as it was (superseded); the next approval composes anew.
    await signatures.supersede(session, minutes.pdf_id)
    minutes.pdf_id = None
    minutes.status = M.draft
    minutes.review_comment = comment.strip()
    await _publish(session, meeting, minutes, actor, "return", {"comment": comment.strip()})
    return minutes


async def sign(session: AsyncSession, actor: User, meeting_id: int, *, secret: str,
               timestamp_url: str = "") -> Minutes:
    """Sign the approved minutes: the secretary first, then the chair."""
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    minutes = await _for_update(session, meeting.id)
    if minutes.status != M.approved or minutes.pdf_id is None:
        raise Conflict("minutes_not_approved")
    pdf = await signatures.sign(session, actor, minutes.pdf_id, secret=secret,
                                timestamp_url=timestamp_url)
    if pdf.status.value == "signed":
        minutes.status = M.signed
        minutes.signed_at = utcnow()
    await _publish(session, meeting, minutes, actor, "sign")
    if minutes.status == M.signed:
        eventlog.notify(session, await meetings.member_ids(session, meeting), "minutes.signed",
                        meeting_id=meeting.id)
    else:
        eventlog.notify(session, [meeting.chair_id], "minutes.sign", meeting_id=meeting.id)
        await letters.signature_awaited(session, [meeting.chair_id], meeting, "minutes")
    return minutes


async def pdf_of(session: AsyncSession, user: User, meeting_id: int) -> tuple[Minutes, bytes]:
    """The minutes' current PDF (signed or awaiting signatures), for those who may read it."""
    _, minutes = await get_minutes(session, user, meeting_id)
    if minutes is None or minutes.pdf_id is None:
        raise NotFound("minutes_not_found")
    pdf = await session.get(OfficialPdf, minutes.pdf_id)
    assert pdf is not None
    return minutes, await signatures.content(session, pdf)


async def view(session: AsyncSession, minutes: Minutes) -> dict[str, Any]:
    """The minutes as every screen allowed to see them shows them."""
    pdf = await session.get(OfficialPdf, minutes.pdf_id) if minutes.pdf_id else None
    return {
        "id": minutes.id,
        "meeting_id": minutes.meeting_id,
        "status": minutes.status.value,
        "number": minutes.number,
        "sections": minutes.sections,
        "version": minutes.version,
        "drafted_by": minutes.drafted_by_id,
        "reviewed_by": minutes.reviewed_by_id,
        "review_comment": minutes.review_comment,
        "signed_at": minutes.signed_at.isoformat() if minutes.signed_at else None,
        "updated_at": minutes.updated_at.isoformat(),
        "pdf": await signatures.pdf_view(session, pdf) if pdf else None,
    }


async def snapshot(session: AsyncSession, user: User, meeting: Meeting) -> dict[str, Any]:
    """What a meeting screen knows of the minutes: the user's standing, and the minutes."""
    standing = await access(session, user, meeting)
    _, minutes = await get_minutes(session, user, meeting.id)
    return {
        "access": {"manage": standing.manage, "chair": standing.chair},
        "minutes": await view(session, minutes) if minutes else None,
    }


async def require_signed_minutes(session: AsyncSession, meeting: Meeting) -> None:
    """Guard of "close": the minutes must carry every signature."""
    status = await session.scalar(select(Minutes.status).where(Minutes.meeting_id == meeting.id))
    if status != M.signed:
        raise Conflict("minutes_not_signed")


meetings.add_guard("close", require_signed_minutes)
