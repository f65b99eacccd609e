"""Meetings: creation rules, visibility, and every transition for every role."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ecabinet import audit, db, meetings
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.models import AgendaItem, AuditEntry, Meeting, MeetingStatus, ParticipantRole, User
from ecabinet.workdays import VIETNAM, add_working_days, working_days_between
from tests.conftest import World, future
from tests.minutes.signed import record_signed_minutes

S = MeetingStatus
ROLES = ["admin", "secretary", "chair", "chair2", "delegate", "outsider", "room", "observer",
         "district_secretary"]
PATH = ["submit", "approve", "publish", "start", "adjourn", "close"]
# Who may take each transition, given the meeting below (chaired by "chair",
# created by "secretary" for the province). Everyone else must be refused.
ALLOWED = {
    "submit": {"secretary"},
    "approve": {"chair"},
    "return": {"chair"},
    "publish": {"secretary", "chair"},
    "start": {"secretary", "chair"},
    "adjourn": {"secretary", "chair"},
    "close": {"secretary"},
}
SOURCE = {"submit": S.draft, "approve": S.submitted, "return": S.submitted,
          "publish": S.approved, "start": S.published, "adjourn": S.in_session,
          "close": S.adjourned}


def meeting_input(world: World, **changes: Any) -> meetings.MeetingInput:
    data = meetings.MeetingInput(
        title="Phiên họp thường kỳ tháng 12", unit_id=world.province,
        chair_id=world["chair"].id, starts_at=future(10), place="Phòng họp số 1",
        participants=[(world["delegate"].id, ParticipantRole.delegate),
                      (world["observer"].id, ParticipantRole.observer)],
        invited_units=[(world.commune, True)],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


ONE_ITEM = (("Báo cáo tình hình kinh tế", "Giám đốc Sở Kế hoạch và Đầu tư"),)


async def make_meeting(sessions: Any, world: World, status: MeetingStatus = S.draft,
                       agenda: tuple[tuple[str, str], ...] = ONE_ITEM) -> int:
    """A province meeting taken to `status`; a draft may be made with `agenda=()`."""
    async with db.transaction(sessions) as s:
        secretary = await s.get(User, world["secretary"].id)
        assert secretary is not None
        meeting = await meetings.create_meeting(s, secretary, meeting_input(world))
        # An agenda needs an item before it can be submitted.
        for position, (title, presenter) in enumerate(agenda):
            s.add(AgendaItem(meeting_id=meeting.id, position=position, title=title,
                             presenter=presenter))
        await s.flush()
        if status in (S.adjourned, S.closed):
            # Closing needs signed minutes; their own tests live in tests/minutes.
            await record_signed_minutes(s, meeting.id)
        chair = await s.get(User, world["chair"].id)
        assert chair is not None
        for step in PATH[: PATH.index(step_into(status)) + 1] if status != S.draft else []:
            await meetings.transition(s, chair if step == "approve" else secretary,
                                      meeting.id, step)
        return meeting.id


def step_into(status: MeetingStatus) -> str:
    return {S.submitted: "submit", S.approved: "approve", S.published: "publish",
            S.in_session: "start", S.adjourned: "adjourn", S.closed: "close"}[status]


@pytest.mark.parametrize("name", list(ALLOWED))
async def test_transition_matrix(sessions: Any, world: World, name: str) -> None:
    for role in ROLES:
        meeting_id = await make_meeting(sessions, world, SOURCE[name])
        async with sessions() as s:
            try:
                async with s.begin():
                    actor = await s.get(User, world[role].id)
                    assert actor is not None
                    meeting = await meetings.transition(s, actor, meeting_id, name,
                                                        comment="Bổ sung tài liệu")
                    outcome = meeting.status
            except (Forbidden, NotFound) as exc:
                outcome = exc.code
        if role in ALLOWED[name]:
            expected = S.draft if name == "return" else {
                "submit": S.submitted, "approve": S.approved, "publish": S.published,
                "start": S.in_session, "adjourn": S.adjourned, "close": S.closed}[name]
            assert outcome == expected, (name, role, outcome)
        else:
            assert outcome in ("forbidden", "meeting_not_found"), (name, role, outcome)


async def test_transition_from_wrong_state_is_a_conflict(sessions: Any, world: World) -> None:
    meeting_id = await make_meeting(sessions, world, S.draft)
    async with db.transaction(sessions) as s:
        chair = await s.get(User, world["chair"].id)
        assert chair is not None
        with pytest.raises(Conflict):
            await meetings.transition(s, chair, meeting_id, "approve")
        secretary = await s.get(User, world["secretary"].id)
        assert secretary is not None
        with pytest.raises(Conflict):
            await meetings.transition(s, secretary, meeting_id, "publish")


async def test_return_needs_comment_and_shows_it(sessions: Any, world: World) -> None:
    meeting_id = await make_meeting(sessions, world, S.submitted)
    async with db.transaction(sessions) as s:
        chair = await s.get(User, world["chair"].id)
        assert chair is not None
        with pytest.raises(Invalid):
            await meetings.transition(s, chair, meeting_id, "return", comment="  ")
    async with db.transaction(sessions) as s:
        chair = await s.get(User, world["chair"].id)
        assert chair is not None
        meeting = await meetings.transition(s, chair, meeting_id, "return",
                                            comment="Thiếu báo cáo của Sở Tài chính")
        assert meeting.status == S.draft
        assert meeting.return_comment == "Thiếu báo cáo của Sở Tài chính"


async def test_every_transition_is_audited(sessions: Any, world: World) -> None:
    meeting_id = await make_meeting(sessions, world, S.closed)
    async with db.transaction(sessions) as s:
        actions = (await s.scalars(
            select(AuditEntry.action).where(AuditEntry.meeting_id == meeting_id)
            .order_by(AuditEntry.id))).all()
        assert actions == ["meeting.create"] + [f"meeting.{p}" for p in PATH]
        assert await audit.verify_chain(s) is None


async def test_lead_time_of_three_working_days(sessions: Any, world: World) -> None:
    # Friday noon: Monday and Tuesday are only 2 working days ahead; Wednesday is 3.
    friday = datetime(2026, 11, 27, 12, tzinfo=VIETNAM)
    async with db.transaction(sessions) as s:
        secretary = await s.get(User, world["secretary"].id)
        assert secretary is not None
        tuesday = datetime(2026, 12, 1, 8, tzinfo=VIETNAM)
        with pytest.raises(Invalid) as refused:
            await meetings.create_meeting(s, secretary, meeting_input(world, starts_at=tuesday),
                                          now=friday)
        assert refused.value.code == "lead_time_too_short"
        wednesday = datetime(2026, 12, 2, 8, tzinfo=VIETNAM)
        ok = await meetings.create_meeting(s, secretary,
                                           meeting_input(world, starts_at=wednesday), now=friday)
        assert ok.id
        urgent = await meetings.create_meeting(
            s, secretary, meeting_input(world, starts_at=tuesday, urgent=True), now=friday)
        assert urgent.urgent
        with pytest.raises(Invalid):
            await meetings.create_meeting(
                s, secretary,
                meeting_input(world, starts_at=friday - timedelta(hours=1), urgent=True),
                now=friday)


async def test_the_lead_time_holds_when_the_invitation_goes_out(sessions: Any,
                                                                 world: World) -> None:
    # Planned 10 days ahead, but approved so late that publishing leaves 2 working days.
    meeting_id = await make_meeting(sessions, world, S.approved)
    async with db.transaction(sessions) as s:
        secretary = await s.get(User, world["secretary"].id)
        meeting = await s.get(Meeting, meeting_id)
        assert secretary is not None and meeting is not None
        late = meeting.starts_at - timedelta(days=2)
        with pytest.raises(Invalid) as refused:
            await meetings.transition(s, secretary, meeting_id, "publish", now=late)
        assert refused.value.code == "lead_time_too_short"
        assert meeting.status == S.approved
        meeting.urgent = True  # the office marks it urgent (or moves the date)
        published = await meetings.transition(s, secretary, meeting_id, "publish", now=late)
        assert published.status == S.published


def test_working_days_skip_weekends_and_holidays() -> None:
    friday = date(2026, 8, 28)
    assert working_days_between(friday, date(2026, 8, 31), frozenset()) == 1  # Monday
    # 1 and 2 September are National Day holidays.
    assert working_days_between(friday, date(2026, 9, 3), frozenset()) == 2
    assert add_working_days(friday, 3, frozenset()) == date(2026, 9, 4)
    assert add_working_days(date(2027, 2, 5), 1, frozenset({date(2027, 2, 8)})) == date(2027, 2, 9)


async def test_only_managing_secretaries_create(sessions: Any, world: World) -> None:
    async with db.transaction(sessions) as s:
        for name in ("admin", "chair", "delegate", "room", "observer"):
            actor = await s.get(User, world[name].id)
            assert actor is not None
            with pytest.raises(Forbidden):
                await meetings.create_meeting(s, actor, meeting_input(world))
        # A district's secretary cannot create a province meeting.
        district = await s.get(User, world["district_secretary"].id)
        assert district is not None
        with pytest.raises(Forbidden):
            await meetings.create_meeting(s, district, meeting_input(world))
        own = await meetings.create_meeting(s, district, meeting_input(world,
                                                                        unit_id=world.district))
        assert own.unit_id == world.district


async def test_visibility(sessions: Any, world: World) -> None:
    meeting_id = await make_meeting(sessions, world)
    async with db.transaction(sessions) as s:
        seen = {}
        for name in ROLES:
            user = await s.get(User, world[name].id)
            assert user is not None
            seen[name] = meeting_id in [m.id for m in await meetings.list_meetings(s, user)]
            if not seen[name]:
                with pytest.raises(NotFound):
                    await meetings.get_meeting(s, user, meeting_id)
        assert seen == {"admin": True, "secretary": True, "chair": True, "chair2": False,
                        "delegate": True, "outsider": False, "room": True, "observer": True,
                        "district_secretary": False}


async def test_api_create_edit_and_errors(world: World, client_factory: Any) -> None:
    secretary = await client_factory("secretary")
    body = {"title": "Họp bàn kế hoạch chuyển đổi số", "unit_id": world.province,
            "chair_id": world["chair"].id, "starts_at": future(12).isoformat(),
            "place": "Hội trường UBND tỉnh",
            "participants": [{"user_id": world["delegate"].id, "role": "delegate"}],
            "invited_units": [{"unit_id": world.commune, "remote": True}]}
    created = await secretary.post("/api/meetings", json=body)
    assert created.status_code == 201, created.text
    snap = created.json()
    assert snap["meeting"]["status"] == "draft" and snap["transitions"] == ["submit"]
    meeting_id = snap["meeting"]["id"]
    edited = await secretary.put(f"/api/meetings/{meeting_id}",
                                 json={**body, "place": "Phòng họp số 2"})
    assert edited.json()["meeting"]["place"] == "Phòng họp số 2"
    bad = await secretary.post("/api/meetings", json={**body, "starts_at": "tomorrow"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "field_invalid"
    naive = await secretary.post("/api/meetings", json={**body, "starts_at": "2030-01-01T08:00"})
    assert naive.json()["error"]["code"] == "naive_datetime"
    wrong_chair = await secretary.post("/api/meetings",
                                       json={**body, "chair_id": world["delegate"].id})
    assert wrong_chair.json()["error"]["code"] == "chair_must_be_chair"
    delegate = await client_factory("delegate")
    assert (await delegate.post("/api/meetings", json=body)).status_code == 403
    outsider = await client_factory("outsider")
    assert (await outsider.get(f"/api/meetings/{meeting_id}")).status_code == 404
    listed = await delegate.get("/api/meetings")
    assert [m["id"] for m in listed.json()] == [meeting_id]
    empty = await secretary.post(f"/api/meetings/{meeting_id}/transitions/submit", json={})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "agenda_empty"
    item = await secretary.post(f"/api/meetings/{meeting_id}/agenda/items",
                                json={"title": "Kế hoạch chuyển đổi số năm 2027"})
    assert item.status_code == 201, item.text
    step = await secretary.post(f"/api/meetings/{meeting_id}/transitions/submit", json={})
    assert step.json()["meeting"]["status"] == "submitted"
    again = await secretary.post(f"/api/meetings/{meeting_id}/transitions/submit", json={})
    assert again.status_code == 409


async def test_is_member_agrees_with_the_member_list(sessions: Any, world: World) -> None:
    meeting_id = await make_meeting(sessions, world)
    async with sessions() as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        members = await meetings.member_ids(s, meeting)
        # The chair, the creator, a participant, an invited unit's remote room, outsiders.
        assert {world[n].id for n in ("chair", "secretary", "delegate", "room")} <= members
        for name, user in world.users.items():
            assert await meetings.is_member(s, user, meeting) == (user.id in members), name


async def test_an_edit_cannot_take_a_meeting_where_creating_could_not(
        sessions: Any, world: World) -> None:
    # A district secretary may not create a province meeting; editing their own district
    # meeting into the province must be refused the same way, and leave it unchanged.
    async with db.transaction(sessions) as s:
        district = await s.get(User, world["district_secretary"].id)
        assert district is not None
        with pytest.raises(Forbidden) as refused:
            await meetings.create_meeting(s, district, meeting_input(world))
        assert refused.value.code == "unit_not_managed"
        own = await meetings.create_meeting(s, district,
                                            meeting_input(world, unit_id=world.district))
        meeting_id = own.id
    with pytest.raises(Forbidden) as refused:
        async with db.transaction(sessions) as s:
            district = await s.get(User, world["district_secretary"].id)
            assert district is not None
            await meetings.update_meeting(s, district, meeting_id, meeting_input(world))
    assert refused.value.code == "unit_not_managed"
    async with sessions() as s:
        stored = await s.get(Meeting, meeting_id)
        assert stored is not None and stored.unit_id == world.district


def test_working_days_far_ahead_are_counted_without_walking_each_day() -> None:
    # The closed form must agree with counting day by day, weekends, the fixed holidays
    # and configured ones included, over many spans; and a span of millennia is then
    # as cheap as a week (it used to take seconds on the event loop).
    extra = frozenset({date(2026, 2, 16), date(2026, 2, 17), date(2027, 4, 16)})

    def walked(start: date, end: date) -> int:
        count, day = 0, start + timedelta(days=1)
        while day <= end:
            weekday = day.weekday() < 5 and (day.month, day.day) not in {
                (1, 1), (4, 30), (5, 1), (9, 1), (9, 2)} and day not in extra
            count += weekday
            day += timedelta(days=1)
        return count

    start = date(2025, 12, 20)
    for offset in range(0, 800, 7):
        for length in (-3, 0, 1, 4, 6, 30, 365, 500):
            first = start + timedelta(days=offset)
            last = first + timedelta(days=length)
            assert working_days_between(first, last, extra) == walked(first, last), (first, last)
    assert working_days_between(date(2026, 1, 1), date(9990, 1, 1), frozenset()) > 2_000_000


async def test_a_meeting_dated_far_ahead_is_refused_before_any_arithmetic(
        client_factory: Any, world: World) -> None:
    secretary = await client_factory("secretary")
    body = {"title": "Họp", "unit_id": world.province, "chair_id": world["chair"].id,
            "starts_at": "9990-12-02T08:00:00+07:00"}
    response = await secretary.post("/api/meetings", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "date_out_of_range"
    body["starts_at"] = "9999-12-31T23:00:00-14:00"
    response = await secretary.post("/api/meetings", json=body)
    assert response.status_code == 422, response.text
    assert (await secretary.get("/healthz")).status_code == 200


async def test_the_units_hall_screen_watches_its_meetings_without_being_listed(
        sessions: Any, world: World) -> None:
    # The form lists people only; the province's screen account still sees the meeting.
    async with db.transaction(sessions) as s:
        secretary = await s.get(User, world["secretary"].id)
        assert secretary is not None
        meeting = await meetings.create_meeting(s, secretary, meeting_input(
            world, participants=[(world["delegate"].id, ParticipantRole.delegate)]))
        screen = await s.get(User, world["observer"].id)
        assert screen is not None
        assert meeting.id in [m.id for m in await meetings.list_meetings(s, screen)]
        roles = {p["user_id"]: p["role"] for p in await meetings.participants_of(s, meeting)}
        assert roles[screen.id] == "observer"
        # A meeting of another unit is none of its business.
        district = await meetings.create_meeting(s, secretary, meeting_input(
            world, unit_id=world.district, participants=[]))
        assert district.id not in [m.id for m in await meetings.list_meetings(s, screen)]
