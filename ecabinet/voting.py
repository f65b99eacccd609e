"""Voting: polls on agenda items, ballots, the count, and its proof.

Ballots are idempotent: the client names each ballot with a random id; the server keeps
only SHA-256(poll, id) as the ballot's key and derives the voter's receipt from it. A
resend finds the same ballot; a second ballot from the same voter is refused (or, when
the poll allows it, changes the first). A secret poll's ballot carries no voter: who has
voted lives in `poll_voters`, whose rows are made in member order when the poll opens;
the ballot's id is random and its audit entry is written at close, in receipt order, so
neither the tables' ids nor the audit chain's order or times tell who voted when.
(The database engine's physical row order is outside this promise.)
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    bindparam,
    func,
    insert,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import attendance, audit, eventlog, live_state, meetings
from ecabinet.audit import AuditRecord
from ecabinet.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ecabinet.models import (
    AuditEntry,
    Ballot,
    Meeting,
    MeetingStatus,
    Poll,
    PollVoter,
    Role,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.models.voting import MajorityRule, PollKind, PollStatus, PollVisibility

DEFAULT_OPTIONS = ("Tán thành", "Không tán thành", "Không biểu quyết")
MAX_OPTIONS = 10
MAX_OPTION_LENGTH = 200
MAX_QUESTION = 1000
MIN_TIME_LIMIT = 10
MAX_TIME_LIMIT = 3600
CLIENT_BALLOT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_random = random.SystemRandom()
# Above any id a sequence will reach, below 2**63: room for 2**62 ids, collisions negligible.
SECRET_ID_RANGE = (2**40, 2**62)


# -- polls --------------------------------------------------------------------------


@dataclass
class PollInput:
    """What the chair fills in for a poll."""

    question: str
    item_id: int | None = None
    options: Sequence[str] | None = None  # None: Tán thành / Không tán thành / Không biểu quyết
    kind: str | None = None  # None: approval for the default options, choice otherwise
    visibility: str = "named"
    rule: str = "present"
    allow_change: bool = False
    tie_break_chair: bool = False
    time_limit_seconds: int | None = None


@dataclass(frozen=True)
class _Clean:
    question: str
    options: list[str]
    kind: PollKind
    visibility: PollVisibility
    rule: MajorityRule
    allow_change: bool
    tie_break_chair: bool
    time_limit_seconds: int | None


def _clean(data: PollInput) -> _Clean:
    question = data.question.strip()
    if not question:
        raise Invalid("field_required", field="question")
    if len(question) > MAX_QUESTION:
        raise Invalid("field_too_long", field="question", max=MAX_QUESTION)
    options = [o.strip() for o in data.options] if data.options else list(DEFAULT_OPTIONS)
    if len(options) < 2 or len(options) > MAX_OPTIONS or any(not o for o in options):
        raise Invalid("poll_options_invalid", max=MAX_OPTIONS)
    if len(set(options)) != len(options) or any(len(o) > MAX_OPTION_LENGTH for o in options):
        raise Invalid("poll_options_invalid", max=MAX_OPTIONS)
    try:
        kind = PollKind(data.kind) if data.kind else (
            PollKind.approval if options == list(DEFAULT_OPTIONS) else PollKind.choice)
        visibility = PollVisibility(data.visibility)
        rule = MajorityRule(data.rule)
    except ValueError as exc:
        raise Invalid("poll_settings_invalid") from exc
    if data.tie_break_chair and (visibility == PollVisibility.secret
                                 or rule == MajorityRule.two_thirds):
        # The chair's side can only break a tie where the chair's ballot is known.
        raise Invalid("tie_break_needs_named")
    limit = data.time_limit_seconds
    if limit is not None and not MIN_TIME_LIMIT <= limit <= MAX_TIME_LIMIT:
        raise Invalid("time_limit_range", low=MIN_TIME_LIMIT, high=MAX_TIME_LIMIT)
    return _Clean(question, options, kind, visibility, rule, data.allow_change,
                  data.tie_break_chair, limit)


def _apply(poll: Poll, clean: _Clean) -> None:
    poll.question = clean.question
    poll.options = clean.options
    poll.kind = clean.kind
    poll.visibility = clean.visibility
    poll.rule = clean.rule
    poll.allow_change = clean.allow_change
    poll.tie_break_chair = clean.tie_break_chair
    poll.time_limit_seconds = clean.time_limit_seconds


def poll_view(poll: Poll) -> dict[str, Any]:
    """A poll as every screen shows it: never a choice before the poll closes."""
    return {
        "id": poll.id, "meeting_id": poll.meeting_id, "item_id": poll.agenda_item_id,
        "question": poll.question, "options": list(poll.options), "kind": poll.kind.value,
        "visibility": poll.visibility.value, "rule": poll.rule.value,
        "allow_change": poll.allow_change, "tie_break_chair": poll.tie_break_chair,
        "time_limit_seconds": poll.time_limit_seconds, "status": poll.status.value,
        "opened_at": poll.opened_at.isoformat() if poll.opened_at else None,
        "closes_at": poll.closes_at.isoformat() if poll.closes_at else None,
        "closed_at": poll.closed_at.isoformat() if poll.closed_at else None,
        "voted": poll.voted_count,
        "result": poll.result if poll.status == PollStatus.closed else None,
    }


async def _emit_poll(session: AsyncSession, poll: Poll) -> None:
    await session.flush()
    audience = None
    if poll.status == PollStatus.draft:  # drafts are the console's business
        meeting = await session.get(Meeting, poll.meeting_id)
        assert meeting is not None
        audience = await live_state.presider_ids(session, meeting)
    await eventlog.append(session, poll.meeting_id, "poll.updated", {"poll": poll_view(poll)},
                          audience=audience)


async def _poll_for(session: AsyncSession, user: User, poll_id: int, *, lock: bool = False
                    ) -> tuple[Poll, Meeting]:
    poll = await session.get(Poll, poll_id, with_for_update=lock, populate_existing=lock)
    if poll is None:
        raise NotFound("poll_not_found")
    try:
        meeting = await meetings.get_meeting(session, user, poll.meeting_id)
    except NotFound as exc:
        raise NotFound("poll_not_found") from exc
    return poll, meeting


async def _presided_poll(session: AsyncSession, user: User, poll_id: int
                         ) -> tuple[Poll, Meeting]:
    poll, meeting = await _poll_for(session, user, poll_id, lock=True)
    if not await live_state.presides(session, user, meeting):
        raise Forbidden("forbidden")
    return poll, meeting


async def create_poll(session: AsyncSession, actor: User, meeting_id: int, data: PollInput
                      ) -> Poll:
    """Prepare a poll (a draft until opened); the chair or the meeting's secretary."""
    meeting = await live_state.presided_meeting(session, actor, meeting_id)
    if meeting.status not in (MeetingStatus.approved, *live_state.OPEN_FOR_MEMBERS):
        raise Conflict("meeting_not_open")
    clean = _clean(data)
    item = await live_state.item_of(session, meeting.id, data.item_id)
    poll = Poll(meeting_id=meeting.id, agenda_item_id=item.id if item else None,
                created_by_id=actor.id, status=PollStatus.draft, voted_count=0)
    _apply(poll, clean)
    session.add(poll)
    await _emit_poll(session, poll)
    await audit.record(session, "poll.create", actor_id=actor.id, object_type="poll",
                       object_id=poll.id, meeting_id=meeting.id,
                       data={"question": poll.question, "options": poll.options})
    return poll


async def update_poll(session: AsyncSession, actor: User, poll_id: int, data: PollInput) -> Poll:
    """Change a draft poll."""
    poll, meeting = await _presided_poll(session, actor, poll_id)
    if poll.status != PollStatus.draft:
        raise Conflict("poll_not_draft")
    clean = _clean(data)
    item = await live_state.item_of(session, meeting.id, data.item_id)
    poll.agenda_item_id = item.id if item else None
    _apply(poll, clean)
    await _emit_poll(session, poll)
    await audit.record(session, "poll.update", actor_id=actor.id, object_type="poll",
                       object_id=poll.id, meeting_id=meeting.id,
                       data={"question": poll.question, "options": poll.options})
    return poll


async def open_poll(session: AsyncSession, actor: User, poll_id: int,
                    now: datetime | None = None) -> Poll:
    """Open the vote; one poll at a time per meeting, only while it is in session."""
    poll, meeting = await _presided_poll(session, actor, poll_id)
    live_state.require_in_session(meeting)
    if poll.status != PollStatus.draft:
        raise Conflict("poll_not_draft")
    await session.get(Meeting, meeting.id, with_for_update=True)
    other = await session.scalar(
        select(Poll.id).where(Poll.meeting_id == meeting.id, Poll.status == PollStatus.open)
    )
    if other is not None:
        raise Conflict("poll_already_open")
    now = now or utcnow()
    poll.status = PollStatus.open
    poll.opened_at = now
    poll.closes_at = now + timedelta(seconds=poll.time_limit_seconds) \
        if poll.time_limit_seconds else None
    members = await attendance.voting_member_ids(session, meeting.id)
    if members:
        await session.execute(insert(PollVoter), [
            {"poll_id": poll.id, "voter_id": uid, "voted": False} for uid in members])
    await _emit_poll(session, poll)
    await audit.record(session, "poll.open", actor_id=actor.id, object_type="poll",
                       object_id=poll.id, meeting_id=meeting.id,
                       data={"question": poll.question, "options": poll.options,
                             "visibility": poll.visibility.value, "rule": poll.rule.value,
                             "closes_at": poll.closes_at.isoformat() if poll.closes_at else None})
    return poll


async def cancel_poll(session: AsyncSession, actor: User, poll_id: int) -> Poll:
    """Withdraw a draft or open poll without a result (its ballots are kept, uncounted)."""
    poll, meeting = await _presided_poll(session, actor, poll_id)
    if poll.status not in (PollStatus.draft, PollStatus.open):
        raise Conflict("poll_not_open")
    poll.status = PollStatus.cancelled
    poll.closed_at = utcnow()
    await _emit_poll(session, poll)
    await audit.record(session, "poll.cancel", actor_id=actor.id, object_type="poll",
                       object_id=poll.id, meeting_id=meeting.id)
    return poll


# -- the count ----------------------------------------------------------------------


def threshold(rule: MajorityRule, members: int, present: int) -> tuple[int, int]:
    """(the body the rule counts against, the votes the winning option needs)."""
    if rule == MajorityRule.two_thirds:
        return members, max(1, (2 * members + 2) // 3)
    body = present if rule == MajorityRule.present else members
    return body, body // 2 + 1


def compute_result(
    *, kind: PollKind, rule: MajorityRule, counts: Sequence[int], members: int, present: int,
    tie_break_chair: bool = False, chair_choice: int | None = None, quorum: bool = True,
) -> dict[str, Any]:
    """Whether the motion passed (approval) or which option won (choice), under the rule.

    Approval: the first option approves; it passes with more than half of the body (the
    members present, or all members), or at least two thirds of all members. With
    `tie_break_chair`, exactly half approving carries the motion if the chair is among
    them (Luật Tổ chức chính quyền địa phương: on an even vote the chair's side prevails).
    Choice: the option with the most votes wins if no other has as many and it reaches
    the same threshold. Without the meeting's quorum present nothing is decided, whatever
    the count: a vote of a meeting that may not decide decides nothing.
    """
    body, need = threshold(rule, members, present)
    voted = sum(counts)
    top = max(counts) if counts else 0
    leaders = [i for i, c in enumerate(counts) if c == top]
    decided: int | None = None
    chair_decided = False
    if kind == PollKind.approval:
        tie = len(counts) > 1 and voted > 0 and counts[0] == counts[1]
        if counts[0] >= need:
            decided = 0
        elif (tie_break_chair and chair_choice == 0 and body > 0 and 2 * counts[0] == body):
            decided = 0
            chair_decided = True
    else:
        tie = top > 0 and len(leaders) > 1
        if not tie and top > 0 and top >= need:
            decided = leaders[0]
    if not quorum:
        decided, chair_decided = None, False
    return {
        "kind": kind.value, "rule": rule.value, "counts": list(counts), "voted": voted,
        "members": members, "present": present, "body": body, "needed": need,
        "passed": decided is not None, "decided_option": decided, "tie": tie,
        "chair_decided": chair_decided, "quorum": quorum,
    }


def _digest(rows: Sequence[tuple[str, int]]) -> str:
    """SHA-256 over the counted ballots (receipt, choice), in receipt order."""
    body = json.dumps(sorted(rows), separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


async def close_poll(session: AsyncSession, actor: User | None, poll_id: int,
                     now: datetime | None = None, *, due_only: bool = False) -> Poll:
    """Close the vote and compute its result, once.

    The presiding close it at any time. With `due_only`, any member may ask for a poll
    whose time is up (a screen whose countdown ran out), refused before then; `actor=None`
    is the node itself closing at the deadline.
    """
    now = now or utcnow()
    if actor is None or due_only:
        if actor is None:
            poll = await session.get(Poll, poll_id, with_for_update=True,
                                     populate_existing=True)
            if poll is None:
                raise NotFound("poll_not_found")
            meeting_row = await session.get(Meeting, poll.meeting_id)
            assert meeting_row is not None
            meeting = meeting_row
        else:
            # Who may not see the meeting learns nothing, not even that the poll exists.
            poll, meeting = await _poll_for(session, actor, poll_id, lock=True)
        if poll.status == PollStatus.open and (poll.closes_at is None or poll.closes_at > now):
            raise Conflict("poll_not_due")
    else:
        poll, meeting = await _presided_poll(session, actor, poll_id)
    if poll.status == PollStatus.closed:
        return poll  # closing twice returns the one result
    if poll.status != PollStatus.open:
        raise Conflict("poll_not_open")
    # Columns, not ORM objects: a thousand ballots are counted between the last one and
    # the result reaching every screen.
    ballots = sorted((await session.execute(
        select(Ballot.id, Ballot.voter_id, Ballot.receipt, Ballot.choice)
        .where(Ballot.poll_id == poll.id)
    )).all(), key=lambda b: b.receipt)
    counts = [0] * len(poll.options)
    for ballot in ballots:
        counts[ballot.choice] += 1
    chair_choice = None
    if poll.tie_break_chair and poll.visibility == PollVisibility.named:
        chair_choice = await session.scalar(
            select(Ballot.choice).where(Ballot.poll_id == poll.id,
                                        Ballot.voter_id == meeting.chair_id))
    # One tally gives the body the rule counts against and whether the quorum holds.
    tally = await attendance.counts(session, meeting)
    result = compute_result(
        kind=poll.kind, rule=poll.rule, counts=counts,
        members=tally["members"], present=tally["present"],
        tie_break_chair=poll.tie_break_chair, chair_choice=chair_choice,
        quorum=bool(tally["quorum"]),
    )
    result["ballots_digest"] = _digest([(b.receipt, b.choice) for b in ballots])
    poll.result = result
    poll.status = PollStatus.closed
    poll.closed_at = now
    poll.voted_count = len(ballots)
    await _emit_poll(session, poll)
    if poll.visibility == PollVisibility.secret:
        # The chain takes a secret poll's ballots now, all at one time and in receipt
        # order; recorded as they came, their order and times would replay the vote.
        await audit.record_many(session, [_audit_record(poll, "vote.cast", *b) for b in ballots])
    await audit.record(session, "poll.result", actor_id=actor.id if actor else None,
                       object_type="poll", object_id=poll.id, meeting_id=meeting.id,
                       data={"result": result, "closed_at": now.isoformat()})
    return poll


async def due_polls(session: AsyncSession, now: datetime | None = None
                    ) -> list[tuple[int, datetime]]:
    """Open polls with a time limit: (id, closes_at), soonest first."""
    rows = await session.execute(
        select(Poll.id, Poll.closes_at)
        .where(Poll.status == PollStatus.open, Poll.closes_at.is_not(None))
        .order_by(Poll.closes_at)
    )
    return [(pid, at) for pid, at in rows if at is not None]


# -- ballots ------------------------------------------------------------------------


def ballot_key(poll_id: int, voter_id: int, client_ballot_id: str) -> tuple[str, str]:
    """(key hash stored with the ballot, receipt code shown to the voter).

    The key binds the client's ballot id to its voter: another voter sending the same id
    names a ballot of their own, never the first voter's. Without the client's id, which
    the server does not keep, the hash cannot be traced back to a voter.
    """
    key = hashlib.sha256(f"{poll_id}:{voter_id}:{client_ballot_id}".encode()).hexdigest()
    mix = hashlib.sha256(f"receipt:{key}".encode()).digest()
    code = "".join(RECEIPT_ALPHABET[b % len(RECEIPT_ALPHABET)] for b in mix[:10])
    return key, f"{code[:5]}-{code[5:]}"


@dataclass(frozen=True)
class BallotRequest:
    """One ballot as a voter's screen sent it."""

    user: User
    poll_id: int
    choice: int
    client_ballot_id: str


@dataclass(frozen=True)
class BallotOutcome:
    """What the voter's screen is told: the receipt and the choice now counted."""

    poll_id: int
    receipt: str
    choice: int
    already: bool = False  # a resend: the stored ballot stands
    changed: bool = False  # the poll allows changes and this one changed the choice

    def view(self) -> dict[str, Any]:
        """The acknowledgement's payload."""
        return {"poll_id": self.poll_id, "receipt": self.receipt, "choice": self.choice,
                "already": self.already, "changed": self.changed}


@dataclass
class _PollBatch:
    poll: Poll
    meeting: Meeting
    present: set[int]
    members: set[int]
    voted: set[int]  # members who had voted, and those this batch adds
    by_voter: dict[int, Ballot]
    by_key: dict[str, Ballot]
    new: list[Ballot] = field(default_factory=list)
    changed: list[Ballot] = field(default_factory=list)
    newly_voted: list[int] = field(default_factory=list)  # voter ids, for PollVoter.voted


async def _load_batch(session: AsyncSession, poll: Poll, requests: list[BallotRequest]
                      ) -> _PollBatch:
    meeting = await session.get(Meeting, poll.meeting_id)
    assert meeting is not None
    user_ids = {r.user.id for r in requests}
    keys = {ballot_key(poll.id, r.user.id, r.client_ballot_id)[0] for r in requests
            if CLIENT_BALLOT_ID.match(r.client_ballot_id)}
    # Columns, not ORM objects: the batch sets `voted` with one UPDATE, not one per voter.
    voters = {voter_id: voted for voter_id, voted in (await session.execute(
        select(PollVoter.voter_id, PollVoter.voted)
        .where(PollVoter.poll_id == poll.id, PollVoter.voter_id.in_(user_ids))
    )).all()}
    ballots = list((await session.scalars(
        select(Ballot).where(Ballot.poll_id == poll.id,
                             Ballot.voter_id.in_(user_ids) | Ballot.key_hash.in_(keys))
    )).all())
    return _PollBatch(
        poll=poll, meeting=meeting,
        present=await attendance.present_voter_ids(session, meeting.id, among=user_ids),
        members=set(voters),
        voted={voter_id for voter_id, voted in voters.items() if voted},
        by_voter={b.voter_id: b for b in ballots if b.voter_id is not None},
        by_key={b.key_hash: b for b in ballots},
    )


def _one(batch: _PollBatch, request: BallotRequest, now: datetime) -> BallotOutcome:
    poll = batch.poll
    if poll.status != PollStatus.open or (poll.closes_at is not None and poll.closes_at <= now):
        raise Conflict("poll_closed")
    if not CLIENT_BALLOT_ID.match(request.client_ballot_id):
        raise Invalid("field_invalid", field="client_ballot_id")
    if not 0 <= request.choice < len(poll.options):
        raise Invalid("field_invalid", field="choice")
    voter_id = request.user.id
    if voter_id not in batch.members:
        raise Forbidden("not_eligible")
    if voter_id not in batch.present:
        raise Forbidden("not_checked_in")
    key, receipt = ballot_key(poll.id, voter_id, request.client_ballot_id)
    secret = poll.visibility == PollVisibility.secret
    ballot = batch.by_key.get(key) if secret else batch.by_voter.get(voter_id)
    if secret and ballot is None and voter_id in batch.voted:
        # Voted already under another ballot id; without that id the ballot cannot be
        # found, which is the point of a secret poll.
        raise Conflict("already_voted")
    if ballot is not None:
        if not secret and ballot.key_hash != key and not poll.allow_change:
            raise Conflict("already_voted")
        if ballot.choice == request.choice:
            return BallotOutcome(poll.id, ballot.receipt, ballot.choice, already=True)
        if not poll.allow_change:
            # A resend carries the same choice; another choice is an attempt to change
            # a final vote, which must be told, not silently answered with the first.
            raise Conflict("already_voted")
        ballot.choice = request.choice
        ballot.changes += 1
        if ballot not in batch.new and ballot not in batch.changed:
            batch.changed.append(ballot)
        return BallotOutcome(poll.id, ballot.receipt, ballot.choice, changed=True)
    ballot = Ballot(poll_id=poll.id, voter_id=None if secret else voter_id,
                    choice=request.choice, key_hash=key, receipt=receipt, changes=0)
    if secret:
        ballot.id = _random.randrange(*SECRET_ID_RANGE)
    batch.by_key[key] = ballot
    if not secret:
        batch.by_voter[voter_id] = ballot
    batch.voted.add(voter_id)
    batch.newly_voted.append(voter_id)
    batch.new.append(ballot)
    return BallotOutcome(poll.id, receipt, request.choice)


def _audit_record(poll: Poll, action: str, ballot_id: int, voter_id: int | None,
                  receipt: str, choice: int) -> AuditRecord:
    secret = poll.visibility == PollVisibility.secret
    return AuditRecord(
        action=action, actor_id=None if secret else voter_id, object_type="ballot",
        object_id=str(ballot_id), meeting_id=poll.meeting_id,
        data={"poll": poll.id, "receipt": receipt, "choice": choice},
    )


def _ballot_record(poll: Poll, ballot: Ballot, action: str) -> AuditRecord:
    return _audit_record(poll, action, ballot.id, ballot.voter_id, ballot.receipt, ballot.choice)


async def cast_many(session: AsyncSession, requests: Sequence[BallotRequest],
                    now: datetime | None = None, *, progress: bool = True
                    ) -> list[BallotOutcome | DomainError]:
    """Count a batch of ballots in the caller's transaction; one outcome or refusal each.

    The polls are locked first, so a close in another transaction either sees all of
    this batch or none of it. `progress=False` leaves the live count to a later
    `announce_progress` (the writer sends at most a few counts a second).
    """
    now = now or utcnow()
    poll_ids = sorted({r.poll_id for r in requests})
    polls = {p.id: p for p in (await session.scalars(
        select(Poll).where(Poll.id.in_(poll_ids)).order_by(Poll.id)
        .with_for_update().execution_options(populate_existing=True)
    )).all()}
    batches: dict[int, _PollBatch] = {}
    for poll_id, poll in polls.items():
        batches[poll_id] = await _load_batch(
            session, poll, [r for r in requests if r.poll_id == poll_id])
    outcomes: list[BallotOutcome | DomainError] = []
    for request in requests:
        batch = batches.get(request.poll_id)
        try:
            if batch is None or (
                    request.user.id not in batch.members
                    and not await meetings.can_view(session, request.user, batch.meeting)):
                # Outside the meeting, a poll is "not found" exactly as a missing one.
                raise NotFound("poll_not_found")
            outcomes.append(_one(batch, request, now))
        except DomainError as exc:
            outcomes.append(exc)
    records: list[AuditRecord] = []
    for batch in batches.values():
        if not batch.new and not batch.changed:
            continue
        secret = batch.poll.visibility == PollVisibility.secret
        if secret:
            _random.shuffle(batch.new)  # insertion order within a batch says nothing either
        await _insert(session, batch.new)
        if batch.newly_voted:
            await session.execute(
                update(PollVoter).where(PollVoter.poll_id == batch.poll.id,
                                        PollVoter.voter_id.in_(batch.newly_voted))
                .values(voted=True).execution_options(synchronize_session=False))
        await session.flush()
        if not secret:  # a secret poll's ballots enter the audit chain at close
            records += [_ballot_record(batch.poll, b, "vote.cast") for b in batch.new]
            records += [_ballot_record(batch.poll, b, "vote.change") for b in batch.changed]
        if batch.new:
            batch.poll.voted_count += len(batch.new)
            if progress:
                await _announce(session, batch.poll)
    if records:
        await audit.record_many(session, records)
    return outcomes


async def _insert(session: AsyncSession, ballots: list[Ballot]) -> None:
    """Insert new ballots in one statement and give each its id.

    Added to the session, a thousand ballots would go out as a thousand INSERTs (the ORM
    asks for ids one row at a time on SQLite); each ballot's key finds its id instead.
    """
    if not ballots:
        return
    columns = ["poll_id", "voter_id", "choice", "key_hash", "receipt", "changes"]
    if ballots[0].id is not None:  # a secret poll's ids are drawn at random beforehand
        columns.append("id")
    rows = [{column: getattr(b, column) for column in columns} for b in ballots]
    # On the table itself: the ORM's bulk insert costs more than the rows.
    table = typing.cast(Table, Ballot.__table__)
    ids = {(poll_id, key): id_ for poll_id, key, id_ in (await session.execute(
        insert(table).returning(table.c.poll_id, table.c.key_hash, table.c.id), rows)).all()}
    for ballot in ballots:
        ballot.id = ids[(ballot.poll_id, ballot.key_hash)]


async def _announce(session: AsyncSession, poll: Poll) -> None:
    await eventlog.append(session, poll.meeting_id, "poll.progress", {
        "poll_id": poll.id, "voted": poll.voted_count,
        "present": await attendance.present_voter_count(session, poll.meeting_id),
    })


async def announce_progress(session: AsyncSession, poll_id: int) -> None:
    """Tell every screen how many have voted on an open poll (never what)."""
    poll = await session.get(Poll, poll_id, with_for_update=True, populate_existing=True)
    if poll is not None and poll.status == PollStatus.open:
        await _announce(session, poll)


async def cast(session: AsyncSession, user: User, poll_id: int, choice: int,
               client_ballot_id: str, now: datetime | None = None) -> BallotOutcome:
    """Count one ballot (the writer batches many; this is the same rule for one)."""
    outcome = (await cast_many(
        session, [BallotRequest(user, poll_id, choice, client_ballot_id)], now))[0]
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


# -- what screens and auditors see ---------------------------------------------------


async def published_ballots(session: AsyncSession, user: User, poll_id: int
                            ) -> dict[str, Any]:
    """After close: named polls list who chose what; secret polls list receipts and choices,
    in receipt order, so each voter can find their receipt and check it was counted."""
    poll, _meeting = await _poll_for(session, user, poll_id)
    if poll.status != PollStatus.closed:
        raise Conflict("poll_not_closed")
    if poll.visibility == PollVisibility.secret:
        rows = (await session.execute(
            select(Ballot.receipt, Ballot.choice).where(Ballot.poll_id == poll.id)
            .order_by(Ballot.receipt)
        )).all()
        ballots = [{"receipt": r, "choice": c} for r, c in rows]
    else:
        named = (await session.execute(
            select(Ballot.receipt, Ballot.choice, User.id, User.full_name, User.title)
            .join(User, User.id == Ballot.voter_id).where(Ballot.poll_id == poll.id)
            .order_by(User.full_name, User.id)
        )).all()
        ballots = [{"receipt": r, "choice": c, "user_id": uid, "name": name, "title": title}
                   for r, c, uid, name, title in named]
    return {"poll": poll_view(poll), "ballots": ballots}


# Built once (every join asks): see accounts._SESSION_BY_TOKEN. One query for both: the
# polls the user voted in (no choice: a secret poll's ballot names nobody), and the
# user's named ballots with their choice and receipt.
_MY_VOTES = union_all(
    select(PollVoter.poll_id, sql_cast(null(), Integer).label("choice"),
           sql_cast(null(), String).label("receipt"))
    .join(Poll, Poll.id == PollVoter.poll_id)
    .where(Poll.meeting_id == bindparam("meeting_id"),
           PollVoter.voter_id == bindparam("user_id"), PollVoter.voted.is_(True)),
    select(Ballot.poll_id, Ballot.choice, Ballot.receipt)
    .join(Poll, Poll.id == Ballot.poll_id)
    .where(Poll.meeting_id == bindparam("meeting_id"), Ballot.voter_id == bindparam("user_id")),
)


async def my_votes(session: AsyncSession, user: User, meeting_id: int) -> dict[str, Any]:
    """For each poll of the meeting, whether the user voted (and, if named, how)."""
    voted: set[int] = set()
    named: dict[int, tuple[int | None, str | None]] = {}
    for poll_id, choice, receipt in await session.execute(
            _MY_VOTES, {"meeting_id": meeting_id, "user_id": user.id}):
        if receipt is None:
            voted.add(poll_id)
        else:
            named[poll_id] = (choice, receipt)
    mine: dict[str, Any] = {}
    for poll_id in voted | set(named):
        how, code = named.get(poll_id, (None, None))
        mine[str(poll_id)] = {"voted": True, "choice": how, "receipt": code}
    return mine


async def snapshot(session: AsyncSession, user: User, meeting: Meeting) -> dict[str, Any]:
    """The polls of the meeting (drafts only for those who run it) and the user's votes."""
    runs = await live_state.presides(session, user, meeting)
    polls = (await session.scalars(
        select(Poll).where(Poll.meeting_id == meeting.id).order_by(Poll.id)
    )).all()
    members = set(await attendance.voting_member_ids(session, meeting.id))
    return {
        "polls": [poll_view(p) for p in polls if runs or p.status != PollStatus.draft],
        "mine": await my_votes(session, user, meeting.id),
        "voter": user.id in members,
    }


async def verify(session: AsyncSession, user: User, poll_id: int) -> dict[str, Any]:
    """A closed poll checked against the audit hash chain, for its presiding or an admin:
    `{problems, chain_ok}`, where no problems and an intact chain mean nothing changed."""
    poll, meeting = await _poll_for(session, user, poll_id)
    if poll.status != PollStatus.closed:
        raise Conflict("poll_not_closed")
    if user.role != Role.admin and not await live_state.presides(session, user, meeting):
        raise Forbidden("forbidden")
    problems = await verify_poll(session, poll.id)
    broken = await audit.verify_chain(session)
    return {"problems": problems, "chain_ok": broken is None}


async def verify_poll(session: AsyncSession, poll_id: int) -> list[str]:
    """Compare a poll's ballots with the audit chain's record of them; empty means they
    agree. (`audit.verify_chain` proves the chain itself was not rewritten.)"""
    poll = await session.get(Poll, poll_id)
    if poll is None:
        raise NotFound("poll_not_found")
    ballots = list((await session.scalars(select(Ballot).where(Ballot.poll_id == poll.id))).all())
    entries = (await session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(("vote.cast", "vote.change")),
                                 AuditEntry.object_type == "ballot",
                                 AuditEntry.meeting_id == poll.meeting_id)
        .order_by(AuditEntry.id)
    )).all()
    recorded: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry.data.get("poll") == poll.id:
            recorded[entry.object_id] = entry.data
    problems: list[str] = []
    if poll.visibility == PollVisibility.secret and poll.status != PollStatus.closed:
        return problems  # a secret poll's ballots enter the chain when it closes
    for ballot in ballots:
        data = recorded.pop(str(ballot.id), None)
        if data is None:
            problems.append(f"ballot {ballot.id} has no audit entry")
        elif data.get("choice") != ballot.choice or data.get("receipt") != ballot.receipt:
            problems.append(f"ballot {ballot.id} differs from its audit entry")
    problems += [f"audited ballot {bid} is missing" for bid in recorded]
    if poll.status == PollStatus.closed and poll.result is not None:
        digest = _digest([(b.receipt, b.choice) for b in ballots])
        if poll.result.get("ballots_digest") != digest:
            problems.append("the counted ballots differ from those the result was computed on")
        result_entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "poll.result",
                                     AuditEntry.object_id == str(poll.id))
            .order_by(AuditEntry.id.desc()).limit(1))
        if result_entry is None or result_entry.data.get("result") != poll.result:
            problems.append("the stored result differs from the audited one")
    return problems


async def ballot_count(session: AsyncSession, poll_id: int) -> int:
    """How many ballots a poll holds."""
    return int(await session.scalar(
        select(func.count(Ballot.id)).where(Ballot.poll_id == poll_id)) or 0)
