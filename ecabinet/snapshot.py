"""A screen's start and catch-up: the whole meeting as one user may see it, or the events
it missed since its last seq.

Catch-up lives here alone: the live channel's `meeting:join` and `meeting:sync` and the
HTTP events route all answer with it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import (
    agenda,
    attendance,
    conclusions,
    documents,
    eventlog,
    live_state,
    meetings,
    minutes,
    questions,
    speakers,
    voting,
)
from ecabinet import annotations as overlays
from ecabinet.document_owners import MeetingOwner
from ecabinet.encoded_json import Encoded
from ecabinet.errors import NotFound
from ecabinet.models import Meeting, MeetingEvent, User
from ecabinet.models.base import utcnow
from ecabinet.standing import Audience, Standing, standing_of


async def meeting_snapshot(session: AsyncSession, user: User, meeting_id: int,
                           views: SharedViews | None = None) -> dict[str, Any]:
    """Everything a meeting screen shows, if the user may see the meeting (else NotFound)."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    return await snapshot_of(session, user, meeting, views)


async def catch_up(
    session: AsyncSession, user: User, meeting_id: int, last_seq: int | None,
    views: SharedViews | None = None,
) -> dict[str, Any]:
    """{"events": [...]} after `last_seq`, or {"snapshot": {...}} for a new or stale screen."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    return await catch_up_meeting(session, user, meeting, last_seq, views)


async def open_meeting(session: AsyncSession, user: User, meeting_id: int
                       ) -> tuple[Meeting, Standing]:
    """A meeting the user may see (else NotFound) and their standing towards it, read once
    for the check and for `catch_up_meeting` (a screen joining)."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("meeting_not_found")
    standing = await standing_of(session, user, meeting)
    if not await meetings.can_view(session, user, meeting, invited=standing.invited):
        raise NotFound("meeting_not_found")
    return meeting, standing


async def catch_up_meeting(
    session: AsyncSession, user: User, meeting: Meeting, last_seq: int | None,
    views: SharedViews | None = None, standing: Standing | None = None,
) -> dict[str, Any]:
    """`catch_up` for a meeting the caller has already checked the user may see."""
    if last_seq is not None and 0 <= last_seq <= meeting.last_seq:
        rows = await eventlog.since(session, meeting.id, last_seq)
        if rows is not None:
            hidden = await _hidden_now(session, user, meeting, rows)
            return {"events": [eventlog.placeholder(row) if row.seq in hidden
                               else eventlog.envelope(row, user.id) for row in rows]}
    return {"snapshot": await snapshot_of(session, user, meeting, views, standing)}


async def _hidden_now(session: AsyncSession, user: User, meeting: Meeting,
                      rows: Sequence[MeetingEvent]) -> set[int]:
    """The seqs of replayed events about documents and notes the user may no longer see.

    An event went to its audience of then; a document restricted since, or a note
    unshared, must not reach anyone else through a replay of the old event.
    """
    shown = [r for r in rows if eventlog.visible_to(r, user.id)]
    docs = {r.seq: r.data["document"]["id"] for r in shown if r.type == "document.updated"}
    notes = {r.seq: r.data["annotation"]["id"] for r in shown if r.type == "annotation.updated"}
    if not docs and not notes:
        return set()
    readable = {d.id for d in await documents.visible_documents(session, user,
                                                                   MeetingOwner(meeting))}
    visible_notes = await overlays.shown_ids(session, user, set(notes.values()), readable) \
        if notes else set()
    return ({seq for seq, doc in docs.items() if doc not in readable}
            | {seq for seq, note in notes.items() if note not in visible_notes})


async def snapshot_of(session: AsyncSession, user: User, meeting: Meeting,
                      views: SharedViews | None = None, standing: Standing | None = None
                      ) -> dict[str, Any]:
    """Everything a meeting screen shows, with the seq it is current to.

    The seq is read before the state: a change committed in between is then both
    in the state and replayed as an event, and events are idempotent "set" updates.
    The parts the user's whole audience shares come from `views` when another screen
    of that audience has already joined at this seq; only the user's own rows are read.
    """
    seq = meeting.last_seq
    standing = standing or await standing_of(session, user, meeting)

    def build() -> Awaitable[SharedView]:
        # Kept for other screens, the view is kept as JSON text: encoded once, sent to all.
        return _shared_view(session, user, meeting, encode=views is not None)

    shared = await (build() if views is None
                    else views.get_or_build(meeting.id, seq, standing.audience, build))
    readable = await documents.restricted_readable(session, user, MeetingOwner(meeting),
                                                    shared.restricted)
    return {
        **shared.parts,
        "seq": seq,
        "live": {**shared.parts["live"], "server_time": utcnow().isoformat()},
        "polls": {**shared.parts["polls"], "voter": standing.voter,
                  "mine": await voting.my_votes(session, user, meeting.id)},
        "attendance": {**shared.parts["attendance"], "mine": attendance.my_entry(
            user, standing.roster_role, standing.voter, standing.attendance)},
        "documents": [view for doc_id, view in shared.documents
                      if doc_id not in shared.restricted or doc_id in readable],
    }


@dataclass(frozen=True)
class SharedView:
    """One audience's view of a meeting: every part but the user's own rows, and every
    document's view with the restricted ones marked for filtering per reader."""

    parts: dict[str, Any]
    documents: list[tuple[int, Any]]  # (id, view), the view maybe `Encoded`
    restricted: set[int]


async def _shared_view(session: AsyncSession, user: User, meeting: Meeting, *,
                       encode: bool) -> SharedView:
    # Built as `user` sees it; every part below depends on the user only through
    # `Standing.audience`, except those `snapshot_of` replaces with the user's own:
    # the clock, the user's ballots, voting right and attendance line, and restricted
    # documents. Lists that grow with the meeting (its participants, the attendance list)
    # are not in it: a screen fetches them when it shows them.
    # tests/test_snapshot_views.py holds every demo user to that.
    readable = await agenda.can_read(session, user, meeting)
    owner = MeetingOwner(meeting)
    docs = await documents.owned_documents(session, owner) if readable else []
    kept: Callable[[Any], Any] = Encoded if encode else _as_is
    parts = {
        "meeting": await meetings.describe(session, meeting),
        "transitions": await meetings.allowed_transitions(session, user, meeting),
        "live": await live_state.snapshot(session, user, meeting),
        "attendance": await attendance.snapshot(session, user, meeting),
        "questions": await questions.snapshot(session, user, meeting),
        "speakers": await speakers.snapshot(session, user, meeting),
        "polls": await voting.snapshot(session, user, meeting),
        "agenda": await agenda.snapshot(session, user, meeting),
        "minutes": await minutes.snapshot(session, user, meeting),
        "conclusion": await conclusions.snapshot(session, user, meeting),
    }
    return SharedView(
        # These parts get the user's own fields added, so stay objects.
        parts={name: part if name in ("live", "polls", "attendance") else kept(part)
               for name, part in parts.items()},
        documents=[(d.id, kept(await documents.document_view(session, d, owner)))
                   for d in docs],
        restricted={d.id for d in docs if d.restricted},
    )


def _as_is(value: Any) -> Any:
    return value


class SharedViews:
    """One node's shared meeting views, each kept for one seq and a short while.

    A reconnect storm then costs one build per audience instead of one per screen.
    Changes that append no event (a renamed unit, the date turning) reach a joiner at
    most `max_age` seconds late; every other change moves the seq and so the key.
    """

    def __init__(self, max_age: float = 10.0) -> None:
        self.max_age = max_age
        self._views: dict[int, dict[Audience, tuple[int, float, SharedView]]] = {}
        self._building: dict[tuple[int, int, Audience], asyncio.Future[SharedView | None]] = {}

    async def get_or_build(self, meeting_id: int, seq: int, audience: Audience,
                           build: Callable[[], Awaitable[SharedView]]) -> SharedView:
        """The audience's view at `seq`, built by `build` unless kept or being built.

        A storm's screens arrive together: one of them builds, the others wait for its
        view instead of each building the same one (and holding a connection meanwhile).
        """
        kept = self.get(meeting_id, seq, audience)
        if kept is not None:
            return kept
        key = (meeting_id, seq, audience)
        building = self._building.get(key)
        if building is not None:
            view = await asyncio.shield(building)
            return view if view is not None else await build()  # theirs failed: our own
        self._building[key] = promise = asyncio.get_running_loop().create_future()
        view = None
        try:
            view = await build()
            self.put(meeting_id, seq, audience, view)
            return view
        finally:
            del self._building[key]
            promise.set_result(view)

    def get(self, meeting_id: int, seq: int, audience: Audience) -> SharedView | None:
        """The audience's view of the meeting at `seq`, if built recently."""
        found = self._views.get(meeting_id, {}).get(audience)
        if found is None or found[0] != seq or time.monotonic() - found[1] > self.max_age:
            return None
        return found[2]

    def put(self, meeting_id: int, seq: int, audience: Audience, view: SharedView) -> None:
        """Keep a view just built; a view of an older seq than the one kept is dropped."""
        kept = self._views.setdefault(meeting_id, {})
        if audience in kept and kept[audience][0] > seq:
            return
        kept[audience] = (seq, time.monotonic(), view)
        if len(self._views) > MAX_MEETINGS_KEPT:
            self._forget_old()

    def _forget_old(self) -> None:
        now = time.monotonic()
        for meeting_id in [m for m, kept in self._views.items()
                           if all(now - at > self.max_age for _s, at, _v in kept.values())]:
            del self._views[meeting_id]


# Beyond this many meetings with kept views, those not joined lately are forgotten.
MAX_MEETINGS_KEPT = 64
