"""Ballots counted once, refusals, the secret ballot, the result, and the audit chain."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from ecabinet import audit, snapshot, voting
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.models import AuditEntry, Ballot, MeetingStatus, Poll, PollVoter
from ecabinet.models.base import utcnow
from tests.conftest import World
from tests.live_meeting.conftest import Hall, build_hall, codes


def cid(n: int | str) -> str:
    """A client ballot id as a tablet makes one."""
    return f"tablet-ballot-{n}".ljust(20, "x")


async def open_poll(hall: Hall, **settings: Any) -> int:
    data = voting.PollInput(question="Thông qua phương án sơ tán dân cư vùng trũng?",
                            item_id=hall.items[1], **settings)
    poll = await hall.run("chair", lambda s, u: voting.create_poll(s, u, hall.meeting_id, data))
    await hall.run("chair", lambda s, u: voting.open_poll(s, u, poll.id))
    return poll.id


async def vote(hall: Hall, who: str, poll_id: int, choice: int, ballot: str
               ) -> voting.BallotOutcome:
    return await hall.run(who, lambda s, u: voting.cast(s, u, poll_id, choice, cid(ballot)))


async def close(hall: Hall, poll_id: int, who: str = "chair") -> dict[str, Any]:
    poll = await hall.run(who, lambda s, u: voting.close_poll(s, u, poll_id))
    assert poll.result is not None
    return poll.result


async def test_a_vote_without_the_quorum_decides_nothing(hall: Hall) -> None:
    await hall.check_in("chair", "delegate")  # too few of the voting members
    poll = await open_poll(hall)
    for who in ("chair", "delegate"):
        await vote(hall, who, poll, 0, who)
    result = await close(hall, poll)
    assert result["counts"] == [2, 0, 0] and result["present"] == 2
    assert result["quorum"] is False and result["passed"] is False


async def test_each_ballot_counted_once_and_the_uninvited_refused(hall: Hall) -> None:
    await hall.check_in("chair", "delegate", "delegate2", "delegate3", "room")
    await hall.check_in("delegate3")
    poll = await open_poll(hall)

    first = await vote(hall, "delegate", poll, 0, "d1")
    assert not first.already and len(first.receipt) == 11
    # The tablet lost the acknowledgement and resends: the stored ballot answers.
    again = await vote(hall, "delegate", poll, 0, "d1")
    assert again.already and again.receipt == first.receipt
    # A second ballot from the same voter is refused.
    with pytest.raises(Conflict) as err:
        await vote(hall, "delegate", poll, 1, "d1-second")
    assert codes(err) == "already_voted"

    # Not checked in; not a voting member; not a member at all.
    with pytest.raises(Forbidden) as err:
        await vote(hall, "delegate4", poll, 0, "d4")
    assert codes(err) == "not_checked_in"
    for outsider in ("observer", "room", "secretary", "admin"):
        with pytest.raises(Forbidden) as err:
            await vote(hall, outsider, poll, 0, outsider)
        assert codes(err) == "not_eligible"
    # Someone who may not see the meeting is told nothing, not even that the poll exists.
    with pytest.raises(NotFound) as hidden:
        await vote(hall, "outsider", poll, 0, "outsider")
    assert codes(hidden) == "poll_not_found"
    with pytest.raises(Invalid):
        await vote(hall, "chair", poll, 3, "chair")
    with pytest.raises(Invalid):
        await hall.run("chair", lambda s, u: voting.cast(s, u, poll, 0, "short"))

    await vote(hall, "chair", poll, 0, "chair")
    await vote(hall, "delegate2", poll, 1, "d2")
    await vote(hall, "delegate3", poll, 2, "d3")
    # Live progress says how many, never what.
    progress = [e.data for e in await hall.events("poll.progress")]
    assert [p["voted"] for p in progress] == [1, 2, 3, 4]
    assert all(set(p) == {"poll_id", "voted", "present"} for p in progress)

    # 4 of 5 members present, 2 approve: more than half of 4 is 3, so it fails.
    result = await close(hall, poll)
    assert (result["counts"], result["present"], result["needed"], result["passed"]) == (
        [2, 1, 1], 4, 3, False)
    # Closing again gives the one stored result; ballots after close are refused.
    assert await close(hall, poll, "secretary") == result
    with pytest.raises(Conflict) as err:
        await vote(hall, "delegate3", poll, 0, "d3-late")
    assert codes(err) == "poll_closed"
    closed = [e.data["poll"] for e in await hall.events("poll.updated")][-1]
    assert closed["status"] == "closed" and closed["result"]["counts"] == [2, 1, 1]


async def test_changing_a_vote_when_the_poll_allows_it(hall: Hall) -> None:
    await hall.check_in("chair", "delegate")
    named = await open_poll(hall, allow_change=True)
    first = await vote(hall, "delegate", named, 0, "a")
    changed = await vote(hall, "delegate", named, 1, "b")
    assert changed.changed and changed.receipt == first.receipt
    assert (await close(hall, named))["counts"] == [0, 1, 0]

    secret = await open_poll(hall, allow_change=True, visibility="secret")
    first = await vote(hall, "delegate", secret, 0, "s")
    changed = await vote(hall, "delegate", secret, 2, "s")  # the same ballot id: the owner
    assert changed.changed and changed.receipt == first.receipt
    with pytest.raises(Conflict):
        await vote(hall, "delegate", secret, 1, "another-id")
    assert (await close(hall, secret))["counts"] == [0, 0, 1]
    # Without the setting, the same ballot id with another choice is refused, not
    # answered as if it had counted; a true resend still gets the stored ballot.
    fixed = await open_poll(hall)
    await vote(hall, "chair", fixed, 0, "c")
    with pytest.raises(Conflict) as refused:
        await vote(hall, "chair", fixed, 1, "c")
    assert refused.value.code == "already_voted"
    kept = await vote(hall, "chair", fixed, 0, "c")
    assert kept.already and kept.choice == 0


async def test_secret_poll_choices_are_unreachable(hall: Hall) -> None:
    voters = ["chair", "delegate", "delegate2", "delegate3", "delegate4"]
    await hall.check_in(*voters)
    poll = await open_poll(hall, visibility="secret")
    choices = dict(zip(voters, [0, 1, 2, 0, 1], strict=True))
    receipts = {}
    for who in voters:
        receipts[who] = (await vote(hall, who, poll, choices[who], who)).receipt
    # Ballots carry no voter; who voted is kept apart, in member order, not voting order.
    async with hall.sessions() as s:
        assert (await s.scalars(select(Ballot.voter_id).where(Ballot.poll_id == poll))).all() \
            == [None] * 5
        marks = (await s.execute(select(PollVoter.voter_id, PollVoter.voted)
                                 .where(PollVoter.poll_id == poll).order_by(PollVoter.id))).all()
        assert [v for v, _ in marks] == sorted(hall[w].id for w in voters)
        assert all(voted for _, voted in marks)
        # Ids are random, not a sequence that replays the voting order...
        ids = (await s.scalars(select(Ballot.id).where(Ballot.poll_id == poll))).all()
        assert min(ids) >= voting.SECRET_ID_RANGE[0] and max(ids) - min(ids) > 10**6
        # ...and nothing is in the audit chain while the vote runs.
        assert (await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "vote.cast"))).all() == []
    # No screen's state says who chose what: not the voter's own, not the chair's.
    for who in [*voters, "secretary", "observer"]:
        snap = await hall.run(who, lambda s, u: snapshot.meeting_snapshot(s, u, hall.meeting_id))
        mine = snap["polls"]["mine"].get(str(poll))
        if who in voters:
            assert mine == {"voted": True, "choice": None, "receipt": None}
        assert "ballots" not in json.dumps(snap["polls"])
    result = await close(hall, poll)
    assert result["counts"] == [2, 2, 1]
    # At close the ballots enter the chain together, in receipt order, with no actor.
    async with hall.sessions() as s:
        entries = (await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "vote.cast").order_by(AuditEntry.id))).all()
        assert [e.data["receipt"] for e in entries] == sorted(receipts.values())
        assert all(e.actor_id is None for e in entries)
        assert len({e.created_at for e in entries}) == 1
        assert await voting.verify_poll(s, poll) == []
    # No event carries a choice or a receipt; only counts.
    for event in await hall.events():
        text = json.dumps(event.data)
        assert '"choice"' not in text and all(r not in text for r in receipts.values())
    # The published list: receipts and choices in receipt order, no names, and each voter
    # finds their receipt next to their own choice.
    published = await hall.run("delegate", lambda s, u: voting.published_ballots(s, u, poll))
    rows = published["ballots"]
    assert all(set(r) == {"receipt", "choice"} for r in rows)
    assert [r["receipt"] for r in rows] == sorted(r["receipt"] for r in rows)
    listed = {r["receipt"]: r["choice"] for r in rows}
    assert all(listed[receipts[w]] == choices[w] for w in voters)


async def test_named_poll_publishes_names_after_close_only(hall: Hall) -> None:
    await hall.check_in("chair", "delegate")
    poll = await open_poll(hall)
    await vote(hall, "delegate", poll, 1, "d")
    with pytest.raises(Conflict):
        await hall.run("delegate", lambda s, u: voting.published_ballots(s, u, poll))
    snap = await hall.run("delegate", lambda s, u: snapshot.meeting_snapshot(
        s, u, hall.meeting_id))
    assert snap["polls"]["mine"][str(poll)]["choice"] == 1
    assert snap["polls"]["polls"][-1]["result"] is None
    await close(hall, poll)
    rows = (await hall.run("chair", lambda s, u: voting.published_ballots(s, u, poll)))["ballots"]
    assert [(r["user_id"], r["choice"]) for r in rows] == [(hall["delegate"].id, 1)]
    # The draft's event reached only the chair and the secretaries; the opening, everyone.
    draft, opened, *_ = await hall.events("poll.updated")
    assert draft.audience is not None and hall["delegate"].id not in draft.audience
    assert {hall["chair"].id, hall["secretary"].id} <= set(draft.audience)
    assert opened.audience is None


async def test_chair_breaks_an_even_split_of_those_present(hall: Hall) -> None:
    await hall.check_in("chair", "delegate", "delegate2", "delegate3")
    poll = await open_poll(hall, tie_break_chair=True)
    for who, choice in (("chair", 0), ("delegate", 0), ("delegate2", 1), ("delegate3", 1)):
        await vote(hall, who, poll, choice, who)
    result = await close(hall, poll)
    assert (result["counts"], result["body"], result["passed"], result["chair_decided"]) == (
        [2, 2, 0], 4, True, True)
    with pytest.raises(Invalid) as err:
        await open_poll(hall, tie_break_chair=True, visibility="secret")
    assert codes(err) == "tie_break_needs_named"


async def test_two_thirds_of_all_members(hall: Hall) -> None:
    await hall.check_in("chair", "delegate", "delegate2", "delegate3", "delegate4")
    poll = await open_poll(hall, rule="two_thirds")
    for who, choice in (("chair", 0), ("delegate", 0), ("delegate2", 0), ("delegate3", 1),
                        ("delegate4", 2)):
        await vote(hall, who, poll, choice, who)
    # 3 of 5 is 60 %: below two thirds (4 needed).
    result = await close(hall, poll)
    assert (result["needed"], result["passed"]) == (4, False)


async def test_time_limit_and_one_open_poll_at_a_time(hall: Hall) -> None:
    await hall.check_in("chair")
    data = voting.PollInput(question="Biểu quyết có thời hạn", time_limit_seconds=60)
    poll = await hall.run("chair", lambda s, u: voting.create_poll(s, u, hall.meeting_id, data))
    other = await hall.run("chair", lambda s, u: voting.create_poll(s, u, hall.meeting_id, data))
    await hall.run("chair", lambda s, u: voting.open_poll(s, u, poll.id))
    with pytest.raises(Conflict) as err:  # not due yet
        await hall.run("chair", lambda s, u: voting.close_poll(s, None, poll.id))
    assert codes(err) == "poll_not_due"
    with pytest.raises(Conflict) as err:
        await hall.run("chair", lambda s, u: voting.open_poll(s, u, other.id))
    assert codes(err) == "poll_already_open"
    # Time runs out: ballots are refused and the poll closes without the chair.
    later = utcnow() + timedelta(seconds=61)
    with pytest.raises(Conflict) as err:
        await hall.run("chair", lambda s, u: voting.cast(s, u, poll.id, 0, cid("x"), now=later))
    assert codes(err) == "poll_closed"
    closed = await hall.run("chair", lambda s, u: voting.close_poll(s, None, poll.id, now=later))
    assert closed.status.value == "closed" and closed.result["voted"] == 0  # type: ignore[index]
    # Drafts are the presiders' own business.
    snap = await hall.run("delegate", lambda s, u: snapshot.meeting_snapshot(
        s, u, hall.meeting_id))
    assert [p["id"] for p in snap["polls"]["polls"]] == [poll.id]


async def test_polls_open_only_in_session(sessions: Any, world: World) -> None:
    published = await build_hall(sessions, world, MeetingStatus.published, extra_voters=0)
    data = voting.PollInput(question="Chuẩn bị trước phiên họp")
    poll = await published.run("secretary", lambda s, u: voting.create_poll(
        s, u, published.meeting_id, data))
    with pytest.raises(Conflict) as err:
        await published.run("chair", lambda s, u: voting.open_poll(s, u, poll.id))
    assert codes(err) == "meeting_not_in_session"


@pytest.mark.parametrize("visibility", ["named", "secret"])
async def test_audit_chain_detects_an_edited_ballot(hall: Hall, visibility: str) -> None:
    await hall.check_in("chair", "delegate", "delegate2")
    poll = await open_poll(hall, visibility=visibility)
    for who, choice in (("chair", 0), ("delegate", 0), ("delegate2", 1)):
        await vote(hall, who, poll, choice, who)
    await close(hall, poll)
    async with hall.sessions() as s:
        assert await voting.verify_poll(s, poll) == []
        assert await audit.verify_chain(s) is None
    # Someone with database access turns the one "no" into a "yes".
    async with hall.sessions() as s, s.begin():
        ballot = await s.scalar(select(Ballot).where(Ballot.poll_id == poll, Ballot.choice == 1))
        assert ballot is not None
        await s.execute(update(Ballot).where(Ballot.id == ballot.id).values(choice=0))
    async with hall.sessions() as s:
        problems = await voting.verify_poll(s, poll)
    assert f"ballot {ballot.id} differs from its audit entry" in problems
    assert any("result was computed" in p for p in problems)
    # ...and rewrites the audit entry to match: the hash chain breaks at that entry.
    async with hall.sessions() as s, s.begin():
        entry = await s.scalar(select(AuditEntry).where(
            AuditEntry.action == "vote.cast", AuditEntry.object_id == str(ballot.id)))
        assert entry is not None
        await s.execute(update(AuditEntry).where(AuditEntry.id == entry.id)
                        .values(data={**entry.data, "choice": 0}))
    async with hall.sessions() as s:
        assert await audit.verify_chain(s) == entry.id
        assert any("result was computed" in p for p in await voting.verify_poll(s, poll))
    async with hall.sessions() as s:
        stored = await s.get(Poll, poll)
        assert stored is not None and stored.result["counts"] == [2, 1, 0]  # type: ignore[index]


async def test_a_client_ballot_id_belongs_to_its_voter(hall: Hall) -> None:
    # Voter B sending voter A's ballot id on a secret poll must learn nothing of A's
    # ballot: neither its choice nor its receipt; B's own vote stays B's.
    await hall.check_in("delegate", "delegate2", "delegate3")
    poll = await open_poll(hall, visibility="secret")
    mine = await vote(hall, "delegate", poll, 2, "a-shared-looking-id")
    theirs = await vote(hall, "delegate2", poll, 0, "a-shared-looking-id")
    assert not theirs.already and theirs.choice == 0 and theirs.receipt != mine.receipt
    # B has voted now: A's id again is B's own resend, never A's ballot.
    again = await vote(hall, "delegate2", poll, 0, "a-shared-looking-id")
    assert again.already and again.receipt == theirs.receipt
    await vote(hall, "delegate3", poll, 1, "delegate3-first-id")
    with pytest.raises(Conflict) as refused:
        await vote(hall, "delegate3", poll, 2, "a-shared-looking-id")
    assert codes(refused) == "already_voted"
    assert (await close(hall, poll))["counts"] == [1, 1, 1]


async def test_an_outsider_asking_to_close_a_due_poll_learns_nothing(
        hall: Hall, world: World) -> None:
    # Another meeting's poll, closed or not, is "not found" to someone outside it, exactly
    # like a poll that does not exist; the presiding ones still may.
    await hall.check_in("delegate")
    for visibility in ("named", "secret"):
        poll = await open_poll(hall, visibility=visibility)
        await vote(hall, "delegate", poll, 0, f"outsider-probe-{visibility}")
        for state in ("open", "closed"):
            if state == "closed":
                await close(hall, poll)
            for who in ("outsider", "district_secretary"):
                with pytest.raises(NotFound) as hidden:
                    await hall.run(who, lambda s, u, p=poll: voting.close_poll(
                        s, u, p, due_only=True))
                assert codes(hidden) == "poll_not_found", (visibility, state, who)
    with pytest.raises(NotFound) as absent:
        await hall.run("outsider", lambda s, u: voting.close_poll(s, u, 10**9, due_only=True))
    assert codes(absent) == "poll_not_found"
