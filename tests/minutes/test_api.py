"""Every route of minutes, conclusions, tasks and signing, for every role, through the life
of a meeting: the allowed role succeeds, everyone else is refused and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import Client, World
from tests.minutes.conftest import PASSPHRASE, Pki

ROLES = ("admin", "secretary", "chair", "chair2", "delegate", "outsider", "room", "observer",
         "district_secretary")
MEMBERS = {"admin", "secretary", "chair", "delegate", "room", "observer"}
EVERYONE = set(ROLES)


class Matrix:
    """Logged-in clients per role, and the assertion that only `allowed` roles get through."""

    def __init__(self, clients: dict[str, Client], anonymous: Client) -> None:
        self.clients = clients
        self.anonymous = anonymous
        self.checked: list[tuple[str, str]] = []

    async def check(self, method: str, path: str, allowed: set[str], *, order: tuple[str, ...]
                    = (), ok: int = 200, **kwargs: Any) -> dict[str, Any]:
        """Denied roles first (403/404, nothing changes), then the allowed ones in `order`."""
        self.checked.append((method, path))
        anonymous = await self.anonymous.request(method, path, **kwargs)
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        for role in sorted(EVERYONE - allowed):
            refused = await self.clients[role].request(method, path, **kwargs)
            assert refused.status_code in (403, 404), (method, path, role, refused.text)
            assert set(refused.json()["error"]) == {"code", "message"}
        last: dict[str, Any] = {}
        for role in order or sorted(allowed):
            answer = await self.clients[role].request(method, path, **kwargs)
            assert answer.status_code == ok, (method, path, role, answer.text)
            if answer.headers["content-type"].startswith("application/json"):
                last = answer.json()
        return last


@pytest.fixture
async def matrix(client_factory: Any, world: World) -> Matrix:
    clients = {role: await client_factory(role) for role in ROLES}
    return Matrix(clients, await client_factory())


async def test_every_route_for_every_role(matrix: Matrix, world: World, adjourned: int,
                                         pki: Pki, app: Any) -> None:
    m = f"/api/meetings/{adjourned}"
    admin = matrix.clients["admin"]

    # -- signing keys and trusted roots: the admin's ----------------------------------
    await matrix.check("GET", "/api/signing/keys", {"admin"})
    await matrix.check("GET", "/api/signing/trust-roots", {"admin"})
    root = await matrix.check("POST", "/api/signing/trust-roots", {"admin"}, ok=201,
                              files={"file": ("root.pem", pki.root_pem, "application/x-pem")})
    for name in ("secretary", "chair"):
        store = pki.keystore(world[name].full_name, "UBND tỉnh Thừa Thiên Huế")
        await matrix.check("POST", "/api/signing/keys/pkcs12", {"admin"}, ok=201,
                           data={"user_id": str(world[name].id), "passphrase": PASSPHRASE},
                           files={"file": ("key.p12", store, "application/x-pkcs12")})
    spare = await admin.post("/api/signing/keys/pkcs12", data={
        "user_id": str(world["chair2"].id), "passphrase": PASSPHRASE}, files={
        "file": ("k.p12", pki.keystore(world["chair2"].full_name, "UBND"), "application/x-pkcs12")})
    assert spare.status_code == 201
    await matrix.check("DELETE", f"/api/signing/keys/{spare.json()['id']}", {"admin"})
    await matrix.check("POST", "/api/signing/keys/pkcs11", {"admin"}, ok=422, json={
        "user_id": world["chair"].id, "module_path": "/nonexistent/libtoken.so",
        "token_label": "t", "key_label": "k", "certificate": "x"})
    await matrix.check("GET", "/api/signing/my-key", EVERYONE)
    mine = await matrix.clients["chair"].get("/api/signing/my-key")
    assert mine.json()["key"]["subject_name"] == world["chair"].full_name

    # -- minutes -------------------------------------------------------------------------
    readers = MEMBERS
    await matrix.check("GET", f"{m}/minutes", readers)
    drafted = await matrix.check("POST", f"{m}/minutes/draft", {"secretary"})
    sections = drafted["minutes"]["sections"]
    await matrix.check("PUT", f"{m}/minutes", {"secretary"},
                       json={"sections": sections, "version": None})
    await matrix.check("POST", f"{m}/minutes/submit", {"secretary"})
    await matrix.check("POST", f"{m}/minutes/return", {"chair"}, json={"comment": "Sửa lại"})
    assert (await matrix.clients["secretary"].post(f"{m}/minutes/submit")).status_code == 200
    await matrix.check("POST", f"{m}/minutes/approve", {"chair"})
    await matrix.check("GET", f"{m}/minutes/pdf", {"admin", "secretary", "chair"})
    # Secretary first, then chair; the chair's early attempt is "not your turn", not a refusal.
    early = await matrix.clients["chair"].post(f"{m}/minutes/sign",
                                               json={"passphrase": PASSPHRASE})
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_your_turn"
    signed = await matrix.check("POST", f"{m}/minutes/sign", {"secretary", "chair"},
                                order=("secretary", "chair"), json={"passphrase": PASSPHRASE})
    assert signed["minutes"]["status"] == "signed"
    pdf = await matrix.check("GET", f"{m}/minutes/pdf", readers)
    assert pdf == {}  # a PDF, not JSON
    minutes_pdf = (await matrix.clients["delegate"].get(f"{m}/minutes/pdf")).content
    assert minutes_pdf.startswith(b"%PDF")

    # -- conclusion notice ------------------------------------------------------------
    await matrix.check("GET", f"{m}/conclusion", readers)
    created = await matrix.check("POST", f"{m}/conclusion", {"secretary"})
    draft = created["conclusion"]
    deadline = (dt.date.today() + dt.timedelta(days=45)).isoformat()
    body = {
        "summary": draft["summary"], "opening": draft["opening"], "closing": draft["closing"],
        "recipient_unit_ids": [world.district], "version": draft["version"],
        "items": [{"id": draft["items"][0]["id"], "title": draft["items"][0]["title"],
                   "text": "Giao UBND huyện Phú Lộc chủ trì.",
                   "tasks": [{"content": "Báo cáo tiến độ giải phóng mặt bằng",
                              "deadline": deadline, "deliverable": "Báo cáo",
                              "responsible_unit_id": world.district}]}],
    }
    saved = await matrix.check("PUT", f"{m}/conclusion", {"secretary"}, json=body)
    assert len(saved["conclusion"]["items"]) == 1
    await matrix.check("POST", f"{m}/conclusion/submit", {"secretary"})
    await matrix.check("POST", f"{m}/conclusion/return", {"chair"},
                       json={"comment": "Bổ sung đơn vị phối hợp"})
    assert (await matrix.clients["secretary"].post(f"{m}/conclusion/submit")).status_code == 200
    issued = await matrix.check("POST", f"{m}/conclusion/sign", {"chair"},
                                json={"passphrase": PASSPHRASE})
    assert issued["conclusion"]["status"] == "issued"
    assert issued["conclusion"]["number"] == "01/TB-UBND"
    # Issued: members, and the district that carries a task though it is no member.
    await matrix.check("GET", f"{m}/conclusion/pdf", readers | {"district_secretary"})
    await matrix.check("GET", f"{m}/conclusion", readers | {"district_secretary"})

    # -- tasks --------------------------------------------------------------------------
    lists = {role: (await matrix.clients[role].get("/api/tasks")).json()["tasks"]
             for role in ROLES}
    assert {role for role, rows in lists.items() if rows} == {
        "admin", "secretary", "chair", "district_secretary"}
    await matrix.check("GET", "/api/tasks", EVERYONE)
    await matrix.check("GET", "/api/tasks.csv", EVERYONE)
    await matrix.check("GET", "/api/reminders", EVERYONE)
    task_id = lists["district_secretary"][0]["id"]
    followers = {"admin", "secretary", "chair", "district_secretary"}
    await matrix.check("GET", f"/api/tasks/{task_id}", followers)
    await matrix.check("POST", f"/api/tasks/{task_id}/progress", {"district_secretary"},
                       json={"progress": 40, "note": "Đang thực hiện"})
    done = await matrix.check("POST", f"/api/tasks/{task_id}/deliverable",
                              {"district_secretary"}, data={"note": "Báo cáo kèm theo"},
                              files={"file": ("bao-cao.pdf", b"%PDF-1.4 bao cao",
                                              "application/pdf")})
    assert done["status"] == "done" and done["state"] in ("done", "done_late")
    report_id = done["reports"][-1]["id"]
    await matrix.check("GET", f"/api/tasks/{task_id}/reports/{report_id}/file", followers)
    await matrix.check("POST", f"/api/tasks/{task_id}/reopen", {"secretary"},
                       json={"comment": "Thiếu số liệu"})

    # -- verification: anyone logged in ---------------------------------------------------
    report = await matrix.check("POST", "/api/verify", EVERYONE,
                                files={"file": ("bien-ban.pdf", minutes_pdf, "application/pdf")})
    assert report["verdict"] == "valid" and len(report["signatures"]) == 2
    assert report["issued_here"]["kind"] == "minutes" and report["issued_here"]["latest"]
    raw = await matrix.clients["observer"].post(
        "/api/verify", content=minutes_pdf, headers={"content-type": "application/pdf"})
    assert raw.status_code == 200 and raw.json()["verdict"] == "valid"
    await matrix.check("DELETE", f"/api/signing/trust-roots/{root['id']}", {"admin"})
    untrusted = (await admin.post("/api/verify", content=minutes_pdf,
                                  headers={"content-type": "application/pdf"})).json()
    assert untrusted["verdict"] == "indeterminate"
    assert not any(s["trusted"] for s in untrusted["signatures"])

    # A write without the CSRF header is refused even for the right role.
    csrf = await matrix.clients["secretary"].post(
        f"{m}/minutes/draft", headers={"x-csrf-token": "forged"})
    assert csrf.status_code == 403 and csrf.json()["error"]["code"] == "csrf_failed"

    # Every route of these features went through the matrix.
    from starlette.routing import Route

    from ecabinet.api import conclusions, minutes, tasks, verify

    ours = {(method, route.path.replace("{id:int}", str(adjourned)))
            for module in (minutes, conclusions, tasks, verify) for route in module.routes
            if isinstance(route, Route) for method in (route.methods or set()) - {"HEAD"}}
    checked = {(method, _template(path)) for method, path in matrix.checked}
    assert {(method, _template(path)) for method, path in ours} <= checked


def _template(path: str) -> str:
    """Path with numeric segments generalised, to compare checked paths with route paths."""
    import re

    return re.sub(r"/(\d+)(?=/|$)", "/#", re.sub(r"\{\w+:int\}", "#", path))
