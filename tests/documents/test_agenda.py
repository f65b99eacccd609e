"""The agenda: who builds it, who approves it, who sees it when, and how published changes show."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ecabinet import agenda, db, meetings
from ecabinet.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ecabinet.models import AgendaItemRevision, AuditEntry, MeetingEvent, MeetingStatus, User
from tests.conftest import World
from tests.documents.conftest import add_item, advance
from tests.test_meetings import make_meeting

S = MeetingStatus
ROLES = ["admin", "secretary", "chair", "chair2", "delegate", "delegate2", "outsider", "room",
         "observer", "district_secretary"]
# The meeting of make_meeting: chaired by "chair", prepared by "secretary" (province office),
# with delegate and observer taking part and the commune's room ("room") joining remotely.
MEMBERS = {"admin", "secretary", "chair", "delegate", "room", "observer"}
PREPARERS = {"secretary", "chair"}


async def _as(sessions: Any, world: World, who: str, action: Any) -> str:
    """Run `action(session, user)` in a transaction; the outcome's error code, or "ok"."""
    try:
        async with db.transaction(sessions) as s:
            user = await s.get(User, world[who].id)
            assert user is not None
            await action(s, user)
    except DomainError as exc:
        return f"{type(exc).__name__}:{exc.code}"
    return "ok"


async def test_secretary_builds_reorders_and_edits_the_agenda(sessions: Any, world: World) -> None:
    meeting_id = await make_meeting(sessions, world)
    ids = [await add_item(sessions, world, meeting_id, title) for title in (
        "Tờ trình kế hoạch đầu tư công năm 2027", "Báo cáo tình hình kinh tế - xã hội",
        "Đề án chuyển đổi số")]
    async with db.transaction(sessions) as s:
        secretary = await s.get(User, world["secretary"].id)
        assert secretary is not None
        present = [i.id for i in await agenda.list_items(s, secretary, meeting_id)]
        ids = [i for i in present if i not in ids] + ids  # make_meeting gives one item
        await agenda.reorder(s, secretary, meeting_id, [ids[-1], *ids[:-1]])
        await agenda.update_item(s, secretary, ids[1], agenda.ItemInput(
            title="Báo cáo kinh tế - xã hội 11 tháng", presenter="Giám đốc Sở KH&ĐT",
            presenter_unit_id=world.province, planned_minutes=30))
        items = await agenda.list_items(s, secretary, meeting_id)
        assert [i.id for i in items] == [ids[-1], *ids[:-1]]
        changed = next(i for i in items if i.id == ids[1])
        assert changed.title == "Báo cáo kinh tế - xã hội 11 tháng"
        # Not published yet: edits are drafting, not versions.
        assert changed.version == 1
        view = await agenda.item_view(s, changed, await s.get_one(meetings.Meeting, meeting_id))
        assert view["presenter_unit"]["name"] == "UBND tỉnh Thừa Thiên Huế"
        assert view["planned_minutes"] == 30 and view["updated"] is False
        with pytest.raises(Invalid) as wrong:
            await agenda.reorder(s, secretary, meeting_id, ids[:2])
        assert wrong.value.code == "agenda_order_mismatch"
        with pytest.raises(Invalid) as blank:
            await agenda.add_item(s, secretary, meeting_id, agenda.ItemInput(title="  "))
        assert blank.value.code == "item_title_required"
        actions = (await s.scalars(select(AuditEntry.action)
                                   .where(AuditEntry.meeting_id == meeting_id))).all()
        assert actions.count("agenda.add") == 3 and "agenda.reorder" in actions
        # Before publication agenda events reach only those preparing the meeting.
        rows = (await s.scalars(select(MeetingEvent).where(
            MeetingEvent.meeting_id == meeting_id, MeetingEvent.type.like("agenda.%")))).all()
        assert rows and all(
            set(r.audience or []) == {world["secretary"].id, world["chair"].id} for r in rows)


@pytest.mark.parametrize("status", [S.draft, S.published])
async def test_only_the_managing_secretary_may_change_the_agenda(
    sessions: Any, world: World, status: MeetingStatus
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    await advance(sessions, world, meeting_id, status)
    for role in ROLES:
        outcomes = {
            "add": await _as(sessions, world, role, lambda s, u: agenda.add_item(
                s, u, meeting_id, agenda.ItemInput(title="Nội dung bổ sung"))),
            "update": await _as(sessions, world, role, lambda s, u: agenda.update_item(
                s, u, item_id, agenda.ItemInput(title="Tên mới"))),
            "reorder": await _as(sessions, world, role, lambda s, u: agenda.reorder(
                s, u, meeting_id, [item_id])),
        }
        if role == "secretary":
            assert outcomes["add"] == outcomes["update"] == "ok", outcomes
        elif role in MEMBERS:
            assert set(outcomes.values()) == {"Forbidden:forbidden"}, (role, outcomes)
        else:
            assert all(o.startswith("NotFound:") for o in outcomes.values()), (role, outcomes)


async def test_agenda_is_frozen_while_the_chair_decides_and_after_the_session(
    sessions: Any, world: World
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    for status, allowed in [(S.submitted, False), (S.approved, False), (S.published, True),
                            (S.in_session, True), (S.adjourned, False), (S.closed, False)]:
        async with db.transaction(sessions) as s:
            meeting = await s.get_one(meetings.Meeting, meeting_id)
            meeting.status = status
        title = f"Tên khi {status.value}"
        outcome = await _as(sessions, world, "secretary", lambda s, u, title=title: (
            agenda.update_item(s, u, item_id, agenda.ItemInput(title=title))))
        assert (outcome == "ok") is allowed, (status, outcome)
        if not allowed:
            assert outcome == "Conflict:agenda_locked"


async def test_approval_workflow_for_every_role(sessions: Any, world: World) -> None:
    meeting_id = await make_meeting(sessions, world)

    def step(name: str, comment: str = "") -> Any:
        return lambda s, u: meetings.transition(s, u, meeting_id, name, comment=comment)

    # An empty agenda cannot be sent for approval, whoever tries.
    async with db.transaction(sessions) as s:
        secretary = await s.get_one(User, world["secretary"].id)
        for item in await agenda.list_items(s, secretary, meeting_id):
            await agenda.remove_item(s, secretary, item.id)
    assert await _as(sessions, world, "secretary", step("submit")) == "Invalid:agenda_empty"
    await add_item(sessions, world, meeting_id)
    # (transition, who may take it, who takes it here, comment)
    for name, allowed, actor, comment in [
        ("submit", {"secretary"}, "secretary", ""),
        ("return", {"chair"}, "chair", ""),
        ("return", {"chair"}, "chair", "Bổ sung báo cáo thẩm định của Sở Tư pháp"),
        ("submit", {"secretary"}, "secretary", ""),
        ("approve", {"chair"}, "chair", ""),
        ("publish", {"chair", "secretary"}, "chair", ""),
    ]:
        for role in ROLES:
            if role in allowed:
                continue
            outcome = await _as(sessions, world, role, step(name, comment))
            expected = "Forbidden:forbidden" if role in MEMBERS else "NotFound:meeting_not_found"
            assert outcome == expected, (name, role, outcome)
        outcome = await _as(sessions, world, actor, step(name, comment))
        if name == "return" and not comment:
            assert outcome == "Invalid:return_needs_comment"
            continue
        assert outcome == "ok", (name, outcome)
        if name == "return":
            # The secretary sees the chair's comment with the returned agenda.
            async with sessions() as s:
                secretary = await s.get_one(User, world["secretary"].id)
                meeting = await meetings.get_meeting(s, secretary, meeting_id)
                assert meeting.status == S.draft
                described = await meetings.describe(s, meeting)
                assert described["return_comment"] == comment
                snap = await agenda.snapshot(s, secretary, meeting)
                assert snap["editable"] and snap["items"]
    async with sessions() as s:
        meeting = await s.get_one(meetings.Meeting, meeting_id)
        assert meeting.status == S.published and meeting.return_comment == ""


async def test_members_see_the_agenda_only_once_published(sessions: Any, world: World) -> None:
    meeting_id = await make_meeting(sessions, world)
    await add_item(sessions, world, meeting_id, "Nội dung mật chưa công bố")
    await advance(sessions, world, meeting_id, S.approved)
    async with sessions() as s:
        meeting = await s.get_one(meetings.Meeting, meeting_id)
        for role in MEMBERS:
            user = await s.get_one(User, world[role].id)
            snap = await agenda.snapshot(s, user, meeting)
            assert snap["readable"] is (role in PREPARERS), role
            assert bool(snap["items"]) is (role in PREPARERS), role
        delegate = await s.get_one(User, world["delegate"].id)
        with pytest.raises(Forbidden):
            await agenda.list_items(s, delegate, meeting_id)
        outsider = await s.get_one(User, world["outsider"].id)
        with pytest.raises(NotFound):
            await agenda.list_items(s, outsider, meeting_id)
    await advance_from(sessions, world, meeting_id, "publish")
    async with sessions() as s:
        meeting = await s.get_one(meetings.Meeting, meeting_id)
        for role in MEMBERS:
            user = await s.get_one(User, world[role].id)
            snap = await agenda.snapshot(s, user, meeting)
            assert snap["readable"]
            assert "Nội dung mật chưa công bố" in [i["title"] for i in snap["items"]]


async def advance_from(sessions: Any, world: World, meeting_id: int, *steps: str) -> None:
    async with db.transaction(sessions) as s:
        for name in steps:
            actor = await s.get_one(User, world["chair" if name == "approve" else "secretary"].id)
            await meetings.transition(s, actor, meeting_id, name)


async def test_changes_after_publication_are_versioned_and_marked(
    sessions: Any, world: World
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id, "Kế hoạch phòng chống lụt bão")
    await advance(sessions, world, meeting_id, S.published)
    async with db.transaction(sessions) as s:
        secretary = await s.get_one(User, world["secretary"].id)
        await agenda.update_item(s, secretary, item_id, agenda.ItemInput(
            title="Kế hoạch phòng chống lụt bão (bổ sung)", planned_minutes=45))
        added = await agenda.add_item(s, secretary, meeting_id,
                                      agenda.ItemInput(title="Nội dung phát sinh"))
        added_id = added.id
    async with sessions() as s:
        delegate = await s.get_one(User, world["delegate"].id)
        meeting = await s.get_one(meetings.Meeting, meeting_id)
        views = {v["id"]: v for v in (await agenda.snapshot(s, delegate, meeting))["items"]}
        assert views[item_id]["version"] == 2 and views[item_id]["updated"] is True
        assert views[added_id]["updated"] is True
        history = await agenda.revisions(s, delegate, item_id)
        assert [h["version"] for h in history] == [1]
        assert history[0]["title"] == "Kế hoạch phòng chống lụt bão"
        assert history[0]["planned_minutes"] == 15
        kept = (await s.scalars(select(AgendaItemRevision))).all()
        assert len(kept) == 1
        # Published: the events reach every member.
        last = await s.scalar(select(MeetingEvent).where(
            MeetingEvent.meeting_id == meeting_id, MeetingEvent.type == "agenda.item_updated")
            .order_by(MeetingEvent.seq.desc()).limit(1))
        assert last is not None and last.audience is None
    with pytest.raises(Conflict):
        async with db.transaction(sessions) as s:
            meeting = await s.get_one(meetings.Meeting, meeting_id)
            meeting.status = S.closed
            await s.flush()
            secretary = await s.get_one(User, world["secretary"].id)
            await agenda.remove_item(s, secretary, item_id)
