"""Attendance: every answer type against the quorum, check-in paths, the entrance code."""

from __future__ import annotations

import pytest

from ecabinet import attendance, live_state, meetings
from ecabinet.errors import Conflict, Forbidden, Invalid
from tests.live_meeting.conftest import Hall, build_hall, codes


async def counts(hall: Hall) -> dict[str, object]:
    async def tally(s: object, u: object) -> dict[str, object]:
        meeting = await meetings.get_meeting(s, u, hall.meeting_id)  # type: ignore[arg-type]
        return await attendance.counts(s, meeting)  # type: ignore[arg-type]
    return await hall.run("secretary", tally)


async def test_quorum_under_every_answer_type(hall: Hall) -> None:
    m = hall.meeting_id
    # Five voting members (chair + four delegates): more than half is three.
    start = await counts(hall)
    assert (start["members"], start["present"], start["needed"]) == (5, 0, 3)
    assert start["quorum"] is False

    # Answered "attend" but not here yet: not present.
    await hall.run("delegate", lambda s, u: attendance.respond(s, u, m, response="attend"))
    # Absent with a reason: excused, not present.
    await hall.run("delegate2", lambda s, u: attendance.respond(
        s, u, m, response="absent", reason="Đi công tác tại Hà Nội"))
    # Sends a substitute, whom the secretary checks in: present in the room, not counted.
    await hall.run("delegate3", lambda s, u: attendance.respond(
        s, u, m, response="substitute", substitute_name="Trần Văn Phó",
        substitute_title="Phó Giám đốc Sở"))
    await hall.run("secretary", lambda s, u: attendance.check_in(
        s, u, m, user_id=hall["delegate3"].id))
    # The remote room connects: an attendee, never a voting member.
    await hall.check_in("room")
    c = await counts(hall)
    assert (c["present"], c["excused"], c["substitutes"], c["rooms_connected"]) == (0, 2, 1, 1)
    assert c["attendees"] == 2 and c["quorum"] is False

    # The chair in the hall, delegate4 from a remote site: two present, one of them remote.
    await hall.check_in("chair")
    await hall.check_in("delegate4", remote=True)
    c = await counts(hall)
    assert (c["present"], c["in_hall"], c["remote"], c["absent"]) == (2, 1, 1, 3)
    assert c["quorum"] is False
    # delegate (answered attend) arrives: three of five, quorum.
    await hall.check_in("delegate")
    c = await counts(hall)
    assert (c["present"], c["quorum"]) == (3, True)

    # Under two thirds, four are needed (ceil(2*5/3) = 4).
    await hall.run("chair", lambda s, u: attendance.set_quorum_rule(s, u, m, "two_thirds"))
    c = await counts(hall)
    assert (c["needed"], c["quorum"]) == (4, False)
    # delegate2 said absent but comes after all: checking in herself overrides the answer.
    await hall.check_in("delegate2")
    c = await counts(hall)
    assert (c["present"], c["excused"], c["quorum"]) == (4, 1, True)
    # Someone leaves: the quorum is lost again.
    await hall.run("delegate", lambda s, u: attendance.check_out(s, u, m))
    c = await counts(hall)
    assert (c["present"], c["quorum"]) == (3, False)
    # delegate3 comes in person after all: counts, and the substitute no longer does.
    await hall.check_in("delegate3")
    c = await counts(hall)
    assert (c["present"], c["substitutes"], c["quorum"]) == (4, 0, True)

    # Every change reached the screens with the tally.
    events = await hall.events("attendance.")
    assert events[-1].data["counts"]["present"] == 4
    assert events[-1].data["entry"]["user_id"] == hall["delegate3"].id


def test_quorum_needed_by_hand() -> None:
    assert [attendance.quorum_needed(n, "majority") for n in (1, 2, 3, 4, 5, 10, 11)] == [
        1, 2, 2, 3, 3, 6, 6]
    assert [attendance.quorum_needed(n, "two_thirds") for n in (1, 2, 3, 4, 5, 6, 9, 10)] == [
        1, 2, 2, 3, 4, 4, 6, 7]


async def test_answers_are_validated_and_only_the_secretary_acts_for_others(hall: Hall) -> None:
    m = hall.meeting_id
    with pytest.raises(Invalid) as err:
        await hall.run("delegate", lambda s, u: attendance.respond(s, u, m, response="absent"))
    assert codes(err) == "absence_needs_reason"
    with pytest.raises(Invalid) as err:
        await hall.run("delegate", lambda s, u: attendance.respond(
            s, u, m, response="substitute"))
    assert codes(err) == "substitute_needs_name"
    with pytest.raises(Forbidden):
        await hall.run("delegate", lambda s, u: attendance.check_in(
            s, u, m, user_id=hall["delegate2"].id))
    with pytest.raises(Forbidden):
        await hall.run("chair", lambda s, u: attendance.respond(
            s, u, m, response="attend", user_id=hall["delegate2"].id))
    # The observer (the hall display) is not an invitee and cannot check in.
    with pytest.raises(Forbidden) as err:
        await hall.check_in("observer")
    assert codes(err) == "not_invited"
    # A repeated tap changes nothing and adds no event.
    await hall.check_in("delegate")
    before = len(await hall.events())
    await hall.check_in("delegate")
    assert len(await hall.events()) == before


async def test_check_in_waits_for_publication(sessions: object, world: object) -> None:
    from ecabinet.models import MeetingStatus

    draft = await build_hall(sessions, world, MeetingStatus.draft, extra_voters=0)  # type: ignore[arg-type]
    with pytest.raises(Conflict) as err:
        await draft.check_in("delegate")
    assert codes(err) == "meeting_not_open"


async def test_entrance_code(hall: Hall) -> None:
    secret = "test-secret-for-codes"
    m = hall.meeting_id
    token = await hall.run("observer", lambda s, u: attendance.entrance_token(s, u, m, secret))
    assert attendance.token_meeting(token, secret) == m
    with pytest.raises(Forbidden):
        await hall.run("delegate", lambda s, u: attendance.entrance_token(s, u, m, secret))
    meeting_id, row = await hall.run(
        "delegate2", lambda s, u: attendance.check_in_with_code(s, u, token, secret))
    assert meeting_id == m and row.checked_in_at is not None and row.checkin_method == "qr"
    with pytest.raises(Invalid) as err:
        attendance.token_meeting(token, secret, max_age=-1)
    assert codes(err) == "checkin_code_expired"
    with pytest.raises(Invalid) as err:
        attendance.token_meeting(token[:-2] + "xx", secret)
    assert codes(err) == "checkin_code_invalid"
    with pytest.raises(Invalid):
        attendance.token_meeting(token, "another-node-secret")


async def test_live_settings_need_the_chair_or_secretary(hall: Hall) -> None:
    with pytest.raises(Forbidden):
        await hall.run("delegate", lambda s, u: live_state.set_settings(
            s, u, hall.meeting_id, quorum_rule="two_thirds"))
    with pytest.raises(Invalid):
        await hall.run("chair", lambda s, u: live_state.set_settings(
            s, u, hall.meeting_id, quorum_rule="unanimous"))
    state = await hall.run("secretary", lambda s, u: live_state.set_settings(
        s, u, hall.meeting_id, speaking_limit_seconds=180))
    assert state.speaking_limit_seconds == 180
