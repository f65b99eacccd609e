"""Every agenda and document route, for every role, before and after publication."""

from __future__ import annotations

from typing import Any

import pytest

from ecabinet.models import MeetingStatus
from tests.conftest import World
from tests.documents import pdfs
from tests.documents.conftest import add_item, add_pdf, advance
from tests.test_meetings import make_meeting

S = MeetingStatus
ROLES = ["admin", "secretary", "chair", "chair2", "delegate", "delegate2", "outsider", "room",
         "observer", "district_secretary"]
MEMBERS = {"admin", "secretary", "chair", "delegate", "room", "observer"}
PREPARERS = {"secretary", "chair"}
WRITES = {"add_item", "update_item", "reorder", "upload", "rename"}
DOCUMENT_READS = {"document", "page", "words", "thumbnail", "original", "annotate"}


def expected(role: str, published: bool, action: str) -> int:
    """The status code each role must get."""
    if role not in MEMBERS:
        return 404
    sees_documents = published or role in PREPARERS
    if action in WRITES:
        if role == "secretary":
            return 201 if action in {"add_item", "upload"} else 200
        # Asking to change a document one cannot see says it does not exist.
        return 404 if action == "rename" and not sees_documents else 403
    if action in DOCUMENT_READS:
        if not sees_documents:
            return 404
        return 201 if action == "annotate" else 200
    return 200  # agenda, search and briefcase answer members, with what they may see


@pytest.mark.parametrize("status", [S.draft, S.published])
async def test_role_by_action_matrix(app: Any, client_factory: Any, world: World, sessions: Any,
                                     status: MeetingStatus) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    doc_id, version_id = await add_pdf(app, sessions, world, item_id, pdfs.agenda_pdf(2))
    await advance(sessions, world, meeting_id, status)
    page = f"/api/documents/{doc_id}/versions/{version_id}/pages/1"
    pdf = pdfs.agenda_pdf(1, marker="matrix")
    secretary = await client_factory("secretary")
    mismatches = []
    for role in ROLES:
        client = await client_factory(role)

        async def reorder(client: Any = client) -> Any:
            agenda = (await secretary.get(f"/api/meetings/{meeting_id}/agenda")).json()
            ids = [i["id"] for i in agenda["agenda"]["items"]]
            return await client.put(f"/api/meetings/{meeting_id}/agenda/order",
                                    json={"item_ids": ids[::-1]})

        calls = {
            "agenda": client.get(f"/api/meetings/{meeting_id}/agenda"),
            "add_item": client.post(f"/api/meetings/{meeting_id}/agenda/items",
                                    json={"title": f"Nội dung của {role}"}),
            "update_item": client.put(f"/api/agenda/items/{item_id}",
                                      json={"title": "Kế hoạch 2026 (sửa)"}),
            "reorder": reorder(),
            "upload": client.post(f"/api/agenda/items/{item_id}/documents",
                                  files={"file": ("m.pdf", pdf, "application/pdf")}),
            "rename": client.put(f"/api/documents/{doc_id}", json={"title": "Tờ trình (sửa)"}),
            "document": client.get(f"/api/documents/{doc_id}"),
            "page": client.get(f"{page}/image?w=480"),
            "words": client.get(f"{page}/words"),
            "thumbnail": client.get(f"{page}/thumbnail"),
            "original": client.get(f"/api/documents/{doc_id}/versions/{version_id}/original"),
            "search": client.get(f"/api/meetings/{meeting_id}/search", params={"q": "ke hoach"}),
            "annotate": client.post(f"/api/documents/{doc_id}/annotations", json={
                "version_id": version_id, "page": 1, "kind": "note",
                "data": {"x": 0.5, "y": 0.5, "text": "Ý kiến"}}),
            "briefcase": client.get(f"/api/meetings/{meeting_id}/briefcase?w=480"),
        }
        for action, call in calls.items():
            response = await call
            want = expected(role, status == S.published, action)
            if response.status_code != want:
                mismatches.append((role, action, response.status_code, want, response.text[:80]))
            if action == "agenda" and response.status_code == 200:
                items = response.json()["agenda"]["items"]
                if bool(items) != (status == S.published or role in PREPARERS):
                    mismatches.append((role, "agenda items", len(items)))
            if action == "search" and response.status_code == 200:
                hits = response.json()["hits"]
                if bool(hits) != (status == S.published or role in PREPARERS):
                    mismatches.append((role, "search hits", len(hits)))
            if action == "briefcase" and response.status_code == 200:
                if response.json()["keep"] != (status == S.published and role in MEMBERS):
                    mismatches.append((role, "briefcase", response.json()["keep"]))
    assert mismatches == []


async def test_anonymous_and_forged_requests_are_refused(
    client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    anonymous = await client_factory()
    assert (await anonymous.get(f"/api/meetings/{meeting_id}/agenda")).status_code == 401
    assert (await anonymous.get("/api/documents/1/versions/1/pages/1/image")).status_code == 401
    secretary = await client_factory("secretary")
    del secretary.headers["x-csrf-token"]
    forged = await secretary.post(f"/api/agenda/items/{item_id}/documents",
                                  files={"file": ("a.pdf", pdfs.agenda_pdf(1), "application/pdf")})
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf_failed"
