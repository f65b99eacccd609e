"""The conclusion notice (thông báo kết luận): per agenda item the conclusions and the tasks
(who, by when, what they deliver), due within 5 working days of the meeting
(Quyết định 45/2018/QĐ-TTg), issued with a number once the chair signs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog, meetings, signatures, tasks
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.mail import letters
from ecabinet.minutes import access, drafting_audience
from ecabinet.models import (
    AgendaItem,
    Conclusion,
    ConclusionItem,
    ConclusionStatus,
    InvitedUnit,
    Meeting,
    MeetingStatus,
    OfficialPdf,
    Role,
    Task,
    TaskStatus,
    Unit,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.pdf import official
from ecabinet.tasks import TaskInput
from ecabinet.workdays import add_working_days, local_date, working_days_between

C = ConclusionStatus
DUE_WORKING_DAYS = 5
MAX_ITEMS = 100


# -- the 5-working-day rule ----------------------------------------------------


def meeting_day(meeting: Meeting) -> dt.date:
    """The day the meeting was scheduled to end (or take place), in Vietnam; what actually
    happened is `meetings.held_day`."""
    return local_date(meeting.ends_at or meeting.starts_at)


def due_date(meeting: Meeting, holidays: frozenset[dt.date] | None = None, *,
             day: dt.date | None = None) -> dt.date:
    """The last day the notice may be issued: 5 working days after the meeting (held on
    `day`; the scheduled day when not given)."""
    return add_working_days(day or meeting_day(meeting), DUE_WORKING_DAYS, holidays)


def deadline(due: dt.date, on: dt.date, issued: dt.date | None = None,
             holidays: frozenset[dt.date] | None = None) -> dict[str, Any]:
    """Where the notice stands against its due date on day `on`.

    state: issued_on_time / issued_late once issued; else overdue, due_soon (two
    working days or fewer left), or on_track.
    """
    if issued is not None:
        state = "issued_late" if issued > due else "issued_on_time"
        left = working_days_between(issued, due, holidays) if issued <= due else 0
    elif on > due:
        state, left = "overdue", -working_days_between(due, on, holidays)
    else:
        left = working_days_between(on, due, holidays)
        state = "due_soon" if left <= tasks.DUE_SOON_WORKING_DAYS else "on_track"
    return {"due_date": due.isoformat(), "state": state, "working_days_left": left}


# -- input -------------------------------------------------------------------


@dataclass
class ItemInput:
    """The conclusions on one agenda item, with its tasks."""

    title: str
    text: str = ""
    agenda_item_id: int | None = None
    tasks: list[TaskInput] = field(default_factory=list)
    id: int | None = None


@dataclass
class ConclusionInput:
    """The whole notice as the secretary saves it."""

    summary: str
    opening: str
    closing: str
    items: list[ItemInput]
    recipient_unit_ids: list[int] = field(default_factory=list)
    version: int | None = None


# -- visibility --------------------------------------------------------------


async def _recipient_or_responsible(session: AsyncSession, user: User,
                                    conclusion: Conclusion) -> bool:
    if user.unit_id is not None and user.unit_id in (conclusion.recipient_unit_ids or []):
        return True
    rows = (await session.scalars(
        select(Task).where(Task.conclusion_id == conclusion.id)
    )).all()
    return any(tasks.is_responsible(user, t) for t in rows)


async def get_conclusion(session: AsyncSession, user: User, meeting_id: int
                         ) -> tuple[Meeting, Conclusion | None]:
    """The meeting and its notice if the user may read it.

    Drafts: the office and the chair. Issued: every member, and the units it was
    sent to or that carry one of its tasks (who need not be members of the meeting).
    """
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("meeting_not_found")
    conclusion = await session.scalar(select(Conclusion).where(Conclusion.meeting_id == meeting_id))
    member = await meetings.can_view(session, user, meeting)
    if conclusion is not None and conclusion.status == C.issued:
        if member or await _recipient_or_responsible(session, user, conclusion):
            return meeting, conclusion
        raise NotFound("meeting_not_found")
    if not member:
        raise NotFound("meeting_not_found")
    if conclusion is not None and not (await access(session, user, meeting)).drafts:
        conclusion = None
    return meeting, conclusion


async def _managed(session: AsyncSession, actor: User, meeting_id: int) -> Meeting:
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    if not await meetings.can_manage(session, actor, meeting):
        raise Forbidden("forbidden")
    return meeting


async def _locked(session: AsyncSession, meeting_id: int) -> Conclusion:
    conclusion = await session.scalar(
        select(Conclusion).where(Conclusion.meeting_id == meeting_id).with_for_update()
    )
    if conclusion is None:
        raise NotFound("conclusion_not_found")
    return conclusion


# -- drafting ----------------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def meeting_phrase(title: str) -> str:
    """ "cuộc họp giao ban ..." from "Họp giao ban ...", as a notice names the meeting."""
    phrase = _lower_first(title.strip())
    if phrase.startswith("họp "):
        return f"cuộc {phrase}"
    if phrase.startswith(("cuộc họp", "phiên họp", "hội nghị", "buổi làm việc")):
        return phrase
    return f"cuộc họp {phrase}"


async def create(session: AsyncSession, actor: User, meeting_id: int) -> Conclusion:
    """Start the notice: one section per agenda item, the invited units as recipients."""
    meeting = await _managed(session, actor, meeting_id)
    if meeting.status not in (MeetingStatus.in_session, MeetingStatus.adjourned):
        raise Conflict("conclusion_not_now", status=meeting.status.value)
    if await session.scalar(select(Conclusion.id).where(Conclusion.meeting_id == meeting.id)):
        raise Conflict("conclusion_exists")
    chair = await session.get(User, meeting.chair_id)
    assert chair is not None
    head = await signatures.letterhead(session, meeting.unit_id)
    day = await meetings.held_day(session, meeting)
    who = f"{chair.title} {chair.full_name}".strip() if chair.title else chair.full_name
    conclusion = Conclusion(
        meeting_id=meeting.id, unit_id=meeting.unit_id, due_date=due_date(meeting, day=day),
        place=head.place, created_by_id=actor.id, signer_id=chair.id,
        summary=f"Kết luận của {who} tại {meeting_phrase(meeting.title)}",
        opening=(f"Ngày {day.day:02d} tháng {day.month:02d} năm {day.year}, {who} chủ trì "
                 f"{meeting_phrase(meeting.title)}"
                 + (f" tại {meeting.place}" if meeting.place else "") + ". "
                 "Sau khi nghe báo cáo và ý kiến phát biểu của các đại biểu dự họp, "
                 f"{who} kết luận như sau:"),
        closing=(f"{head.name} thông báo để các cơ quan, đơn vị liên quan biết, "
                 "thực hiện./."),
        recipient_unit_ids=list((await session.scalars(
            select(InvitedUnit.unit_id).where(InvitedUnit.meeting_id == meeting.id)
            .order_by(InvitedUnit.id)
        )).all()),
    )
    session.add(conclusion)
    await session.flush()
    agenda = (await session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position, AgendaItem.id)
    )).all()
    for position, item in enumerate(agenda):
        session.add(ConclusionItem(conclusion_id=conclusion.id, agenda_item_id=item.id,
                                   position=position, title=item.title))
    if not agenda:
        session.add(ConclusionItem(conclusion_id=conclusion.id, position=0,
                                   title="Kết luận chung"))
    await _publish(session, meeting, conclusion, actor, "create")
    return conclusion


async def _check_people(session: AsyncSession, items: Sequence[ItemInput],
                        recipients: Sequence[int], meeting: Meeting) -> None:
    unit_ids = set(recipients)
    agenda_ids: set[int] = set()
    for item in items:
        if not item.title.strip():
            raise Invalid("conclusion_item_title_required")
        if item.agenda_item_id is not None:
            agenda_ids.add(item.agenda_item_id)
    await tasks.check_inputs(session, [t for item in items for t in item.tasks],
                             await meetings.held_day(session, meeting),
                             "task_deadline_before_meeting")
    if unit_ids and len(set((await session.scalars(
            select(Unit.id).where(Unit.id.in_(unit_ids)))).all())) != len(unit_ids):
        raise Invalid("unknown_unit")
    if agenda_ids and len(set((await session.scalars(
            select(AgendaItem.id).where(AgendaItem.id.in_(agenda_ids),
                                        AgendaItem.meeting_id == meeting.id)
    )).all())) != len(agenda_ids):
        raise Invalid("unknown_agenda_item")


async def save(session: AsyncSession, actor: User, meeting_id: int, data: ConclusionInput
               ) -> Conclusion:
    """Save the draft: texts, items and tasks (matched by id; missing ones are removed)."""
    meeting = await _managed(session, actor, meeting_id)
    conclusion = await _locked(session, meeting.id)
    if conclusion.status != C.draft:
        raise Conflict("conclusion_not_editable", status=conclusion.status.value)
    if data.version is not None and data.version != conclusion.version:
        raise Conflict("conclusion_changed")
    if not data.summary.strip():
        raise Invalid("conclusion_summary_required")
    if not data.items or len(data.items) > MAX_ITEMS:
        raise Invalid("conclusion_items_required")
    await _check_people(session, data.items, data.recipient_unit_ids, meeting)

    items = {i.id: i for i in (await session.scalars(
        select(ConclusionItem).where(ConclusionItem.conclusion_id == conclusion.id))).all()}
    existing = {t.id: t for t in (await session.scalars(
        select(Task).where(Task.conclusion_id == conclusion.id))).all()}
    kept_items: set[int] = set()
    kept_tasks: set[int] = set()
    for position, given in enumerate(data.items):
        row = items.get(given.id) if given.id is not None else None
        if given.id is not None and row is None:
            raise Invalid("unknown_conclusion_item")
        if row is None:
            row = ConclusionItem(conclusion_id=conclusion.id)
            session.add(row)
        row.position, row.title, row.text = position, given.title.strip(), given.text.strip()
        row.agenda_item_id = given.agenda_item_id
        await session.flush()
        kept_items.add(row.id)
        for number, task_in in enumerate(given.tasks):
            task = existing.get(task_in.id) if task_in.id is not None else None
            if task_in.id is not None and task is None:
                raise Invalid("unknown_task")
            if task is None:
                task = Task(meeting_id=meeting.id, conclusion_id=conclusion.id,
                            status=TaskStatus.planned, content="", deadline=task_in.deadline)
                session.add(task)
            task.item_id = row.id
            tasks.fill(task, task_in, number)
            await session.flush()
            kept_tasks.add(task.id)
    gone_tasks = set(existing) - kept_tasks
    if gone_tasks:
        await session.execute(delete(Task).where(Task.id.in_(gone_tasks)))
    gone_items = set(items) - kept_items
    if gone_items:
        await session.execute(delete(ConclusionItem).where(ConclusionItem.id.in_(gone_items)))
    conclusion.summary = data.summary.strip()
    conclusion.opening = data.opening.strip()
    conclusion.closing = data.closing.strip()
    conclusion.recipient_unit_ids = sorted(set(data.recipient_unit_ids))
    conclusion.version += 1
    await _publish(session, meeting, conclusion, actor, "edit")
    return conclusion


# -- the document --------------------------------------------------------------


def signer_titles(chair: User, committee: bool) -> tuple[str, ...]:
    """Decree 30's authority lines: TM. for the chairman, KT. for a deputy signing for him."""
    if not committee:
        return ((chair.title or "Chủ trì").upper(),)
    if "phó" in chair.title.lower():
        return ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    return ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")


async def _items_with_tasks(session: AsyncSession, conclusion: Conclusion
                            ) -> list[tuple[ConclusionItem, list[Task]]]:
    items = (await session.scalars(
        select(ConclusionItem).where(ConclusionItem.conclusion_id == conclusion.id)
        .order_by(ConclusionItem.position, ConclusionItem.id)
    )).all()
    all_tasks = (await session.scalars(
        select(Task).where(Task.conclusion_id == conclusion.id)
        .order_by(Task.position, Task.id)
    )).all()
    grouped: dict[int | None, list[Task]] = {}
    for task in all_tasks:
        grouped.setdefault(task.item_id, []).append(task)
    return [(item, grouped.get(item.id, [])) for item in items]


async def compose(session: AsyncSession, conclusion: Conclusion, chair: User, on: dt.date
                  ) -> official.OfficialDocument:
    """The notice in the Decree 30 layout, one numbered section per item with its tasks."""
    head = await signatures.letterhead(session, conclusion.unit_id)
    pairs = await _items_with_tasks(session, conclusion)
    names = await tasks.names_for(session, [t for _, ts in pairs for t in ts])
    sections = [official.Section(paragraphs=tuple(
        p.strip() for p in conclusion.opening.splitlines() if p.strip()))]
    for number, (item, item_tasks) in enumerate(pairs, start=1):
        paragraphs = tuple(p.strip() for p in item.text.splitlines() if p.strip())
        table = tasks.table(item_tasks, names) if item_tasks else None
        sections.append(official.Section(heading=f"{number}. {item.title}",
                                         paragraphs=paragraphs, table=table))
    closing = tuple(p.strip() for p in conclusion.closing.splitlines() if p.strip())
    if closing:
        sections.append(official.Section(paragraphs=closing))
    # Every unit given a task receives the notice, listed or not.
    wanted = list(conclusion.recipient_unit_ids or [])
    wanted += [t.responsible_unit_id for _, ts in pairs for t in ts
               if t.responsible_unit_id is not None and t.responsible_unit_id not in wanted]
    units = {u.id: u.name for u in (await session.scalars(
        select(Unit).where(Unit.id.in_(wanted)))).all()}
    recipients = [f"{units[i]};" for i in dict.fromkeys(wanted) if i in units]
    return official.conclusion_notice(
        issuer_parent="", issuer=head.issuer, number=conclusion.number, place=conclusion.place
        or head.place, date=on, summary=conclusion.summary, sections=sections,
        recipients=[*recipients, "Lưu: VT."],
        signer_titles=signer_titles(chair, head.committee), signer_name=chair.full_name,
    )


async def _compose_pdf(session: AsyncSession, conclusion: Conclusion, chair: User,
                       day: dt.date) -> None:
    """Compose the notice dated `day` for the chair's signature, retiring any earlier PDF."""
    document = await compose(session, conclusion, chair, day)
    await signatures.supersede(session, conclusion.pdf_id)
    pdf = await signatures.create_pdf(
        session, meeting_id=conclusion.meeting_id, kind="conclusion",
        number=conclusion.number, title=conclusion.summary, document=document,
        signers=[signatures.SignerSlot(official.ROLE_SIGNER, chair.id, seal=True)],
    )
    conclusion.pdf_id = pdf.id
    conclusion.issue_date = day


async def submit(session: AsyncSession, actor: User, meeting_id: int, *,
                 on: dt.date | None = None) -> Conclusion:
    """Send the notice to the chair for signature: numbered (once) and composed as PDF."""
    meeting = await _managed(session, actor, meeting_id)
    conclusion = await _locked(session, meeting.id)
    if conclusion.status != C.draft:
        raise Conflict("conclusion_not_editable", status=conclusion.status.value)
    pairs = await _items_with_tasks(session, conclusion)
    if not any(item.text.strip() or item_tasks for item, item_tasks in pairs):
        raise Invalid("conclusion_empty")
    chair = await session.get(User, meeting.chair_id)
    assert chair is not None
    day = on or tasks.today()
    head = await signatures.letterhead(session, conclusion.unit_id)
    if not conclusion.number:
        # Reserved once: a notice returned and resubmitted keeps its number.
        conclusion.number_year = day.year
        conclusion.number_seq = await signatures.next_number(
            session, conclusion.unit_id, day.year, "TB")
        conclusion.number = signatures.number_text(conclusion.number_seq, "TB", head.symbol)
    await _compose_pdf(session, conclusion, chair, day)
    conclusion.signer_id = chair.id
    conclusion.status = C.signing
    conclusion.return_comment = ""
    await _publish(session, meeting, conclusion, actor, "submit", {"number": conclusion.number})
    eventlog.notify(session, [chair.id], "conclusion.sign", meeting_id=meeting.id)
    await letters.signature_awaited(session, [chair.id], meeting, "conclusion")
    return conclusion


async def send_back(session: AsyncSession, actor: User, meeting_id: int, comment: str
                    ) -> Conclusion:
    """The chair returns the notice unsigned, with a comment; it keeps its number."""
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    if not meetings.is_chair(actor, meeting):
        raise Forbidden("forbidden")
    if not comment.strip():
        raise Invalid("document_return_needs_comment")
    conclusion = await _locked(session, meeting.id)
    if conclusion.status != C.signing:
        raise Conflict("conclusion_not_signing")
    await signatures.supersede(session, conclusion.pdf_id)
    conclusion.pdf_id = None
    conclusion.status = C.draft
    conclusion.return_comment = comment.strip()
    await _publish(session, meeting, conclusion, actor, "return", {"comment": comment.strip()})
    return conclusion


async def sign(session: AsyncSession, actor: User, meeting_id: int, *, secret: str,
               timestamp_url: str = "", on: dt.date | None = None) -> Conclusion:
    """The chair signs: the notice is issued, its tasks assigned, its units notified.

    The notice bears the day it is signed: composed on an earlier day, it is composed
    again with that day's date (same text) before the signature.
    """
    meeting = await meetings.get_meeting(session, actor, meeting_id)
    if not meetings.is_chair(actor, meeting):
        raise Forbidden("forbidden")
    conclusion = await _locked(session, meeting.id)
    if conclusion.status != C.signing or conclusion.pdf_id is None:
        raise Conflict("conclusion_not_signing")
    day = on or tasks.today()
    if conclusion.issue_date != day:
        if await signatures.active_key(session, actor.id) is None:
            raise Conflict("no_signing_key")
        await _compose_pdf(session, conclusion, actor, day)
    assert conclusion.pdf_id is not None
    pdf = await signatures.sign(session, actor, conclusion.pdf_id, secret=secret,
                                timestamp_url=timestamp_url)
    if pdf.status.value != "signed":
        raise RuntimeError("a conclusion notice has a single signer")
    conclusion.status = C.issued
    conclusion.issued_at = utcnow()
    assigned = list((await session.scalars(
        select(Task).where(Task.conclusion_id == conclusion.id).order_by(Task.id)
    )).all())
    watchers = await tasks.assign(session, actor, assigned)
    if conclusion.recipient_unit_ids:
        watchers.update((await session.scalars(select(User.id).where(
            User.unit_id.in_(conclusion.recipient_unit_ids), User.active.is_(True),
            User.role != Role.observer))).all())
    await _publish(session, meeting, conclusion, actor, "issue",
                   {"number": conclusion.number, "tasks": len(assigned)})
    eventlog.notify(session, watchers | await meetings.member_ids(session, meeting),
                    "conclusion.issued", meeting_id=meeting.id, number=conclusion.number)
    eventlog.notify(session, watchers, "tasks.changed")
    return conclusion


async def pdf_of(session: AsyncSession, user: User, meeting_id: int
                 ) -> tuple[Conclusion, bytes]:
    """The notice's current PDF (awaiting signature, or as issued)."""
    _, conclusion = await get_conclusion(session, user, meeting_id)
    if conclusion is None or conclusion.pdf_id is None:
        raise NotFound("conclusion_not_found")
    pdf = await session.get(OfficialPdf, conclusion.pdf_id)
    assert pdf is not None
    return conclusion, await signatures.content(session, pdf)


# -- views and events ------------------------------------------------------------


async def view(session: AsyncSession, conclusion: Conclusion, *, on: dt.date | None = None
               ) -> dict[str, Any]:
    """The notice with its items and tasks, and where it stands against its due date."""
    day = on or tasks.today()
    pairs = await _items_with_tasks(session, conclusion)
    names = await tasks.names_for(session, [t for _, ts in pairs for t in ts])
    units = {u.id: u.name for u in (await session.scalars(
        select(Unit).where(Unit.id.in_(conclusion.recipient_unit_ids or [])))).all()}
    pdf = await session.get(OfficialPdf, conclusion.pdf_id) if conclusion.pdf_id else None
    issued = conclusion.issue_date if conclusion.status == C.issued else None
    return {
        "id": conclusion.id,
        "meeting_id": conclusion.meeting_id,
        "status": conclusion.status.value,
        "number": conclusion.number,
        "summary": conclusion.summary,
        "opening": conclusion.opening,
        "closing": conclusion.closing,
        "place": conclusion.place,
        "issue_date": conclusion.issue_date.isoformat() if conclusion.issue_date else None,
        "issued_at": conclusion.issued_at.isoformat() if conclusion.issued_at else None,
        "signer_id": conclusion.signer_id,
        "return_comment": conclusion.return_comment,
        "version": conclusion.version,
        "deadline": deadline(conclusion.due_date, day, issued),
        "recipients": [{"id": i, "name": units.get(i, "")}
                       for i in conclusion.recipient_unit_ids or []],
        "items": [
            {"id": item.id, "agenda_item_id": item.agenda_item_id, "title": item.title,
             "text": item.text, "tasks": [tasks.task_view(t, names, day) for t in item_tasks]}
            for item, item_tasks in pairs
        ],
        "pdf": await signatures.pdf_view(session, pdf) if pdf else None,
    }


async def _publish(session: AsyncSession, meeting: Meeting, conclusion: Conclusion, actor: User,
                   action: str, data: dict[str, Any] | None = None) -> None:
    conclusion.updated_at = utcnow()
    await session.flush()
    audience = (None if conclusion.status == C.issued
                else await drafting_audience(session, meeting))
    await eventlog.append(session, meeting.id, "conclusion.updated",
                          {"conclusion": await view(session, conclusion)}, audience=audience)
    await audit.record(session, f"conclusion.{action}", actor_id=actor.id,
                       object_type="conclusion", object_id=conclusion.id,
                       meeting_id=meeting.id, data=data or {})


async def require_issued_if_started(session: AsyncSession, meeting: Meeting) -> None:
    """Guard of "close": a notice that was started must be issued first."""
    status = await session.scalar(
        select(Conclusion.status).where(Conclusion.meeting_id == meeting.id))
    if status is not None and status != C.issued:
        raise Conflict("conclusion_not_issued")


meetings.add_guard("close", require_issued_if_started)

# Meetings whose notice is this many days past due stop being listed as pending.
PENDING_WINDOW_DAYS = 60


async def pending_notices(session: AsyncSession, user: User, *, on: dt.date | None = None
                          ) -> list[dict[str, Any]]:
    """Meetings the user manages or chairs whose notice is not issued yet, most urgent first."""
    day = on or tasks.today()
    if user.role not in (Role.secretary, Role.chair, Role.admin):
        return []
    candidates = (await session.scalars(
        select(Meeting).where(Meeting.status.in_((MeetingStatus.adjourned,
                                                  MeetingStatus.closed)))
        .order_by(Meeting.starts_at)
    )).all()
    issued = set((await session.scalars(select(Conclusion.meeting_id).where(
        Conclusion.status == C.issued))).all())
    found = []
    for meeting in candidates:
        if meeting.id in issued:
            continue
        due = due_date(meeting, day=await meetings.held_day(session, meeting))
        if (day - due).days > PENDING_WINDOW_DAYS:
            continue
        if not (meetings.is_chair(user, meeting) or user.role == Role.admin
                or await meetings.can_manage(session, user, meeting)):
            continue
        found.append({"meeting": {"id": meeting.id, "title": meeting.title},
                      "deadline": deadline(due, day)})
    return sorted(found, key=lambda f: (f["deadline"]["working_days_left"],
                                        f["meeting"]["id"]))


async def snapshot(session: AsyncSession, user: User, meeting: Meeting) -> dict[str, Any]:
    """What a meeting screen knows of the notice: standing, due date, and the notice."""
    standing = await access(session, user, meeting)
    _, conclusion = await get_conclusion(session, user, meeting.id)
    due = due_date(meeting, day=await meetings.held_day(session, meeting))
    return {
        "access": {"manage": standing.manage, "chair": standing.chair},
        "deadline": deadline(due, tasks.today()),
        "conclusion": await view(session, conclusion) if conclusion else None,
    }
