"""Follow-up of the tasks a conclusion notice or a consultation's synthesis report assigns:
each responsible unit reports progress and submits its deliverable; the office sees every
task, overdue ones first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from ecabinet import audit, eventlog
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from ecabinet.models import (
    Conclusion,
    ConclusionItem,
    Consultation,
    Meeting,
    Task,
    TaskReport,
    TaskStatus,
    Unit,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.pdf import official
from ecabinet.responsibility import is_responsible, responsible_condition, responsible_ids
from ecabinet.spreadsheet import csv_text
from ecabinet.task_origins import followed_condition, origin_of
from ecabinet.workdays import VIETNAM, local_date, working_days_between

S = TaskStatus
# With this many working days left or fewer, a task (or a notice) is flagged as due soon.
DUE_SOON_WORKING_DAYS = 2
MAX_TASKS = 300
TASK_HEADERS = ("TT", "Nội dung nhiệm vụ", "Đơn vị, cá nhân chủ trì", "Thời hạn", "Sản phẩm")
_SAFE_TYPES = {
    "application/pdf", "image/png", "image/jpeg", "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/msword", "application/vnd.ms-excel", "application/zip",
}
_SHA = re.compile(r"^[0-9a-f]{64}$")


def today() -> dt.date:
    """Today's date in Vietnam."""
    return local_date(utcnow())


def deadline_state(deadline: dt.date, status: TaskStatus, completed: dt.date | None,
                   on: dt.date) -> tuple[str, int]:
    """(state, working days left) of a task on day `on`.

    States: planned (notice not issued), done, done_late, overdue, due_soon, on_track.
    Days left are negative once overdue.
    """
    if on <= deadline:
        left = working_days_between(on, deadline)
    else:
        left = -working_days_between(deadline, on)
    if status == S.planned:
        return "planned", left
    if status == S.done:
        return ("done_late" if completed and completed > deadline else "done"), left
    if on > deadline:
        return "overdue", left
    if left <= DUE_SOON_WORKING_DAYS:
        return "due_soon", left
    return "on_track", left


# -- who sees and does what --------------------------------------------------

async def may_follow(session: AsyncSession, user: User, task: Task) -> bool:
    """The office of the task's meeting or consultation, its chair, or an admin."""
    return await (await origin_of(session, task)).may_follow(session, user)


async def get_task(session: AsyncSession, user: User, task_id: int) -> Task:
    """An issued task the user may see (responsible, office, chair, admin), or NotFound."""
    task = await session.get(Task, task_id)
    if task is None or task.status == S.planned:
        raise NotFound("task_not_found")
    if not (is_responsible(user, task) or await may_follow(session, user, task)):
        raise NotFound("task_not_found")
    return task


# -- giving tasks --------------------------------------------------------------


@dataclass
class TaskInput:
    """One task as the office writes it."""

    content: str
    deadline: dt.date
    deliverable: str
    responsible_unit_id: int | None = None
    responsible_user_id: int | None = None
    id: int | None = None


async def check_inputs(session: AsyncSession, given: Sequence[TaskInput], earliest: dt.date,
                       early: str) -> None:
    """Every task says what, who (an existing unit or an active person), by when (not before
    `earliest`, else `early` is the error) and what it delivers."""
    if len(given) > MAX_TASKS:
        raise Invalid("too_many_tasks")
    unit_ids: set[int] = set()
    user_ids: set[int] = set()
    for task in given:
        if not task.content.strip():
            raise Invalid("task_content_required")
        if task.responsible_unit_id is None and task.responsible_user_id is None:
            raise Invalid("task_responsible_required")
        if not task.deliverable.strip():
            raise Invalid("task_deliverable_required")
        if task.deadline < earliest:
            raise Invalid(early)
        if task.responsible_unit_id is not None:
            unit_ids.add(task.responsible_unit_id)
        if task.responsible_user_id is not None:
            user_ids.add(task.responsible_user_id)
    if unit_ids and len(set((await session.scalars(
            select(Unit.id).where(Unit.id.in_(unit_ids)))).all())) != len(unit_ids):
        raise Invalid("unknown_unit")
    if user_ids and len(set((await session.scalars(
            select(User.id).where(User.id.in_(user_ids), User.active.is_(True))
    )).all())) != len(user_ids):
        raise Invalid("unknown_user")


def fill(task: Task, given: TaskInput, position: int) -> None:
    """Write what the office wrote into a (planned) task."""
    task.position = position
    task.content = given.content.strip()
    task.deadline = given.deadline
    task.deliverable = given.deliverable.strip()
    task.responsible_unit_id = given.responsible_unit_id
    task.responsible_user_id = given.responsible_user_id


async def assign(session: AsyncSession, actor: User, given: Sequence[Task]) -> set[int]:
    """Issue planned tasks (their notice or report is signed); returns who acts on them."""
    acting: set[int] = set()
    for task in given:
        task.status = S.assigned
        acting |= await responsible_ids(session, task)
    if not given:
        return acting
    # One entry per task, in one batch: other systems are told of each (task.assigned).
    await audit.record_many(session, [audit.AuditRecord(
        action="task.assign", actor_id=actor.id, object_type="task", object_id=str(task.id),
        meeting_id=task.meeting_id, data={
            "deadline": task.deadline.isoformat(),
            "responsible_unit_id": task.responsible_unit_id,
            "responsible_user_id": task.responsible_user_id,
            **({"consultation_id": task.consultation_id}
               if task.consultation_id is not None else {})})
        for task in given])
    return acting


def table(given: Sequence[Task], names: Names) -> official.Table:
    """Tasks as the official document lists them: what, who, by when, what they deliver."""
    return official.Table(
        headers=TASK_HEADERS,
        rows=tuple((str(i), t.content, responsible_text(t, names),
                    t.deadline.strftime("%d/%m/%Y"), t.deliverable)
                   for i, t in enumerate(given, start=1)),
        widths=(0.5, 3, 2, 1.3, 1.6))


# -- views -------------------------------------------------------------------


@dataclass
class Names:
    """Names needed to show tasks: units, people, meetings, notices, items, consultations
    and their reports' numbers."""

    units: dict[int, str]
    users: dict[int, str]
    meetings: dict[int, str]
    numbers: dict[int, str]
    items: dict[int, str]
    consultations: dict[int, str]
    reports: dict[int, str]


async def names_for(session: AsyncSession, tasks: Sequence[Task]) -> Names:
    """Load every name the given tasks refer to, in a handful of queries."""

    async def load(model: Any, column: Any, ids: Iterable[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await session.execute(select(model.id, column).where(model.id.in_(wanted)))
        return {row[0]: row[1] for row in rows}

    return Names(
        units=await load(Unit, Unit.name, (t.responsible_unit_id for t in tasks)),
        users=await load(User, User.full_name, (t.responsible_user_id for t in tasks)),
        meetings=await load(Meeting, Meeting.title, (t.meeting_id for t in tasks)),
        numbers=await load(Conclusion, Conclusion.number, (t.conclusion_id for t in tasks)),
        items=await load(ConclusionItem, ConclusionItem.title, (t.item_id for t in tasks)),
        consultations=await load(Consultation, Consultation.title,
                                 (t.consultation_id for t in tasks)),
        reports=await load(Consultation, Consultation.report_number,
                           (t.consultation_id for t in tasks)),
    )


def responsible_text(task: Task, names: Names) -> str:
    """ "Sở Tài chính" / "Nguyễn Văn A" / "UBND huyện Phú Lộc (Trương Thị Lan)"."""
    unit = names.units.get(task.responsible_unit_id or 0, "")
    person = names.users.get(task.responsible_user_id or 0, "")
    if unit and person:
        return f"{unit} ({person})"
    return unit or person


def task_view(task: Task, names: Names, on: dt.date | None = None) -> dict[str, Any]:
    """A task as the follow-up screens show it."""
    completed = local_date(task.completed_at) if task.completed_at else None
    state, left = deadline_state(task.deadline, task.status, completed, on or today())
    consultation = task.consultation_id
    return {
        "id": task.id,
        "meeting": ({"id": task.meeting_id, "title": names.meetings.get(task.meeting_id, "")}
                    if task.meeting_id is not None else None),
        "consultation": ({"id": consultation, "title": names.consultations.get(consultation, "")}
                         if consultation is not None else None),
        "conclusion_id": task.conclusion_id,
        "number": (names.reports.get(consultation, "") if consultation is not None
                   else names.numbers.get(task.conclusion_id or 0, "")),
        "item_id": task.item_id,
        "item_title": names.items.get(task.item_id or 0, ""),
        "position": task.position,
        "content": task.content,
        "responsible_unit": (
            {"id": task.responsible_unit_id,
             "name": names.units.get(task.responsible_unit_id, "")}
            if task.responsible_unit_id else None
        ),
        "responsible_user": (
            {"id": task.responsible_user_id, "name": names.users.get(task.responsible_user_id, "")}
            if task.responsible_user_id else None
        ),
        "responsible": responsible_text(task, names),
        "deadline": task.deadline.isoformat(),
        "deliverable": task.deliverable,
        "status": task.status.value,
        "progress": task.progress,
        "completed_at": task.completed_at.isoformat() if task.completed_at else None,
        "state": state,
        "working_days_left": left,
        "updated_at": task.updated_at.isoformat(),
    }


def report_view(report: TaskReport, authors: dict[int, str]) -> dict[str, Any]:
    """One entry of a task's history."""
    return {
        "id": report.id, "kind": report.kind, "note": report.note, "progress": report.progress,
        "author": authors.get(report.author_id or 0, ""),
        "file": ({"name": report.file_name, "size": report.file_size, "type": report.file_type}
                 if report.file_sha else None),
        "created_at": report.created_at.isoformat(),
    }


def order(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tasks in the order the office reads them: overdue (oldest deadline first), open by
    deadline, then done (latest completion first)."""
    done_states = ("done", "done_late")
    overdue = [v for v in views if v["state"] == "overdue"]
    done = [v for v in views if v["state"] in done_states]
    pending = [v for v in views if v["state"] != "overdue" and v["state"] not in done_states]

    def by_deadline(view: dict[str, Any]) -> tuple[str, int]:
        return view["deadline"], view["id"]

    return (sorted(overdue, key=by_deadline) + sorted(pending, key=by_deadline)
            + sorted(done, key=lambda v: (v["completed_at"] or "", v["id"]), reverse=True))


@dataclass(frozen=True)
class TaskFilter:
    """What the follow-up list shows."""

    scope: str = "all"  # mine: my unit's/my tasks; office: those I follow; all: both
    unit_id: int | None = None
    meeting_id: int | None = None
    consultation_id: int | None = None
    state: str | None = None  # a deadline state, or "open" (not done)


async def list_tasks(session: AsyncSession, user: User, flt: TaskFilter | None = None,
                     *, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Issued tasks the user may see, overdue first."""
    flt = flt or TaskFilter()
    if flt.scope not in ("all", "mine", "office"):
        raise Invalid("field_invalid", field="scope")
    if flt.state is not None and flt.state != "open" and flt.state not in STATE_LABELS:
        raise Invalid("field_invalid", field="state")
    conditions: list[ColumnElement[bool]] = []
    if flt.scope in ("all", "mine"):
        conditions.append(responsible_condition(user))
    if flt.scope in ("all", "office"):
        office = await followed_condition(session, user)
        if office is not None:
            conditions.append(office)
    if not conditions:
        return []
    query = (select(Task).outerjoin(Meeting, Meeting.id == Task.meeting_id)
             .outerjoin(Consultation, Consultation.id == Task.consultation_id)
             .where(Task.status != S.planned, or_(*conditions)))
    if flt.unit_id is not None:
        query = query.where(Task.responsible_unit_id == flt.unit_id)
    if flt.meeting_id is not None:
        query = query.where(Task.meeting_id == flt.meeting_id)
    if flt.consultation_id is not None:
        query = query.where(Task.consultation_id == flt.consultation_id)
    rows = list((await session.scalars(query.order_by(Task.id))).all())
    names = await names_for(session, rows)
    views = [task_view(t, names, on) for t in rows]
    if flt.state == "open":
        views = [v for v in views if v["status"] != S.done.value]
    elif flt.state:
        views = [v for v in views if v["state"] == flt.state]
    return order(views)


def summarise(views: Sequence[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Counts per responsible unit ("unit"), per meeting ("meeting") or per consultation
    ("consultation"): total, overdue, due soon, done."""
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for view in views:
        ident: int | None
        if by == "unit":
            unit, person = view["responsible_unit"], view["responsible_user"]
            if unit:
                key, ident, name = ("unit", unit["id"]), unit["id"], unit["name"]
            else:  # a person answers for it: grouped on their own, not filterable by unit
                key, ident, name = ("user", person["id"] if person else 0), None, view[
                    "responsible"]
        else:
            origin = view[by]
            if origin is None:
                continue
            ident, name = origin["id"], origin["title"]
            key = (by, ident)
        group = groups.setdefault(key, {"id": ident, "name": name, "total": 0, "overdue": 0,
                                        "due_soon": 0, "done": 0})
        group["total"] += 1
        if view["state"] == "overdue":
            group["overdue"] += 1
        elif view["state"] == "due_soon":
            group["due_soon"] += 1
        elif view["state"] in ("done", "done_late"):
            group["done"] += 1
    return sorted(groups.values(), key=lambda g: (-g["overdue"], str(g["name"])))


STATE_LABELS = {
    "planned": "Chưa ban hành", "on_track": "Đang thực hiện", "due_soon": "Sắp đến hạn",
    "overdue": "Quá hạn", "done": "Hoàn thành", "done_late": "Hoàn thành (quá hạn)",
}


def csv_export(views: Sequence[dict[str, Any]]) -> str:
    """The list as CSV for Excel (UTF-8 with BOM, Vietnamese headers)."""
    rows = []
    for index, view in enumerate(views, start=1):
        deadline = dt.date.fromisoformat(view["deadline"])
        completed = (dt.datetime.fromisoformat(view["completed_at"]).astimezone(VIETNAM)
                     .strftime("%d/%m/%Y") if view["completed_at"] else "")
        origin = view["meeting"] or view["consultation"]
        rows.append([
            index, origin["title"], view["number"], view["item_title"],
            view["content"], view["responsible"], deadline.strftime("%d/%m/%Y"),
            view["deliverable"], STATE_LABELS.get(view["state"], view["state"]),
            view["progress"], completed,
        ])
    return csv_text(["STT", "Cuộc họp, lấy ý kiến", "Số văn bản", "Nội dung kết luận", "Nhiệm vụ",
                     "Đơn vị, cá nhân chủ trì", "Thời hạn", "Sản phẩm", "Tình trạng",
                     "Tiến độ (%)", "Ngày hoàn thành"], rows)


# -- acting on a task --------------------------------------------------------


async def _changed(session: AsyncSession, actor: User, task: Task, action: str,
                   data: dict[str, Any]) -> None:
    task.updated_at = utcnow()
    await session.flush()
    origin = await origin_of(session, task)
    await origin.announce(session, task_view(task, await names_for(session, [task])))
    await audit.record(session, f"task.{action}", actor_id=actor.id, object_type="task",
                       object_id=task.id, meeting_id=task.meeting_id,
                       data={**data, **origin.audit_data()})
    watchers = await responsible_ids(session, task) | await origin.watchers(session)
    eventlog.notify(session, watchers, "tasks.changed", task_id=task.id)


def _lock(session: AsyncSession, task_id: int) -> Any:
    return session.get(Task, task_id, with_for_update=True)


async def report_progress(session: AsyncSession, actor: User, task_id: int, *, progress: int,
                          note: str = "") -> Task:
    """The responsible unit reports how far it got (0–99 %) with an optional note."""
    task = await get_task(session, actor, task_id)
    if not is_responsible(actor, task):
        raise Forbidden("forbidden")
    task = await _lock(session, task.id)
    if task.status == S.done:
        raise Conflict("task_already_done")
    if not 0 <= progress < 100:
        raise Invalid("progress_out_of_range")
    task.progress = progress
    task.status = S.in_progress
    session.add(TaskReport(task_id=task.id, author_id=actor.id, kind="progress",
                           note=note.strip(), progress=progress))
    await _changed(session, actor, task, "progress", {"progress": progress})
    return task


@dataclass(frozen=True)
class Upload:
    """A file sent with a deliverable."""

    name: str
    content_type: str
    data: bytes


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return base[:200] or "tep-dinh-kem"


def _store(files_dir: Path, data: bytes) -> tuple[str, str]:
    """Write `data` under a fresh random name; return (that name, the content's SHA-256).

    Not under its hash, which anyone holding the file can compute: nobody may know
    where an upload lies, so that no setting, path or request can be pointed at it. The
    file is owner read/write only, never executable.
    """
    name = secrets.token_hex(32)
    target = files_dir / name[:2] / name
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = target.with_name(f".{name}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(temporary, flags, 0o600), "wb") as out:
        out.write(data)
    os.replace(temporary, target)
    return name, hashlib.sha256(data).hexdigest()


async def submit_deliverable(
    session: AsyncSession, actor: User, task_id: int, *, note: str = "",
    upload: Upload | None = None, files_dir: Path | None = None, max_bytes: int = 0,
) -> Task:
    """The responsible unit hands in the deliverable (a file, a note, or both): the task is done."""
    task = await get_task(session, actor, task_id)
    if not is_responsible(actor, task):
        raise Forbidden("forbidden")
    task = await _lock(session, task.id)
    if task.status == S.done:
        raise Conflict("task_already_done")
    if not note.strip() and (upload is None or not upload.data):
        raise Invalid("deliverable_required")
    report = TaskReport(task_id=task.id, author_id=actor.id, kind="deliverable",
                        note=note.strip(), progress=100)
    digest = ""
    if upload is not None and upload.data:
        if files_dir is None:
            raise RuntimeError("no directory for task files configured")
        if max_bytes and len(upload.data) > max_bytes:
            raise TooLarge("upload_file_too_large")
        # `file_sha` names the stored file: a random token (older rows: the content's hash).
        report.file_sha, digest = await asyncio.to_thread(_store, files_dir, upload.data)
        report.file_name = _safe_name(upload.name)
        report.file_size = len(upload.data)
        report.file_type = (upload.content_type if upload.content_type in _SAFE_TYPES
                            else "application/octet-stream")
    session.add(report)
    task.status = S.done
    task.progress = 100
    task.completed_at = utcnow()
    await _changed(session, actor, task, "deliver",
                   {"file": report.file_name, "sha256": digest})
    return task


async def reopen(session: AsyncSession, actor: User, task_id: int, comment: str) -> Task:
    """The office sends a done task back (the deliverable falls short), with a reason."""
    task = await get_task(session, actor, task_id)
    if not await (await origin_of(session, task)).may_manage(session, actor):
        raise Forbidden("forbidden")
    if not comment.strip():
        raise Invalid("reopen_needs_comment")
    task = await _lock(session, task.id)
    if task.status != S.done:
        raise Conflict("task_not_done")
    task.status = S.in_progress
    task.completed_at = None
    task.progress = min(task.progress, 90)
    session.add(TaskReport(task_id=task.id, author_id=actor.id, kind="reopen",
                           note=comment.strip()))
    await _changed(session, actor, task, "reopen", {"comment": comment.strip()})
    return task


async def history(session: AsyncSession, user: User, task_id: int) -> list[dict[str, Any]]:
    """A task's reports, oldest first."""
    task = await get_task(session, user, task_id)
    rows = list((await session.scalars(
        select(TaskReport).where(TaskReport.task_id == task.id).order_by(TaskReport.id)
    )).all())
    ids = {r.author_id for r in rows if r.author_id is not None}
    authors = ({row[0]: row[1] for row in await session.execute(
        select(User.id, User.full_name).where(User.id.in_(ids)))} if ids else {})
    return [report_view(r, authors) for r in rows]


async def detail(session: AsyncSession, user: User, task_id: int) -> dict[str, Any]:
    """A task with its history and what the user may do with it."""
    task = await get_task(session, user, task_id)
    names = await names_for(session, [task])
    origin = await origin_of(session, task)
    return {
        **task_view(task, names),
        "reports": await history(session, user, task_id),
        "can_report": is_responsible(user, task) and task.status != S.done,
        "can_reopen": task.status == S.done and await origin.may_manage(session, user),
    }


async def report_file(session: AsyncSession, user: User, task_id: int, report_id: int,
                      files_dir: Path) -> tuple[Path, str, str]:
    """(path, file name, content type) of a file handed in on a task the user may see."""
    task = await get_task(session, user, task_id)
    report = await session.get(TaskReport, report_id)
    if report is None or report.task_id != task.id or not _SHA.match(report.file_sha):
        raise NotFound("task_file_not_found")
    path = files_dir / report.file_sha[:2] / report.file_sha
    if not await asyncio.to_thread(path.is_file):
        raise NotFound("task_file_not_found")
    origin = await origin_of(session, task)
    await audit.record(session, "task.file_view", actor_id=user.id, object_type="task",
                       object_id=task.id, meeting_id=task.meeting_id,
                       data={"report": report.id, **origin.audit_data()})
    return path, report.file_name, report.file_type
