"""The live meeting over HTTP: attendance, entrance code, questions, floor, polls."""

from __future__ import annotations

from typing import Any

from tests.conftest import World
from tests.live_meeting.conftest import build_hall


async def test_a_meeting_over_http(sessions: Any, world: World, client_factory: Any) -> None:
    hall = await build_hall(sessions, world, extra_voters=0)
    m = hall.meeting_id
    chair = await client_factory("chair")
    delegate = await client_factory("delegate")
    delegate2 = await client_factory("delegate2")
    observer = await client_factory("observer")
    secretary = await client_factory("secretary")

    # Attendance: an answer, a tablet check-in, and a check-in by the entrance code.
    r = await delegate2.put(f"/api/meetings/{m}/attendance/response",
                            json={"response": "absent"})
    assert r.status_code == 422 and r.json()["error"]["message"] == "Vui lòng nêu lý do vắng mặt."
    r = await delegate.post(f"/api/meetings/{m}/attendance/checkin", json={})
    assert r.status_code == 200 and r.json()["counts"]["present"] == 1
    r = await chair.post(f"/api/meetings/{m}/attendance/checkin", json={})
    code = await observer.get(f"/api/meetings/{m}/attendance/entrance-code")
    assert code.status_code == 200 and code.json()["path"].startswith("/checkin/")
    assert (await delegate.get(f"/api/meetings/{m}/attendance/entrance-code")).status_code == 403
    r = await delegate2.post("/api/checkin", json={"token": code.json()["token"]})
    assert r.status_code == 200 and r.json() == {"meeting_id": m,
                                                 "entry": {"present": True, "method": "qr"}}
    r = await delegate2.post("/api/checkin", json={"token": "forged"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "checkin_code_invalid"
    r = await chair.get(f"/api/meetings/{m}/attendance")
    assert r.json()["counts"]["present"] == 3 and r.json()["counts"]["quorum"] is True

    # The floor.
    assert (await chair.put(f"/api/meetings/{m}/live/item",
                            json={"item_id": hall.items[0]})).status_code == 200
    r = await delegate.post(f"/api/meetings/{m}/speakers", json={"note": "Về số liệu"})
    assert r.status_code == 201
    request_id = r.json()["queue"][0]["id"]
    assert (await delegate2.post(f"/api/meetings/{m}/floor",
                                 json={"request_id": request_id})).status_code == 403
    r = await secretary.post(f"/api/meetings/{m}/floor", json={"request_id": request_id})
    assert r.json()["current"]["user_id"] == hall["delegate"].id
    r = await chair.delete(f"/api/meetings/{m}/floor")
    assert r.json()["current"] is None and len(r.json()["history"]) == 1

    # Questions and their export.
    r = await delegate.post(f"/api/meetings/{m}/questions",
                            json={"text": "Kinh phí từ nguồn nào?", "item_id": hall.items[0]})
    assert r.status_code == 201
    qid = r.json()["id"]
    r = await delegate2.post(f"/api/questions/{qid}/support", json={})
    assert r.json()["support_count"] == 1
    r = await secretary.get(f"/api/meetings/{m}/questions/export.csv?item={hall.items[0]}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "Kinh phí từ nguồn nào?" in r.content.decode("utf-8-sig")
    assert (await delegate.get(
        f"/api/meetings/{m}/questions/export.csv?item={hall.items[0]}")).status_code == 403

    # A poll: open, a ballot and its resend, a refused one, close, the list, verification.
    r = await chair.post(f"/api/meetings/{m}/polls",
                         json={"question": "Thông qua tờ trình?", "open": True})
    assert r.status_code == 201 and r.json()["status"] == "open"
    pid = r.json()["id"]
    ballot = {"choice": 0, "client_ballot_id": "http-ballot-0000001"}
    first = await delegate.post(f"/api/polls/{pid}/ballots", json=ballot)
    again = await delegate.post(f"/api/polls/{pid}/ballots", json=ballot)
    assert first.status_code == 200 and again.json()["already"] is True
    assert again.json()["receipt"] == first.json()["receipt"]
    r = await observer.post(f"/api/polls/{pid}/ballots", json=ballot)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_eligible"
    no_csrf = await delegate2.post(f"/api/polls/{pid}/ballots", json=ballot,
                                   headers={"x-csrf-token": "wrong"})
    assert no_csrf.status_code == 403 and no_csrf.json()["error"]["code"] == "csrf_failed"
    assert (await delegate.post(f"/api/polls/{pid}/close", json={})).status_code == 403
    r = await chair.post(f"/api/polls/{pid}/close", json={})
    assert r.json()["status"] == "closed" and r.json()["result"]["counts"] == [1, 0, 0]
    r = await observer.get(f"/api/polls/{pid}/ballots")
    assert [b["user_id"] for b in r.json()["ballots"]] == [hall["delegate"].id]
    r = await secretary.get(f"/api/polls/{pid}/verify")
    assert r.json() == {"problems": [], "chain_ok": True}
    assert (await delegate.get(f"/api/polls/{pid}/verify")).status_code == 403

    # Everything above is in the snapshot a fresh screen gets.
    snap = (await observer.get(f"/api/meetings/{m}")).json()
    assert snap["live"]["current_item"]["id"] == hall.items[0]
    assert snap["attendance"]["counts"]["present"] == 3
    assert snap["speakers"]["history"][0]["user_id"] == hall["delegate"].id
    assert snap["questions"]["questions"][0]["support_count"] == 1
    assert snap["polls"]["polls"][0]["result"]["passed"] is False  # 1 of 3 present
