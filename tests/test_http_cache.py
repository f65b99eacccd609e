"""JSON answers carry an ETag, and a client that has the answer gets 304 and no body."""

from __future__ import annotations

from typing import Any

from ecabinet.api.http_cache import etag_of, matches
from tests.conftest import World
from tests.test_meetings import make_meeting


async def test_an_unchanged_answer_is_not_sent_again(
    client_factory: Any, world: World, sessions: Any
) -> None:
    await make_meeting(sessions, world)
    secretary = await client_factory("secretary")
    first = await secretary.get("/api/meetings")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag == etag_of(first.content)
    assert first.headers["cache-control"] == "private, no-cache"
    again = await secretary.get("/api/meetings", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    # Compressed or not, the tag is the body's: the same for a client asking for gzip.
    squeezed = await secretary.get("/api/meetings", headers={"accept-encoding": "gzip",
                                                             "if-none-match": etag})
    assert squeezed.status_code == 304
    # A change makes a new answer with a new tag.
    await make_meeting(sessions, world)
    changed = await secretary.get("/api/meetings", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert len(changed.json()) == len(first.json()) + 1


async def test_errors_and_other_users_answers_are_not_matched(
    client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    secretary = await client_factory("secretary")
    outsider = await client_factory("outsider")
    mine = await secretary.get(f"/api/meetings/{meeting_id}")
    theirs = await outsider.get(f"/api/meetings/{meeting_id}",
                                headers={"if-none-match": mine.headers["etag"]})
    assert theirs.status_code == 404  # not a 304 for what the outsider may not see
    assert "etag" not in theirs.headers


def test_if_none_match_lists_and_weak_tags() -> None:
    tag = etag_of(b"{}")
    assert matches(f'"x", W/{tag}', tag)
    assert matches("*", tag)
    assert not matches('"other"', tag)
