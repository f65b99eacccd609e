"""Preparing a consultation: who may, what it must hold, and who is asked by default."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db
from ecabinet.consultations import access, prepare, views
from ecabinet.consultations.prepare import QuestionInput
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from tests.conftest import World
from tests.consultations.conftest import draft_input, sent


async def test_by_default_the_units_members_are_asked_with_the_usual_options(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    async with db.transaction(sessions) as s:
        made = await prepare.create(s, world["secretary"], draft_input(world))
        shown = await views.detail(s, world["secretary"], made)
        asked = set(await access.member_ids(s, made.id))
    # Chairs and delegates of the province; not its secretary, observer or other units.
    assert asked == {world[n].id for n in ("chair", "chair2", "delegate", "delegate2")}
    assert shown["status"] == "draft" and shown["asked"] == 4 and shown["replied"] == 0
    assert [q["options"] for q in shown["questions"]] == [
        ["Đồng ý", "Không đồng ý", "Ý kiến khác"], ["Đồng ý", "Không đồng ý"]]
    assert shown["actions"] == ["edit", "submit", "delete"]


async def test_people_and_units_named_are_asked_and_nobody_else(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    async with db.transaction(sessions) as s:
        made = await prepare.create(s, world["secretary"], draft_input(
            world, member_ids=[world["delegate"].id], unit_ids=[world.other_district]))
        asked = set(await access.member_ids(s, made.id))
    assert asked == {world["delegate"].id, world["outsider"].id}


@pytest.mark.parametrize(("changes", "code"), [
    (lambda w: {"title": "  "}, "field_required"),
    (lambda w: {"questions": []}, "consultation_questions_needed"),
    (lambda w: {"questions": [QuestionInput("Một phương án?", ["Đồng ý"])]},
     "consultation_question_options"),
    (lambda w: {"questions": [QuestionInput("Trùng?", ["Có", "Có"])]},
     "consultation_question_options"),
    (lambda w: {"working_days": 0}, "consultation_working_days"),
    (lambda w: {"working_days": 31}, "consultation_working_days"),
    (lambda w: {"rule": "most"}, "field_invalid"),
    (lambda w: {"member_ids": [10**9]}, "consultation_members_unknown"),
    (lambda w: {"member_ids": [w["room"].id]}, "consultation_members_unknown"),
    (lambda w: {"unit_id": 10**9}, "consultation_unit_not_managed"),
    (lambda w: {"chair_id": w["delegate"].id}, "consultation_not_a_chair"),
])
async def test_a_draft_that_breaks_a_rule_is_refused_and_nothing_is_written(
        sessions: async_sessionmaker[AsyncSession], world: World,
        changes: Callable[[World], dict[str, object]], code: str) -> None:
    with pytest.raises(Invalid) as refused:
        async with db.transaction(sessions) as s:
            await prepare.create(s, world["secretary"], draft_input(world, **changes(world)))
    assert refused.value.code == code
    async with sessions() as s:
        assert await views.listing(s, world["admin"]) == []


async def test_only_a_secretary_prepares_and_only_a_draft_changes(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    with pytest.raises(Forbidden):
        async with db.transaction(sessions) as s:
            await prepare.create(s, world["chair"], draft_input(world))
    consultation = await sent(sessions, world)
    with pytest.raises(Conflict) as refused:
        async with db.transaction(sessions) as s:
            await prepare.update(s, world["secretary"], consultation.id,
                                 draft_input(world, title="Đổi sau khi gửi"))
    assert refused.value.code == "consultation_not_draft"
    # A district's secretary does not know of a province's consultation.
    with pytest.raises(NotFound):
        async with db.transaction(sessions) as s:
            await prepare.update(s, world["district_secretary"], consultation.id,
                                 draft_input(world))
