"""The synthesis report's conclusions give tasks: planned with each draft, listed in its PDF,
assigned to their units when the chair signs, then followed up like a conclusion notice's."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pymupdf
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db, tasks
from ecabinet.consultations import access, closing, report, views
from ecabinet.errors import Forbidden, Invalid, NotFound
from ecabinet.models import AuditEntry, Consultation, OfficialPdf, Task, TaskStatus
from ecabinet.tasks import TaskFilter, TaskInput
from tests.conftest import World
from tests.consultations.conftest import sent
from tests.consultations.test_signed_replies import PASSPHRASE, demo_keys

PROPOSAL = "Giao các đơn vị hoàn thiện Kế hoạch theo ý kiến các thành viên."


async def _closed(sessions: async_sessionmaker[AsyncSession], world: World) -> Consultation:
    consultation = await sent(sessions, world)
    async with db.transaction(sessions) as s:
        return await closing.close_early(s, world["secretary"], consultation.id)


def _tasks(world: World) -> list[TaskInput]:
    due = tasks.today() + timedelta(days=20)
    return [
        TaskInput("Rà soát danh mục dự án chuyển đổi số cấp huyện", due,
                  "Báo cáo rà soát", responsible_unit_id=world.district),
        TaskInput("Tổng hợp kinh phí thực hiện Kế hoạch", due + timedelta(days=7),
                  "Dự toán kinh phí", responsible_user_id=world["delegate2"].id),
    ]


def _text(data: bytes) -> str:
    with pymupdf.open("pdf", data) as document:
        return " ".join(" ".join(page.get_text().split()) for page in document)


async def test_tasks_are_planned_with_the_draft_and_assigned_when_signed(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    await demo_keys(sessions, world, "chair")
    consultation = await _closed(sessions, world)
    given = _tasks(world)
    async with db.transaction(sessions) as s:
        await report.draft(s, world["secretary"], consultation.id, PROPOSAL, given)
    async with sessions() as s:
        _, data = await report.pdf_of(s, world["secretary"], consultation.id)
        shown = (await views.detail(s, world["secretary"], consultation))["report"]
        # Planned: nobody's follow-up lists them yet, and the unit cannot open it.
        assert await tasks.list_tasks(s, world["district_secretary"]) == []
        assert await tasks.list_tasks(s, world["secretary"]) == []
        with pytest.raises(NotFound):
            await access.get_consultation(s, world["district_secretary"], consultation.id)
    text = _text(data)
    first = given[0].deadline.strftime("%d/%m/%Y")
    assert ("III. ĐỀ XUẤT, KẾT LUẬN " + PROPOSAL + " TT Nội dung nhiệm vụ") in text
    assert ("1 Rà soát danh mục dự án chuyển đổi số cấp huyện UBND huyện Phú Lộc "
            f"{first} Báo cáo rà soát") in text
    assert f"2 Tổng hợp kinh phí thực hiện Kế hoạch {world['delegate2'].full_name}" in text
    assert "- UBND huyện Phú Lộc; - Lưu: VT." in text  # the unit given a task receives it
    assert [(t["content"], t["status"], t["state"]) for t in shown["tasks"]] == [
        (given[0].content, "planned", "planned"), (given[1].content, "planned", "planned")]

    # Redrafted with one task: the other is gone, nothing doubled.
    async with db.transaction(sessions) as s:
        await report.draft(s, world["secretary"], consultation.id, PROPOSAL, given[:1])
    async with sessions() as s:
        assert await s.scalar(select(func.count(Task.id))) == 1
    async with db.transaction(sessions) as s:
        await report.sign(s, world["chair"], consultation.id, secret=PASSPHRASE)
        notices = {n.type: n.user_ids for n in s.info.get("ecabinet_notices", [])}
    assert world["district_secretary"].id in notices["tasks.changed"]
    async with sessions() as s:
        [task] = (await s.scalars(select(Task))).all()
        assert task.status == TaskStatus.assigned and task.meeting_id is None
        [mine] = await tasks.list_tasks(s, world["district_secretary"], TaskFilter(scope="mine"))
        followed = await tasks.list_tasks(s, world["secretary"], TaskFilter(scope="office"))
        # Its unit may now open the consultation and read the signed report; others not.
        await access.get_consultation(s, world["district_secretary"], consultation.id)
        pdf, _ = await report.pdf_of(s, world["district_secretary"], consultation.id)
        with pytest.raises(NotFound):
            await access.get_consultation(s, world["outsider"], consultation.id)
        assert await tasks.list_tasks(s, world["outsider"]) == []
        # The other chair follows nothing of it; the consultation's chair does.
        assert await tasks.list_tasks(s, world["chair2"], TaskFilter(scope="office")) == []
        assert [t["id"] for t in await tasks.list_tasks(
            s, world["chair"], TaskFilter(scope="office"))] == [task.id]
    assert mine["consultation"] == {"id": consultation.id, "title": consultation.title}
    assert mine["meeting"] is None and mine["number"] == pdf.number == "01/BC-UBND"
    assert mine["state"] == "on_track" and [t["id"] for t in followed] == [task.id]
    assert tasks.summarise(followed, "consultation") == [
        {"id": consultation.id, "name": consultation.title, "total": 1, "overdue": 0,
         "due_soon": 0, "done": 0}]
    assert tasks.summarise(followed, "meeting") == []
    rows = list(csv.reader(io.StringIO(tasks.csv_export(followed).lstrip("\ufeff"))))
    assert rows[1][1:3] == [consultation.title, "01/BC-UBND"]


async def test_a_report_task_is_followed_up_like_a_notice_task(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    await demo_keys(sessions, world, "chair")
    consultation = await _closed(sessions, world)
    async with db.transaction(sessions) as s:
        await report.draft(s, world["secretary"], consultation.id, PROPOSAL, _tasks(world))
    async with db.transaction(sessions) as s:
        await report.sign(s, world["chair"], consultation.id, secret=PASSPHRASE)
    async with sessions() as s:
        unit_task, person_task = (await s.scalars(select(Task).order_by(Task.position))).all()
    async with db.transaction(sessions) as s:
        await tasks.report_progress(s, world["district_secretary"], unit_task.id, progress=40,
                                    note="Đã rà soát 5/9 huyện.")
        notices = {n.type: n for n in s.info.get("ecabinet_notices", [])}
    # The office and the consultation's page hear of it; the meeting log is not touched.
    assert world["secretary"].id in notices["tasks.changed"].user_ids
    assert notices["consultations.changed"].data["consultation_id"] == consultation.id
    with pytest.raises(NotFound):  # a member asked neither acts on it nor follows it
        async with db.transaction(sessions) as s:
            await tasks.report_progress(s, world["delegate"], unit_task.id, progress=10)
    async with db.transaction(sessions) as s:
        await tasks.submit_deliverable(s, world["delegate2"], person_task.id,
                                       note="Dự toán đã gửi Sở Tài chính thẩm định.")
    async with sessions() as s:
        detail = await tasks.detail(s, world["secretary"], person_task.id)
        assert not (await tasks.detail(s, world["delegate2"], person_task.id))["can_reopen"]
    assert detail["state"] == "done" and detail["can_reopen"]
    with pytest.raises(Forbidden):
        async with db.transaction(sessions) as s:
            await tasks.reopen(s, world["delegate2"], person_task.id, "Tự mở lại")
    async with db.transaction(sessions) as s:
        await tasks.reopen(s, world["secretary"], person_task.id, "Thiếu phần kinh phí cấp xã.")
    async with sessions() as s:
        entries = (await s.scalars(select(AuditEntry).where(
            AuditEntry.action.in_(("task.progress", "task.deliver", "task.reopen")))
            .order_by(AuditEntry.id))).all()
        assigned = await s.scalar(select(AuditEntry).where(
            AuditEntry.action == "consultation.tasks_assigned"))
    assert [(e.action, e.meeting_id, e.data["consultation_id"]) for e in entries] == [
        ("task.progress", None, consultation.id), ("task.deliver", None, consultation.id),
        ("task.reopen", None, consultation.id)]
    assert assigned is not None and assigned.data["tasks"] == [unit_task.id, person_task.id]


@pytest.mark.parametrize(("change", "code"), [
    ({"deadline": -1}, "task_deadline_past"),
    ({"responsible_unit_id": 999_999}, "unknown_unit"),
    ({"responsible_unit_id": None}, "task_responsible_required"),
    ({"content": "  "}, "task_content_required"),
    ({"deliverable": ""}, "task_deliverable_required"),
])
async def test_a_wrong_task_refuses_the_whole_draft(
        sessions: async_sessionmaker[AsyncSession], world: World, change: dict[str, Any],
        code: str) -> None:
    consultation = await _closed(sessions, world)
    good, _ = _tasks(world)
    fields = {"content": good.content, "deadline": good.deadline,
              "deliverable": good.deliverable, "responsible_unit_id": world.district}
    fields.update(change)
    if change.get("deadline") == -1:
        fields["deadline"] = tasks.today() - timedelta(days=1)
    with pytest.raises(Invalid) as refused:
        async with db.transaction(sessions) as s:
            await report.draft(s, world["secretary"], consultation.id, PROPOSAL,
                               [good, TaskInput(**fields)])
    assert refused.value.code == code
    async with sessions() as s:
        assert await s.scalar(select(func.count(Task.id))) == 0
        assert await s.scalar(select(func.count(OfficialPdf.id))) == 0
        stored = await s.get(Consultation, consultation.id)
        assert stored is not None and stored.report_text == ""


async def test_report_tasks_over_http(client_factory: Any, world: World,
                                      sessions: async_sessionmaker[AsyncSession]) -> None:
    await demo_keys(sessions, world, "chair")
    consultation = await _closed(sessions, world)
    due = (tasks.today() + timedelta(days=15)).isoformat()
    body = {"conclusions": PROPOSAL, "tasks": [
        {"content": "Rà soát danh mục", "deadline": due, "deliverable": "Báo cáo",
         "responsible_unit_id": world.district}]}
    secretary = await client_factory("secretary")
    url = f"/api/consultations/{consultation.id}"
    late = await secretary.post(f"{url}/report", json={**body, "tasks": [
        {**body["tasks"][0], "deadline": "2020-01-02"}]},
        headers={"accept-language": "vi"})
    assert late.status_code == 422
    assert late.json()["error"]["message"] == (
        "Thời hạn của nhiệm vụ đã qua: vui lòng chọn từ hôm nay trở đi.")
    drafted = await secretary.post(f"{url}/report", json=body)
    assert drafted.status_code == 200, drafted.text
    [planned] = drafted.json()["report"]["tasks"]
    assert planned["status"] == "planned" and planned["responsible"] == "UBND huyện Phú Lộc"
    chair = await client_factory("chair")
    signed = await chair.post(f"{url}/report/sign", json={"passphrase": PASSPHRASE})
    assert signed.status_code == 200, signed.text
    unit = await client_factory("district_secretary")
    listed = (await unit.get(f"/api/tasks?consultation_id={consultation.id}")).json()
    assert [t["id"] for t in listed["tasks"]] == [planned["id"]]
    assert listed["tasks"][0]["consultation"]["id"] == consultation.id
    followed = (await secretary.get("/api/tasks?scope=office")).json()
    assert [g["id"] for g in followed["by_consultation"]] == [consultation.id]
    assert followed["by_meeting"] == []
    seen = await unit.get(url)
    assert seen.status_code == 200 and seen.json()["report"]["status"] == "signed"
    assert (await unit.get(f"{url}/report/pdf")).content.startswith(b"%PDF")
    outsider = await client_factory("outsider")
    assert (await outsider.get(f"/api/tasks/{planned['id']}")).status_code == 404
    assert (await outsider.get(url)).status_code == 404

