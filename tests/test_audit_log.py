"""The audit log on the administrator's screen: looked up by person, action, object and
day, paged, exported, and its hash chain checked, saying where an edit broke it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import audit, db
from ecabinet.models import AuditEntry, AuditHead, MeetingStatus
from ecabinet.workdays import VIETNAM
from tests.conftest import World
from tests.test_meetings import make_meeting


async def test_entries_are_found_by_action_person_object_and_day(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    m = await make_meeting(sessions, world, MeetingStatus.published)
    admin = await client_factory("admin")
    published = (await admin.get("/api/audit", params={"action": "meeting.publish"})).json()
    assert [e["action"] for e in published["entries"]] == ["meeting.publish"]
    [entry] = published["entries"]
    assert entry["actor"]["username"] == "secretary" and entry["object_id"] == str(m)
    assert entry["data"]["to"] == "published"
    assert "meeting.publish" in published["actions"]
    # "meeting." finds every action on meetings, newest first.
    on_meetings = (await admin.get("/api/audit", params={"action": "meeting."})).json()
    actions = [e["action"] for e in on_meetings["entries"]]
    assert actions == ["meeting.publish", "meeting.approve", "meeting.submit",
                       "meeting.create"]
    by_chair = (await admin.get("/api/audit", params={
        "actor_id": world["chair"].id})).json()["entries"]
    assert [e["action"] for e in by_chair] == ["meeting.approve"]
    by_object = (await admin.get("/api/audit", params={
        "object_type": "meeting", "object_id": str(m)})).json()["entries"]
    assert len(by_object) == 4
    today = dt.datetime.now(VIETNAM).date()
    same_day = (await admin.get("/api/audit", params={
        "action": "meeting.", "since": today.isoformat(), "until": today.isoformat()})).json()
    assert len(same_day["entries"]) == 4
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    before = (await admin.get("/api/audit", params={"until": yesterday})).json()
    assert before["entries"] == []
    wrong = await admin.get("/api/audit", params={"since": today.isoformat(),
                                                 "until": yesterday})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "date_range_invalid"
    # The office's secretary sees none of it.
    assert (await (await client_factory("secretary")).get("/api/audit")).status_code == 403


async def test_pages_go_back_without_overlap(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with db.transaction(sessions) as s:
        await audit.record_many(s, [audit.AuditRecord(action="document.view", actor_id=None,
                                                      object_type="document", object_id=str(n))
                                    for n in range(150)])
    admin = await client_factory("admin")
    first = (await admin.get("/api/audit", params={"action": "document.view"})).json()
    assert len(first["entries"]) == 100 and first["next_before_id"] is not None
    second = (await admin.get("/api/audit", params={
        "action": "document.view", "before_id": first["next_before_id"]})).json()
    assert len(second["entries"]) == 50 and second["next_before_id"] is None
    seen = [e["object_id"] for e in first["entries"] + second["entries"]]
    assert seen == [str(n) for n in reversed(range(150))]


async def test_the_check_finds_where_the_chain_was_edited(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    await make_meeting(sessions, world, MeetingStatus.published)
    admin = await client_factory("admin")
    intact = (await admin.get("/api/audit/check")).json()
    assert intact["intact"] is True and intact["broken_at"] is None
    assert intact["checked"] >= 4
    async with db.transaction(sessions) as s:
        target = await s.scalar(select(AuditEntry.id).where(
            AuditEntry.action == "meeting.approve"))
        # Someone with database access rewrites who approved it.
        await s.execute(update(AuditEntry).where(AuditEntry.id == target)
                        .values(data={"from": "submitted", "to": "approved",
                                      "comment": "sửa lén"}))
    broken = (await admin.get("/api/audit/check")).json()
    assert broken["intact"] is False and broken["broken_at"] == target
    assert broken["entry"]["action"] == "meeting.approve"
    assert broken["entry"]["actor"]["username"] == "chair"
    assert broken["checked"] < intact["checked"]


async def test_removing_the_last_entries_is_found_too(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    await make_meeting(sessions, world, MeetingStatus.published)
    admin = await client_factory("admin")  # logging in is audited: done before the cut
    async with db.transaction(sessions) as s:
        last = await s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
        await s.execute(delete(AuditEntry).where(AuditEntry.id == last))
        assert (await s.get(AuditHead, 1)) is not None
    check = (await admin.get("/api/audit/check")).json()
    assert check["intact"] is False and check["broken_at"] == -1 and check["entry"] is None
    # The next entry written links to the removed one: the break is then located there.
    async with db.transaction(sessions) as s:
        await audit.record(s, "document.view", actor_id=world["admin"].id)
        after = await s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    assert (await admin.get("/api/audit/check")).json()["broken_at"] == after


async def test_the_export_opens_in_a_spreadsheet_and_is_itself_audited(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    await make_meeting(sessions, world, MeetingStatus.published)
    async with db.transaction(sessions) as s:
        await audit.record(s, "question.ask", actor_id=world["delegate"].id,
                           object_type="question", object_id="9",
                           data={"text": "=HYPERLINK(\"http://x\")"})
    admin = await client_factory("admin")
    answer = await admin.get("/api/audit.csv", params={"action": "question.ask"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    text = answer.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:9] == ["Số", "Thời điểm", "Người thực hiện", "Tài khoản", "Hành động",
                           "Mã hành động", "Loại đối tượng", "Mã loại đối tượng",
                           "Mã đối tượng"]
    assert len(rows) == 2 and rows[1][3] == "delegate"
    # The action and the object type in words, each code in its own column.
    assert rows[1][4:9] == ["Gửi câu hỏi", "question.ask", "Câu hỏi", "question", "9"]
    assert rows[1][10].startswith("{") and "HYPERLINK" in rows[1][10]
    exported = (await admin.get("/api/audit", params={"action": "audit.export"})).json()
    assert exported["entries"][0]["data"] == {"rows": 1}


async def test_actions_and_object_types_come_with_labels_in_the_reader_s_language(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    await make_meeting(sessions, world, MeetingStatus.published)
    async with db.transaction(sessions) as s:
        await audit.record(s, "legacy.thing", actor_id=None, data={"rows": 3, "odd": 1})
    admin = await client_factory("admin")
    page = (await admin.get("/api/audit", params={"action": "meeting."})).json()
    published = next(e for e in page["entries"] if e["action"] == "meeting.publish")
    assert published["action_label"] == "Phát hành cuộc họp"
    assert published["object_type"] == "meeting" and published["object_type_label"] == "Cuộc họp"
    assert page["data_labels"]["from"] == "Từ" and page["data_labels"]["to"] == "Sang"
    # The filter's choices: families of what the log holds, each action labelled.
    families = {f["family"]: f for f in page["families"]}
    meeting = families["meeting."]
    assert meeting["family_name"] == "Cuộc họp"
    assert meeting["family_label"] == "Mọi thao tác với cuộc họp"
    assert {"action": "meeting.publish", "action_label": "Phát hành cuộc họp"} \
        in meeting["actions"]
    assert {"action": "user.login", "action_label": "Đăng nhập"} in families["user."]["actions"]
    # Every known object type is offered, whether the log holds one yet or not.
    types = {t["object_type"]: t["object_type_label"] for t in page["object_types"]}
    assert types["meeting"] == "Cuộc họp" and types["webhook_delivery"] == "Lần gửi webhook"
    # An action the table does not know (an older version's, say) shows as its code.
    legacy = (await admin.get("/api/audit", params={"action": "legacy."})).json()
    assert legacy["entries"][0]["action_label"] == "legacy.thing"
    assert legacy["entries"][0]["object_type_label"] == ""
    assert legacy["data_labels"] == {"rows": "Số dòng"}
    assert families["legacy."]["family_label"] == "Mọi thao tác với legacy"

    admin.cookies.set("ecabinet_lang", "en")
    english = (await admin.get("/api/audit", params={"action": "meeting.publish"})).json()
    assert english["entries"][0]["action_label"] == "Publish a meeting"
    assert english["entries"][0]["object_type_label"] == "Meeting"
    assert {f["family"]: f["family_label"] for f in english["families"]}["meeting."] \
        == "Everything on meetings"
    # The export stays Vietnamese: it is filed and read as the office's record.
    rows = list(csv.reader(io.StringIO((await admin.get(
        "/api/audit.csv", params={"action": "meeting.publish"})).content.decode("utf-8-sig"))))
    assert rows[1][4:7] == ["Phát hành cuộc họp", "meeting.publish", "Cuộc họp"]
