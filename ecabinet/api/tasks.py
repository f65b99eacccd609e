"""Task follow-up: the list (overdue first, CSV), progress reports and deliverables."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ecabinet import conclusions, payload, reminders, tasks
from ecabinet.api.context import authed, json_body, ok, settings_of
from ecabinet.api.spec import (
    BOOL,
    COUNT,
    DATE,
    FILE,
    ID,
    INT,
    STR,
    TIME,
    arr,
    enum_of,
    named,
    nullable,
    obj,
    operation,
    record,
)
from ecabinet.errors import Invalid, TooLarge
from ecabinet.models import TaskStatus

# Where a task stands against its deadline (planned: its notice is not issued yet).
STATE = enum_of(tasks.STATE_LABELS)
NAMED = record(id=ID, name=STR)
# A task comes from a meeting's conclusion notice (meeting, conclusion_id and item_id set) or
# from a written consultation's synthesis report (consultation set); number is the notice's
# or the report's.
TASK_FIELDS = dict(
    id=ID, meeting=nullable(record(id=ID, title=STR)),
    consultation=nullable(record(id=ID, title=STR)), conclusion_id=nullable(ID), number=STR,
    item_id=nullable(ID), item_title=STR, position=INT, content=STR,
    responsible_unit=nullable(NAMED), responsible_user=nullable(NAMED), responsible=STR,
    deadline=DATE, deliverable=STR,
    status=enum_of(TaskStatus), progress=INT, completed_at=nullable(TIME), state=STATE,
    working_days_left=INT, updated_at=TIME)
TASK = named("Task", record(**TASK_FIELDS))
REPORT = record(id=ID, kind=enum_of(["progress", "deliverable", "reopen"]), note=STR,
                progress=nullable(INT), author=STR,
                file=nullable(record(name=STR, size=COUNT, type=STR)), created_at=TIME)
DETAIL = named("TaskDetail", record(
    **TASK_FIELDS, reports=arr(REPORT), can_report=BOOL, can_reopen=BOOL))
# A group of the list by responsible unit (id null: a person answers for it), by meeting or
# by consultation.
GROUP = record(id=nullable(ID), name=STR, total=COUNT, overdue=COUNT, due_soon=COUNT,
               done=COUNT)
# Where a conclusion notice stands against its due date.
DEADLINE = named("NoticeDeadline", record(
    due_date=DATE,
    state=enum_of(["issued_on_time", "issued_late", "overdue", "due_soon", "on_track"]),
    working_days_left=INT))
NOTICE = record(meeting=record(id=ID, title=STR), deadline=DEADLINE)
# awaits: the user's reply, or (its chair) the approval or the report's signature; last_day:
# the reply is due today.
WAITING = record(id=ID, title=STR, deadline=nullable(TIME),
                 awaits=enum_of(["reply", "approval", "report"]),
                 last_day=BOOL)
LIST = record(tasks=arr(TASK), by_unit=arr(GROUP), by_meeting=arr(GROUP),
              by_consultation=arr(GROUP), notices_due=arr(NOTICE))
FILTER = obj(scope=enum_of(["all", "mine", "office"]), unit_id=ID, meeting_id=ID,
             consultation_id=ID, state=enum_of(tasks.STATE_LABELS, ["open"]))
# A task as the office writes it in a notice or a report (id: one already written).
TASK_IN = obj(["content", "deadline", "deliverable"], id=nullable(ID), content=STR,
              deadline=DATE, deliverable=STR, responsible_unit_id=nullable(ID),
              responsible_user_id=nullable(ID))
# Multipart bodies above this are refused before being read (files are checked again).
_FORM_OVERHEAD = 64 * 1024


def task_input(data: dict[str, Any]) -> tasks.TaskInput:
    """A task as a form sends it, typed."""
    deadline = payload.day(data, "deadline")
    assert deadline is not None
    return tasks.TaskInput(
        id=payload.integer(data, "id", required=False),
        content=payload.text(data, "content", max_length=5000),
        deadline=deadline,
        deliverable=payload.text(data, "deliverable", max_length=500),
        responsible_unit_id=payload.integer(data, "responsible_unit_id", required=False),
        responsible_user_id=payload.integer(data, "responsible_user_id", required=False))


@dataclass(frozen=True)
class Form:
    """A multipart form's text fields and its files by field name."""

    fields: dict[str, str]
    files: dict[str, tasks.Upload]

    @property
    def upload(self) -> tasks.Upload | None:
        """The file sent as `file`."""
        return self.files.get("file")


async def _limited(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > limit:
            raise TooLarge("upload_file_too_large")
        yield chunk


async def read_form(request: Request, max_bytes: int, file_fields: tuple[str, ...] = ("file",)
                    ) -> Form:
    """Read a multipart form, counting the body as it arrives; files above `max_bytes` refused."""
    limit = max_bytes * len(file_fields) + _FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge("upload_file_too_large")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Invalid("form_upload_malformed")
    parser = MultiPartParser(request.headers, _limited(request.stream(), limit),
                             max_files=len(file_fields), max_fields=20)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise Invalid("form_upload_malformed") from exc
    try:
        fields = {k: payload.clean_text(v, k) for k, v in form.items() if isinstance(v, str)}
        files: dict[str, tasks.Upload] = {}
        for name in file_fields:
            part = form.get(name)
            if isinstance(part, UploadFile):
                data = await part.read(max_bytes + 1)
                if len(data) > max_bytes:
                    raise TooLarge("upload_file_too_large")
                if data:
                    files[name] = tasks.Upload(part.filename or "", part.content_type or "", data)
        return Form(fields, files)
    finally:
        await form.close()


def _filter(request: Request) -> tasks.TaskFilter:
    query = request.query_params

    return tasks.TaskFilter(scope=query.get("scope", "all"),
                            unit_id=payload.query_int(query.get("unit_id"), "unit_id"),
                            meeting_id=payload.query_int(query.get("meeting_id"), "meeting_id"),
                            consultation_id=payload.query_int(query.get("consultation_id"),
                                                              "consultation_id"),
                            state=query.get("state") or None)


@operation("Tasks the user may see (own unit's, or those of the meetings and consultations "
           "they follow), overdue first; and the conclusion notices still to issue",
           tag="tasks", response=LIST, query=FILTER, scope="tasks:read")
async def list_tasks(request: Request) -> Response:
    """Filters: scope=mine|office|all, unit_id, meeting_id, consultation_id, state."""
    flt = _filter(request)
    async with authed(request) as ctx:
        views = await tasks.list_tasks(ctx.db, ctx.user, flt)
        return ok({"tasks": views, "by_unit": tasks.summarise(views, "unit"),
                   "by_meeting": tasks.summarise(views, "meeting"),
                   "by_consultation": tasks.summarise(views, "consultation"),
                   "notices_due": await conclusions.pending_notices(ctx.db, ctx.user)})


@operation("What needs the user's attention: own tasks overdue or due soon, followed tasks "
           "overdue, conclusion notices nearing or past due (their sum is `total`), and the "
           "written consultations waiting for the user's reply (`last_day` when due today) or, "
           "for their chair, approval",
           tag="tasks",
           response=record(my_overdue=COUNT, my_due_soon=COUNT, followed_overdue=COUNT,
                           notices_due=COUNT, total=COUNT, notices=arr(NOTICE),
                           consultations_waiting=COUNT, consultations_last_day=COUNT,
                           consultations=arr(WAITING)))
async def list_reminders(request: Request) -> Response:
    """The top bar's badge."""
    async with authed(request) as ctx:
        return ok(await reminders.reminders(ctx.db, ctx.user))


@operation("The same list as CSV for Excel", tag="tasks", response=STR, content="text/csv",
           query=FILTER, scope="tasks:read")
async def export_csv(request: Request) -> Response:
    """UTF-8 with BOM, Vietnamese headers."""
    flt = _filter(request)
    async with authed(request) as ctx:
        views = await tasks.list_tasks(ctx.db, ctx.user, flt)
    return Response(tasks.csv_export(views), media_type="text/csv; charset=utf-8", headers={
        "content-disposition": 'attachment; filename="theo-doi-nhiem-vu.csv"',
        "cache-control": "no-store",
    })


@operation("One task with its history and what the user may do", tag="tasks", response=DETAIL,
           scope="tasks:read")
async def get_task(request: Request) -> Response:
    """Task detail."""
    async with authed(request) as ctx:
        return ok(await tasks.detail(ctx.db, ctx.user, request.path_params["task_id"]))


@operation("Report progress (responsible unit)", tag="tasks",
           body=obj(["progress"], progress={**COUNT, "maximum": 99}, note=nullable(STR)),
           response=DETAIL,
           errors=[409], scope="tasks:write")
async def progress(request: Request) -> Response:
    """0–99 %; handing in the deliverable completes the task."""
    body = await json_body(request)
    async with authed(request) as ctx:
        task = await tasks.report_progress(
            ctx.db, ctx.user, request.path_params["task_id"],
            progress=payload.required_int(body, "progress"),
            note=payload.text(body, "note", required=False, max_length=5000))
        return ok(await tasks.detail(ctx.db, ctx.user, task.id))


@operation("Hand in the deliverable, a file and/or a note (responsible unit): the task is done",
           tag="tasks", body=obj(note=STR, file=FILE), response=DETAIL, errors=[409],
           body_types=["multipart/form-data", "application/json"], scope="tasks:write")
async def deliver(request: Request) -> Response:
    """multipart/form-data with `note` and `file`, or JSON {note}."""
    settings = settings_of(request)
    async with authed(request) as ctx:
        # Checked first so nobody can make the server read an upload for a task they
        # may not touch; the upload is read outside the transaction.
        await tasks.get_task(ctx.db, ctx.user, request.path_params["task_id"])
    if request.headers.get("content-type", "").startswith("application/json"):
        body: dict[str, Any] = await json_body(request)
        form = Form({"note": payload.text(body, "note", required=False, max_length=20000)}, {})
    else:
        form = await read_form(request, settings.upload_max_bytes)
    note = form.fields.get("note", "")
    if len(note) > 20000:
        raise Invalid("field_too_long", field="note", max=20000)
    async with authed(request) as ctx:
        task = await tasks.submit_deliverable(
            ctx.db, ctx.user, request.path_params["task_id"], note=note, upload=form.upload,
            files_dir=settings.data_dir / "task_files", max_bytes=settings.upload_max_bytes)
        return ok(await tasks.detail(ctx.db, ctx.user, task.id))


@operation("Send a done task back to the unit with a reason (office)", tag="tasks",
           body=obj(["comment"], comment=STR), response=DETAIL, errors=[409])
async def reopen(request: Request) -> Response:
    """Done → in progress."""
    body = await json_body(request)
    async with authed(request) as ctx:
        task = await tasks.reopen(ctx.db, ctx.user, request.path_params["task_id"],
                                  payload.text(body, "comment", max_length=5000))
        return ok(await tasks.detail(ctx.db, ctx.user, task.id))


@operation("A file handed in on a task", tag="tasks", response=FILE,
           content="application/octet-stream", scope="tasks:read")
async def report_file(request: Request) -> Response:
    """Downloaded as an attachment, never rendered by the browser."""
    async with authed(request) as ctx:
        path, name, content_type = await tasks.report_file(
            ctx.db, ctx.user, request.path_params["task_id"], request.path_params["report_id"],
            settings_of(request).data_dir / "task_files")
    return FileResponse(path, media_type=content_type, headers={
        "content-disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "cache-control": "no-store",
    })


routes = [
    Route("/api/tasks", list_tasks, methods=["GET"]),
    Route("/api/reminders", list_reminders, methods=["GET"]),
    Route("/api/tasks.csv", export_csv, methods=["GET"]),
    Route("/api/tasks/{task_id:int}", get_task, methods=["GET"]),
    Route("/api/tasks/{task_id:int}/progress", progress, methods=["POST"]),
    Route("/api/tasks/{task_id:int}/deliverable", deliver, methods=["POST"]),
    Route("/api/tasks/{task_id:int}/reopen", reopen, methods=["POST"]),
    Route("/api/tasks/{task_id:int}/reports/{report_id:int}/file", report_file,
          methods=["GET"]),
]
