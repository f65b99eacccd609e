"""Over the wire: the office prepares and the chair sends a consultation over HTTP; each
member asked is told at once, replies over the live channel, and the office sees every
reply arrive without reloading."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import LiveServer, World
from tests.consultations.conftest import question_ids, sent
from tests.consultations.test_signed_replies import PASSPHRASE, demo_keys
from tests.live import LiveClient


async def _client(live_server: LiveServer, username: str, *notices: str) -> LiveClient:
    client = LiveClient(live_server.url)
    client.follow(*notices)
    await client.login(username)
    await client.connect()
    return client


async def test_a_consultation_travels_from_the_office_to_the_members_and_back(
        live_server: LiveServer, world: World) -> None:
    secretary = await _client(live_server, "secretary", "consultation.replied",
                              "consultations.changed")
    chair = await _client(live_server, "chair")
    delegate = await _client(live_server, "delegate", "consultations.changed",
                             "consultation.replied")
    try:
        made = await secretary.http.post("/api/consultations", json={
            "title": "Lấy ý kiến về Đề án sắp xếp đơn vị hành chính cấp xã",
            "matter": "Xin ý kiến thành viên UBND tỉnh.", "unit_id": world.province,
            "chair_id": world["chair"].id, "working_days": 3,
            "questions": [{"text": "Thông qua Đề án?"},
                          {"text": "Trình HĐND tại kỳ họp gần nhất?",
                           "options": ["Đồng ý", "Không đồng ý"]}]})
        assert made.status_code == 201, made.text
        consultation: dict[str, Any] = made.json()
        cid = consultation["id"]
        assert (await secretary.http.post(f"/api/consultations/{cid}/submit")).status_code == 200
        # A member does not know of it until it is sent.
        assert (await delegate.http.get(f"/api/consultations/{cid}")).status_code == 404
        sent = await chair.http.post(f"/api/consultations/{cid}/approve")
        assert sent.status_code == 200 and sent.json()["status"] == "sent"
        await delegate.wait_for(lambda: ("consultations.changed",
                                         {"consultation_id": cid, "status": "sent"})
                                in delegate.notices)

        shown = (await delegate.http.get(f"/api/consultations/{cid}")).json()
        questions = [q["id"] for q in shown["questions"]]
        reply = {"consultation_id": cid, "client_reply_id": "tablet-reply-0001",
                 "answers": [{"question_id": questions[0], "choice": 2,
                              "opinion": "Đề nghị giữ nguyên xã Lộc An."},
                             {"question_id": questions[1], "choice": 0}]}
        ack = await delegate.call("consultation:reply", reply)
        assert ack["ok"] and not ack["already"] and not ack["changed"], ack
        again = await delegate.call("consultation:reply", reply)  # the tablet resends it
        assert again["ok"] and again["already"] and again["replied_at"] == ack["replied_at"]

        def replied() -> list[dict[str, Any]]:
            return [d for n, d in secretary.notices if n == "consultation.replied"]

        await secretary.wait_for(lambda: len(replied()) >= 1)
        assert replied()[0]["user_id"] == world["delegate"].id
        assert (replied()[0]["replied"], replied()[0]["asked"]) == (1, 4)
        office = (await secretary.http.get(f"/api/consultations/{cid}")).json()
        [line] = [m for m in office["members"] if m["user_id"] == world["delegate"].id]
        assert line["replied_at"] == ack["replied_at"] and line["answers"] is None
        # Replies are not open: a member hears of their own reply (their other screens
        # follow), never of another's.
        await delegate.wait_for(lambda: any(n == "consultation.replied"
                                            for n, _d in delegate.notices))
        assert {d["user_id"] for n, d in delegate.notices if n == "consultation.replied"} == {
            world["delegate"].id}

        refused = await chair.call("consultation:reply", {**reply, "answers": reply["answers"][:1],
                                                          "client_reply_id": "tablet-reply-0002"})
        assert not refused["ok"]
        assert refused["error"]["code"] == "consultation_answer_every_question"
        assert refused["error"]["message"] == "Vui lòng chọn ý kiến cho từng câu hỏi."

        closed = await secretary.http.post(f"/api/consultations/{cid}/close")
        assert closed.status_code == 200
        result = closed.json()["result"]
        assert result["asked"] == 4 and result["needed"] == 3
        assert [q["counts"] for q in result["questions"]] == [[0, 0, 1], [1, 0]]
        late = await delegate.call("consultation:reply", {**reply,
                                                          "client_reply_id": "tablet-reply-0003"})
        assert late["error"]["code"] == "consultation_closed"
    finally:
        for client in (secretary, chair, delegate):
            await client.close()


async def test_an_outsider_cannot_reply_or_learn_it_exists(
        live_server: LiveServer, world: World,
        sessions: async_sessionmaker[AsyncSession]) -> None:
    consultation = await sent(sessions, world)
    [question] = (await question_ids(sessions, consultation.id))[:1]
    outsider = await _client(live_server, "outsider")
    try:
        answers = [{"question_id": question, "choice": 0}]
        acks = [await outsider.call("consultation:reply", {
            "consultation_id": cid, "client_reply_id": "tablet-reply-0001",
            "answers": answers}) for cid in (consultation.id, consultation.id + 1000)]
        assert acks[0] == acks[1]
        assert acks[0]["error"]["code"] == "consultation_not_found"
    finally:
        await outsider.close()


async def test_a_signed_reply_travels_over_the_live_channel(
        live_server: LiveServer, world: World,
        sessions: async_sessionmaker[AsyncSession]) -> None:
    await demo_keys(sessions, world, "delegate")
    consultation = await sent(sessions, world, signed_replies=True)
    questions = await question_ids(sessions, consultation.id)
    delegate = await _client(live_server, "delegate")
    try:
        reply = {"consultation_id": consultation.id, "client_reply_id": "signed-tablet-0001",
                 "answers": [{"question_id": q, "choice": 0} for q in questions]}
        unsigned = await delegate.call("consultation:reply", reply)
        assert unsigned["error"]["code"] == "consultation_reply_needs_signature"
        wrong = await delegate.call("consultation:reply", {**reply, "passphrase": "sai"})
        assert wrong["error"]["code"] == "wrong_passphrase"
        ack = await delegate.call("consultation:reply", {**reply, "passphrase": PASSPHRASE})
        assert ack["ok"] and not ack["already"], ack
        # A resend from a tablet that lost the acknowledgement is not signed again.
        again = await delegate.call("consultation:reply", reply)
        assert again["ok"] and again["already"]
        paper = await delegate.http.get(
            f"/api/consultations/{consultation.id}/papers/{world['delegate'].id}")
        assert paper.status_code == 200 and paper.content.startswith(b"%PDF")
        assert paper.headers["content-type"] == "application/pdf"
    finally:
        await delegate.close()
