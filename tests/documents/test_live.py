"""Live: publication reaches every member, restricted documents only their readers."""

from __future__ import annotations

from typing import Any

import httpx

from ecabinet.models import MeetingStatus
from tests.conftest import LiveServer, World
from tests.documents import pdfs
from tests.documents.conftest import add_item, advance
from tests.live import LiveClient
from tests.test_meetings import make_meeting


def documents_seen(client: LiveClient) -> dict[int, dict[str, Any]]:
    """The latest state of each document the client was sent."""
    seen: dict[int, dict[str, Any]] = {}
    for event in sorted(client.events, key=lambda e: e["seq"]):
        if event["type"] == "document.updated":
            seen[event["data"]["document"]["id"]] = event["data"]["document"]
    return seen


async def test_publication_and_documents_reach_the_right_screens(
    live_server: LiveServer, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    await advance(sessions, world, meeting_id, MeetingStatus.approved)
    delegate, observer, chair = (LiveClient(live_server.url) for _ in range(3))
    try:
        for client, name in ((delegate, "delegate"), (observer, "observer"), (chair, "chair")):
            await client.login(name)
            await client.connect()
            joined = await client.call("meeting:join", {"meeting_id": meeting_id})
            assert joined["ok"]
            # Not yet published: members see no agenda, the chair does.
            assert bool(joined["snapshot"]["agenda"]["items"]) is (name == "chair")
        published = await chair.http.post(f"/api/meetings/{meeting_id}/transitions/publish",
                                          json={})
        assert published.status_code == 200
        for client in (delegate, observer):
            await client.wait_for(lambda c=client: any(
                e["type"] == "meeting.status" and e["data"]["status"] == "published"
                for e in c.events))
            await client.wait_for(lambda c=client: any(
                n[1].get("status") == "published" for n in c.notices))

        secretary = httpx.AsyncClient(base_url=live_server.url)
        login = await secretary.post("/api/login", json={"username": "secretary",
                                                         "password": "correct-horse-42"})
        secretary.headers["x-csrf-token"] = login.json()["csrf_token"]
        secret = (await secretary.post(
            f"/api/agenda/items/{item_id}/documents",
            files={"file": ("mat.pdf", pdfs.agenda_pdf(1, marker="mật"), "application/pdf")},
            data={"restricted": "true", "readers": str(world["delegate"].id)})).json()
        public = (await secretary.post(
            f"/api/agenda/items/{item_id}/documents",
            files={"file": ("cong-khai.pdf", pdfs.agenda_pdf(2), "application/pdf")})).json()
        await secretary.aclose()

        def ready(client: LiveClient, doc_id: int) -> bool:
            doc = documents_seen(client).get(doc_id)
            return bool(doc and doc["version"]["status"] == "ready")

        # Processing state reaches the screens: the document turns ready live.
        await delegate.wait_for(lambda: ready(delegate, secret["id"]) and
                                ready(delegate, public["id"]), seconds=20)
        await observer.wait_for(lambda: ready(observer, public["id"]), seconds=20)
        assert secret["id"] not in documents_seen(observer)
        assert secret["id"] not in documents_seen(chair)
        # The observer got a placeholder for each of the restricted document's events.
        delegate_seqs = {e["seq"] for e in delegate.events
                         if e["type"] == "document.updated"
                         and e["data"]["document"]["id"] == secret["id"]}
        hidden = {e["seq"] for e in observer.events if e["type"] == "hidden"}
        assert delegate_seqs and delegate_seqs <= hidden
        assert "mật.pdf" not in str(observer.events) and "mat.pdf" not in str(observer.events)
    finally:
        for client in (delegate, observer, chair):
            await client.close()
