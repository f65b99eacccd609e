"""The speaker queue, the floor, its history, and the event the SFU follows."""

from __future__ import annotations

import pytest

from ecabinet import live_state, speakers
from ecabinet.errors import Conflict, Forbidden
from ecabinet.models import MeetingStatus
from tests.conftest import World
from tests.live_meeting.conftest import Hall, build_hall, codes


async def raise_hand(hall: Hall, who: str) -> int:
    row = await hall.run(who, lambda s, u: speakers.request(s, u, hall.meeting_id))
    return row.id


async def state(hall: Hall) -> dict[str, object]:
    return await hall.run("chair", lambda s, u: speakers.state(s, hall.meeting_id))


async def test_speaker_queue(hall: Hall) -> None:
    m = hall.meeting_id
    flood, _ = hall.items
    await hall.run("chair", lambda s, u: live_state.set_current_item(s, u, m, flood))
    a = await raise_hand(hall, "delegate")
    b = await raise_hand(hall, "room")
    c = await raise_hand(hall, "delegate2")
    assert await raise_hand(hall, "delegate") == a  # a resent hand raise keeps its place
    s = await state(hall)
    assert [r["id"] for r in s["queue"]] == [a, b, c]  # type: ignore[index, union-attr]
    assert s["queue"][1]["remote"] is True and s["queue"][0]["item_id"] == flood  # type: ignore[index]

    # The chair puts the remote room last, then gives the floor to the first.
    await hall.run("chair", lambda s, u: speakers.reorder(s, u, m, [a, c, b]))
    assert [r["id"] for r in (await state(hall))["queue"]] == [a, c, b]  # type: ignore[union-attr]
    with pytest.raises(Conflict) as err:
        await hall.run("chair", lambda s, u: speakers.reorder(s, u, m, [a, c]))
    assert codes(err) == "speaker_queue_changed"
    await hall.run("chair", lambda s, u: speakers.grant(s, u, m, request_id=a,
                                                        limit_seconds=120))
    s = await state(hall)
    assert s["current"]["id"] == a and s["current"]["limit_seconds"] == 120  # type: ignore[index]
    assert [r["id"] for r in s["queue"]] == [c, b]  # type: ignore[union-attr]
    # Granting the next ends the previous turn, which enters the history.
    await hall.run("chair", lambda s, u: speakers.grant(s, u, m, request_id=c))
    s = await state(hall)
    assert s["current"]["id"] == c and s["current"]["limit_seconds"] == 300  # type: ignore[index]
    assert [r["id"] for r in s["history"]] == [a]  # type: ignore[union-attr]
    assert s["history"][0]["spoke_seconds"] is not None  # type: ignore[index]
    # The remote room withdraws; the speaker yields the floor herself.
    await hall.run("room", lambda s, u: speakers.withdraw(s, u, m, b))
    await hall.run("delegate2", lambda s, u: speakers.end(s, u, m))
    s = await state(hall)
    assert s["current"] is None and s["queue"] == []
    assert [r["id"] for r in s["history"]] == [c, a]  # type: ignore[union-attr]
    # The chair may also call on a member who did not ask (e.g. a remote room).
    await hall.run("chair", lambda s, u: speakers.grant(s, u, m, user_id=hall["room"].id))
    assert await hall.run("chair", lambda s, u: speakers.floor_holder(s, m)) == hall["room"].id

    # floor.changed tells the SFU whose stream to forward, and when nobody speaks.
    floor = [e.data for e in await hall.events("floor.changed")]
    assert [f["user_id"] for f in floor] == [
        hall["delegate"].id, hall["delegate2"].id, None, hall["room"].id]
    assert floor[-1]["remote"] is True and floor[-1]["started_at"]


async def test_floor_control_belongs_to_the_presiders(hall: Hall) -> None:
    m = hall.meeting_id
    a = await raise_hand(hall, "delegate")
    for who in ("delegate2", "observer", "room"):
        with pytest.raises(Forbidden):
            await hall.run(who, lambda s, u: speakers.grant(s, u, m, request_id=a))
        with pytest.raises(Forbidden):
            await hall.run(who, lambda s, u: speakers.withdraw(s, u, m, a))
        with pytest.raises(Forbidden):
            await hall.run(who, lambda s, u: speakers.reorder(s, u, m, [a]))
    with pytest.raises(Forbidden):
        await raise_hand(hall, "observer")
    # The secretary works the console for the chair.
    await hall.run("secretary", lambda s, u: speakers.grant(s, u, m, request_id=a))
    with pytest.raises(Forbidden):
        await hall.run("delegate2", lambda s, u: speakers.end(s, u, m))


async def test_asking_to_speak_needs_the_session(sessions: object, world: World) -> None:
    published = await build_hall(sessions, world, MeetingStatus.published,  # type: ignore[arg-type]
                                 extra_voters=0)
    with pytest.raises(Conflict) as err:
        await raise_hand(published, "delegate")
    assert codes(err) == "meeting_not_in_session"
