"""Service accounts call the API with tokens: shown once and kept hashed, scoped, expiring,
revocable, rate-limited, every use audited, and described in /openapi.json."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.routing import Route

from ecabinet import accounts, api_tokens, db
from ecabinet.app import api_routes
from ecabinet.models import ApiToken, AuditEntry, MeetingStatus, TaskStatus, User
from ecabinet.models.base import utcnow
from tests.conftest import World
from tests.minutes.test_tasks import issued_notice
from tests.test_meetings import make_meeting

IN_A_MONTH = (dt.date.today() + dt.timedelta(days=30)).isoformat()


def bearer(app: Any, secret: str) -> httpx.AsyncClient:
    """A client that sends only the token: no cookie, no CSRF header."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url="http://testserver",
                             headers={"authorization": f"Bearer {secret}"})


async def service_with_token(admin: Any, *, role: str = "secretary", unit_id: int | None,
                             scopes: list[str], rate: int = 120,
                             username: str = "eoffice") -> tuple[int, dict[str, Any]]:
    """A service account made over HTTP, with one token; the account id and the answer."""
    made = await admin.post("/api/service-accounts", json={
        "username": username, "full_name": "Hệ thống eOffice", "role": role,
        "unit_id": unit_id})
    assert made.status_code == 201, made.text
    issued = await admin.post(f"/api/service-accounts/{made.json()['id']}/tokens", json={
        "name": "Đồng bộ lịch họp", "scopes": scopes, "expires_on": IN_A_MONTH,
        "rate_per_minute": rate})
    assert issued.status_code == 201, issued.text
    return made.json()["id"], issued.json()


async def uses(sessions: async_sessionmaker[AsyncSession], token_id: int) -> list[str]:
    """The paths of the audited uses of a token, oldest first."""
    async with sessions() as s:
        rows = (await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "api_token.use", AuditEntry.object_id == str(token_id))
            .order_by(AuditEntry.id))).all()
        return [r.data["path"] for r in rows]


async def test_a_token_reads_what_its_account_may_see_within_its_scopes(
        app: Any, client_factory: Any, world: World,
        sessions: async_sessionmaker[AsyncSession]) -> None:
    published = await make_meeting(sessions, world, MeetingStatus.published)
    admin = await client_factory("admin")
    account_id, issued = await service_with_token(admin, unit_id=world.province,
                                                  scopes=["meetings:read"])
    secret = issued["secret"]
    assert secret.startswith("ecab_") and issued["token"]["prefix"] == secret[:12]
    assert issued["token"]["state"] == "active" and issued["token"]["scopes"] == [
        "meetings:read"]
    # Only the digest is kept, and the listing never shows the secret again.
    async with sessions() as s:
        stored = await s.scalar(select(ApiToken))
        assert stored is not None and stored.token_hash == api_tokens.digest(secret)
    listing = (await admin.get("/api/service-accounts")).json()
    assert secret not in str(listing)
    assert [a["id"] for a in listing["accounts"]] == [account_id]
    # A service account is nobody to invite: people lists leave it out.
    assert "eoffice" not in {u["username"] for u in (await admin.get("/api/users")).json()}

    async with bearer(app, secret) as system:
        mine = await system.get("/api/meetings")
        assert mine.status_code == 200, mine.text
        assert published in {m["id"] for m in mine.json()}
        assert (await system.get(f"/api/meetings/{published}")).status_code == 200
        # A read outside its scopes, and a route no token may call, are refused.
        refused = await system.get("/api/tasks")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "token_scope"
        assert "tasks:read" in refused.json()["error"]["message"]
        users = await system.get("/api/users")
        assert users.status_code == 403
        assert users.json()["error"]["code"] == "token_not_allowed"
    # The two accepted calls are in the audit log, the refused ones not.
    assert await uses(sessions, issued["token"]["id"]) == [
        "/api/meetings", f"/api/meetings/{published}"]
    listing = (await admin.get("/api/service-accounts")).json()
    assert listing["accounts"][0]["tokens"][0]["last_used_at"] is not None


async def test_expired_revoked_unknown_and_over_its_rate(
        app: Any, client_factory: Any, world: World,
        sessions: async_sessionmaker[AsyncSession]) -> None:
    admin = await client_factory("admin")
    _account, issued = await service_with_token(admin, unit_id=world.province,
                                                scopes=["meetings:read"], rate=3)
    token_id, secret = issued["token"]["id"], issued["secret"]
    async with bearer(app, secret) as system:
        answers = [(await system.get("/api/meetings")).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        over = await system.get("/api/meetings")
        assert over.json()["error"]["code"] == "token_rate"
        assert over.headers["retry-after"] == "60"
    assert len(await uses(sessions, token_id)) == 3

    async with bearer(app, "ecab_" + "x" * 43) as stranger:
        unknown = await stranger.get("/api/meetings")
        assert unknown.status_code == 401 and unknown.json()["error"]["code"] == "token_invalid"

    # Expired: its last day is past.
    _account2, second = await service_with_token(admin, unit_id=world.province,
                                                 scopes=["meetings:read"], username="lgsp")
    async with db.transaction(sessions) as s:
        await s.execute(update(ApiToken).where(ApiToken.id == second["token"]["id"])
                        .values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    async with bearer(app, second["secret"]) as system:
        expired = await system.get("/api/meetings")
        assert expired.status_code == 401
        assert expired.json()["error"]["code"] == "token_expired"
        assert "hết hạn" in expired.json()["error"]["message"]
    states = {t["id"]: t["state"] for a in (await admin.get("/api/service-accounts")).json()[
        "accounts"] for t in a["tokens"]}
    assert states[second["token"]["id"]] == "expired"

    # Revoked: at once, and for good.
    revoked = await admin.delete(f"/api/api-tokens/{token_id}")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    async with bearer(app, secret) as system:
        answer = await system.get("/api/units")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "token_revoked"


async def test_a_deactivated_service_account_and_password_login_are_refused(
        app: Any, client_factory: Any, world: World,
        sessions: async_sessionmaker[AsyncSession]) -> None:
    admin = await client_factory("admin")
    account_id, issued = await service_with_token(admin, unit_id=world.province,
                                                  scopes=["meetings:read"])
    # Even with a password an admin set, a service account never opens a browser session.
    password = await accounts.prepare_password("mat-khau-rat-dai-2026")
    async with db.transaction(sessions) as s:
        await accounts.update_user(s, account_id, actor_id=world["admin"].id,
                                   password=password)
    anonymous = await client_factory()
    login = await anonymous.post("/api/login", json={"username": "eoffice",
                                                     "password": "mat-khau-rat-dai-2026"})
    assert login.status_code == 401
    assert (await admin.put(f"/api/users/{account_id}", json={"active": False})
            ).status_code == 200
    async with bearer(app, issued["secret"]) as system:
        answer = await system.get("/api/meetings")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "token_revoked"


async def test_a_department_system_reads_and_reports_on_its_tasks(
        app: Any, client_factory: Any, world: World,
        sessions: async_sessionmaker[AsyncSession]) -> None:
    adjourned = await make_meeting(sessions, world, MeetingStatus.adjourned)
    later = dt.date.today() + dt.timedelta(days=20)
    mine, theirs = await issued_notice(sessions, world, adjourned, [
        ("Rà soát hồ sơ đất đai", later, TaskStatus.assigned, world.district, None),
        ("Báo cáo giải ngân", later, TaskStatus.assigned, world.other_district, None),
    ])
    admin = await client_factory("admin")
    _account, issued = await service_with_token(
        admin, role="delegate", unit_id=world.district, scopes=["tasks:read", "tasks:write"])
    async with bearer(app, issued["secret"]) as system:
        listed = await system.get("/api/tasks")
        assert listed.status_code == 200, listed.text
        assert [t["id"] for t in listed.json()["tasks"]] == [mine]
        hidden = await system.get(f"/api/tasks/{theirs}")
        assert hidden.status_code == 404
        reported = await system.post(f"/api/tasks/{mine}/progress",
                                     json={"progress": 40, "note": "Đã rà soát 40 hồ sơ"})
        assert reported.status_code == 200, reported.text
        # Reading meetings is another scope.
        assert (await system.get("/api/meetings")).status_code == 403
        detail = (await (await client_factory("secretary")).get(f"/api/tasks/{mine}")).json()
        assert detail["progress"] == 40 and detail["status"] == "in_progress"
        assert detail["reports"][-1]["author"] == "Hệ thống eOffice"
        # The result, as a file: checked, read, then written, and still one use.
        done = await system.post(f"/api/tasks/{mine}/deliverable",
                                 data={"note": "Báo cáo kết quả rà soát"},
                                 files={"file": ("bao-cao.txt", "Đã rà soát 112 hồ sơ".encode(),
                                                 "text/plain")})
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "done"
    assert await uses(sessions, issued["token"]["id"]) == [
        "/api/tasks", f"/api/tasks/{theirs}", f"/api/tasks/{mine}/progress",
        f"/api/tasks/{mine}/deliverable"]


async def test_bad_input_is_refused_and_nothing_is_written(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    admin = await client_factory("admin")
    as_admin = await admin.post("/api/service-accounts", json={
        "username": "quantri", "full_name": "Máy", "role": "admin"})
    assert as_admin.status_code == 422
    assert as_admin.json()["error"]["code"] == "service_role_invalid"
    account_id, _ = await service_with_token(admin, unit_id=None, scopes=["tasks:read"])
    url = f"/api/service-accounts/{account_id}/tokens"
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    far = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    for body, code in [
        ({"name": "A", "scopes": ["tasks:read"], "expires_on": yesterday},
         "token_expiry_invalid"),
        ({"name": "A", "scopes": ["tasks:read"], "expires_on": far}, "token_expiry_invalid"),
        ({"name": "A", "scopes": [], "expires_on": IN_A_MONTH}, "token_scopes_required"),
        ({"name": "A", "scopes": ["admin:all"], "expires_on": IN_A_MONTH},
         "token_scopes_invalid"),
        ({"name": "A", "scopes": ["tasks:read"], "expires_on": IN_A_MONTH,
          "rate_per_minute": 0}, "token_rate_invalid"),
    ]:
        answer = await admin.post(url, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["error"]["code"] == code
    # A person's account gets no token.
    person = await admin.post(f"/api/service-accounts/{world['delegate'].id}/tokens", json={
        "name": "A", "scopes": ["tasks:read"], "expires_on": IN_A_MONTH})
    assert person.status_code == 404
    async with sessions() as s:
        assert len((await s.scalars(select(ApiToken))).all()) == 1
        assert await s.scalar(select(User.id).where(User.username == "quantri")) is None


async def test_openapi_describes_bearer_tokens_on_the_operations_that_take_them(
        client_factory: Any) -> None:
    spec = (await (await client_factory()).get("/openapi.json")).json()
    scheme = spec["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    paths = spec["paths"]
    assert {"bearer": ["tasks:read"]} in paths["/api/tasks"]["get"]["security"]
    assert {"bearer": ["tasks:write"]} in paths["/api/tasks/{task_id}/progress"]["post"][
        "security"]
    assert "429" in paths["/api/tasks"]["get"]["responses"]
    assert all("bearer" not in alt for alt in paths["/api/users"]["get"]["security"])


async def test_a_token_with_every_scope_still_reaches_no_other_route(
        app: Any, client_factory: Any, world: World,
        sessions: async_sessionmaker[AsyncSession]) -> None:
    """Routes that take no token (admin, voting, signing, the live hall...) refuse one."""
    published = await make_meeting(sessions, world, MeetingStatus.published)
    admin = await client_factory("admin")
    _account, issued = await service_with_token(admin, unit_id=world.province,
                                                scopes=list(api_tokens.SCOPES), rate=6000)
    checked = 0
    async with bearer(app, issued["secret"]) as system:
        for path, route in _api_routes():
            scope = getattr(route.endpoint, "__openapi__", {}).get("scope")
            meta = getattr(route.endpoint, "__openapi__", {})
            if scope is not None or meta.get("public") or meta.get("session_optional"):
                continue
            url = re.sub(r"{\w+:int}", str(published), path)
            url = re.sub(r"{(\w+)(?::\w+)?}", "x", url)
            for method in sorted((route.methods or set()) - {"HEAD"}):
                answer = await system.request(method, url, json={})
                assert answer.status_code in (401, 403, 404, 405, 422), (method, path, answer.text)
                if answer.status_code == 403:
                    assert answer.json()["error"]["code"] == "token_not_allowed", (method, path)
                checked += 1
    assert checked > 100
    # Nothing was done in the token's name: no audited use at all.
    assert await uses(sessions, issued["token"]["id"]) == []


def _api_routes() -> list[tuple[str, Route]]:
    found: list[tuple[str, Route]] = []
    for route in api_routes():
        if isinstance(route, Route) and route.path.startswith("/api/"):
            found.append((route.path, route))
    return found
