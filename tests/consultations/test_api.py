"""The consultation routes over HTTP: what the form sends is taken as sent, and a signed
reply is refused in the user's language or stored with its paper."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import World
from tests.consultations.conftest import question_ids, sent
from tests.consultations.test_signed_replies import PASSPHRASE, demo_keys


def _form(world: World, **changes: Any) -> dict[str, Any]:
    return {"title": "Lấy ý kiến về dự thảo Quy chế", "unit_id": world.province,
            "chair_id": world["chair"].id, "questions": [{"text": "Thông qua?"}], **changes}


async def test_zero_working_days_is_refused_not_taken_as_five(
        client_factory: Any, world: World) -> None:
    secretary = await client_factory("secretary")
    zero = await secretary.post("/api/consultations", json=_form(world, working_days=0))
    assert zero.status_code == 422, zero.text
    assert zero.json()["error"]["code"] == "consultation_working_days"
    unset = await secretary.post("/api/consultations", json=_form(world))
    assert unset.status_code == 201 and unset.json()["working_days"] == 5
    signed = await secretary.post("/api/consultations", json=_form(world, working_days=3,
                                                                   signed_replies=True))
    assert signed.status_code == 201
    assert (signed.json()["working_days"], signed.json()["signed_replies"]) == (3, True)


async def test_a_signed_reply_over_http(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    await demo_keys(sessions, world, "delegate")
    consultation = await sent(sessions, world, signed_replies=True)
    ids = await question_ids(sessions, consultation.id)
    delegate = await client_factory("delegate")
    reply = {"client_reply_id": "http-signed-0001",
             "answers": [{"question_id": q, "choice": 1} for q in ids]}
    url = f"/api/consultations/{consultation.id}"
    wrong = await delegate.post(f"{url}/reply", json={**reply, "passphrase": "sai"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "wrong_passphrase"
    assert (await delegate.get(url)).json()["mine"]["replied_at"] is None
    stored = await delegate.post(f"{url}/reply", json={**reply, "passphrase": PASSPHRASE})
    assert stored.status_code == 200, stored.text
    mine = (await delegate.get(url)).json()["mine"]
    assert mine["paper"] and [a["choice"] for a in mine["answers"]] == [1] * len(ids)
    paper = await delegate.get(f"{url}/papers/{world['delegate'].id}")
    assert paper.status_code == 200 and paper.content.startswith(b"%PDF")
    other = await client_factory("delegate2")
    hidden = await other.get(f"{url}/papers/{world['delegate'].id}")
    assert hidden.status_code == 404
