"""Hostile values at the boundary: every one a 4xx with a code, never a 500 or silence.

Integers beyond the 32-bit columns they would land in, lone surrogates, NUL bytes, far
dates and bidi tricks are refused once, at the boundary both transports share
(ecabinet/payload.py, the `int` path convertor); every live action answers an error
acknowledgement whatever it is sent.
"""

from __future__ import annotations

import asyncio
import unicodedata
from typing import Any

from sqlalchemy import select

from ecabinet.models import Question, User
from tests.conftest import LiveServer, World
from tests.live import LiveClient
from tests.test_meetings import make_meeting

HUGE = 2**64
JSON = {"content-type": "application/json"}


def code(response: Any) -> str:
    """The refusal's code."""
    return str(response.json()["error"]["code"])


async def test_ids_beyond_their_columns_are_not_found_or_invalid_never_a_crash(
        client_factory: Any, world: World, sessions: Any) -> None:
    meeting_id = await make_meeting(sessions, world)
    admin = await client_factory("admin")
    for digits in ("2147483648", "9223372036854775808", "99999999999999999999999"):
        response = await admin.get(f"/api/meetings/{digits}")
        assert response.status_code == 404 and code(response) == "not_found", digits
    for after in (HUGE, 2**31):
        response = await admin.get(f"/api/meetings/{meeting_id}/events", params={"after": after})
        assert response.status_code == 422 and code(response) == "field_invalid"
    secretary = await client_factory("secretary")
    response = await secretary.put(f"/api/meetings/{meeting_id}", json={
        "title": "Họp", "unit_id": HUGE, "chair_id": world["chair"].id,
        "starts_at": "2030-01-07T08:00:00+07:00"})
    assert response.status_code == 422 and code(response) == "field_invalid"
    response = await secretary.post(f"/api/meetings/{meeting_id}/agenda/reorder",
                                    json={"item_ids": [HUGE]})
    assert response.status_code in (404, 405, 422), response.text


async def test_text_that_cannot_be_stored_is_refused(
        client_factory: Any, world: World, sessions: Any) -> None:
    admin = await client_factory("admin")
    lone = b'{"username": "x1", "full_name": "\\ud800", "password": "mat-khau-dai", ' \
           b'"role": "delegate"}'
    response = await admin.post("/api/users", content=lone, headers=JSON)
    assert response.status_code == 422 and code(response) == "text_invalid"
    for username in ("nul\u0000admin", "xx\u202eadmin", "Ádmin", "a b"):
        response = await admin.post("/api/users", json={
            "username": username, "full_name": "Kẻ giả mạo", "password": "mat-khau-dai",
            "role": "delegate"})
        assert response.status_code == 422, username
        assert code(response) in ("text_invalid", "username_invalid"), username
    response = await admin.put(f"/api/users/{world['delegate'].id}",
                               json={"title": "x" * 900_000})
    assert response.status_code == 422 and code(response) == "field_too_long"
    async with sessions() as s:
        names = set((await s.scalars(select(User.username))).all())
        title = await s.scalar(select(User.title).where(User.id == world["delegate"].id))
    assert not any("admin" in n and n != "admin" for n in names)
    assert title is not None and len(title) < 1000


async def test_stored_text_is_nfc_whatever_the_keyboard_sent(
        client_factory: Any, world: World, sessions: Any) -> None:
    # macOS and some Android keyboards send decomposed Vietnamese ("e" + combining marks);
    # stored as NFC, search, sorting and duplicates treat both spellings as one.
    admin = await client_factory("admin")
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")
    response = await admin.post("/api/users", json={
        "username": "nhung", "full_name": decomposed, "password": "mat-khau-dai",
        "role": "delegate", "unit_id": world.province})
    assert response.status_code == 201, response.text
    async with sessions() as s:
        stored = await s.scalar(select(User.full_name).where(User.username == "nhung"))
    assert stored == unicodedata.normalize("NFC", decomposed) != decomposed


async def test_question_text_with_nul_is_refused_and_nothing_is_stored(
        client_factory: Any, world: World, sessions: Any) -> None:
    from ecabinet.models import MeetingStatus
    meeting_id = await make_meeting(sessions, world, MeetingStatus.published)
    delegate = await client_factory("delegate")
    response = await delegate.post(f"/api/meetings/{meeting_id}/questions",
                                   json={"text": "Câu hỏi\u0000 ẩn", "kind": "question"})
    assert response.status_code == 422 and code(response) == "text_invalid"
    async with sessions() as s:
        assert (await s.scalars(select(Question))).all() == []


HOSTILE: list[Any] = [
    None, "chuỗi", 42, [1, 2], {},
    {"meeting_id": HUGE, "poll_id": HUGE, "question_id": HUGE, "request_id": HUGE},
    {"meeting_id": -HUGE, "poll_id": "1", "question_id": None},
    {"meeting_id": True, "poll_id": 1.5, "choice": HUGE, "client_ballot_id": "\ud800" * 20},
    {"meeting_id": "\u0000", "order": [HUGE], "item_id": [], "unknown": {"deep": [1]}},
    {"meeting_id": 2**31, "poll_id": 2**31 - 1, "question_id": 10**12, "role": "hall",
     "offer": "v=0", "participant_id": 7, "action": "start", "last_seq": HUGE},
]
# Leaving a room one is not in is harmless and always answered ok.
ALWAYS_OK = {"meeting:leave", "video:leave"}


async def test_every_live_action_answers_hostile_data_with_an_error_code(
        live_server: LiveServer, world: World, sessions: Any) -> None:
    from ecabinet.models import MeetingStatus
    meeting_id = await make_meeting(sessions, world, MeetingStatus.in_session)
    handlers = live_server.app.starlette.state.hub.sio.handlers["/"]
    events = sorted(e for e in handlers if e not in ("connect", "disconnect"))
    assert {"vote:cast", "vote:close_due", "meeting:join", "video:join"} <= set(events)
    # An outsider, and the meeting's own secretary with the real meeting id: the hostile
    # values then reach past the membership check into each action's own work.
    own = [{**d, "meeting_id": meeting_id} for d in HOSTILE if isinstance(d, dict)]
    for username, payloads in (("outsider", HOSTILE), ("secretary", own)):
        client = LiveClient(live_server.url)
        try:
            await client.login(username)
            await client.connect()
            for event in events:
                for data in payloads:
                    async with asyncio.timeout(10):  # a hang guard, not a timing
                        ack = await client.sio.call(event, data, timeout=10)
                    assert isinstance(ack, dict) and "ok" in ack, (event, data, ack)
                    if event in ALWAYS_OK or (ack["ok"] and username == "secretary"):
                        continue  # what is valid for one's own meeting may well succeed
                    assert ack["ok"] is False, (username, event, data, ack)
                    assert ack["error"]["code"] and ack["error"]["message"], (event, data)
                    assert ack["error"]["code"] != "internal_error", (username, event, data)
            assert (await client.http.get("/healthz")).status_code == 200
        finally:
            await client.close()
