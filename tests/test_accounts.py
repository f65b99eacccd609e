"""Accounts and login: passwords, lock-out, sessions, CSRF, admin management."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from ecabinet import accounts, db
from ecabinet.errors import Unauthenticated
from ecabinet.models import AuditEntry, LoginSession, User
from ecabinet.models.base import utcnow
from tests.conftest import PASSWORD, Client, World


async def test_password_is_argon2_and_never_stored_plain(world: World, sessions: Any) -> None:
    async with db.transaction(sessions) as s:
        user = await s.scalar(select(User).where(User.username == "delegate"))
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert accounts.check_password(user.password_hash, PASSWORD)
    assert not accounts.check_password(user.password_hash, PASSWORD + "x")


async def test_login_sets_httponly_cookie_and_session_works(world: World, client_factory: Any
                                                            ) -> None:
    client = await client_factory()
    response = await client.login("delegate")
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    me = await client.get("/api/session")
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "delegate"
    assert "password_hash" not in me.json()["user"]


async def test_wrong_password_is_refused_in_the_users_language(world: World, client_factory: Any
                                                               ) -> None:
    client = await client_factory()
    response = await client.login("delegate", "wrong-password")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_credentials"
    assert "mật khẩu" in response.json()["error"]["message"]
    client.headers["accept-language"] = "en-US,en;q=0.9"
    response = await client.login("delegate", "wrong-password")
    assert response.json()["error"]["message"] == "Wrong username or password."
    unknown = await client.login("nobody", "whatever-123")
    assert unknown.status_code == 401
    assert unknown.json()["error"]["code"] == "bad_credentials"



async def test_failed_logins_are_audited_with_the_name_typed_and_the_address(
        world: World, client_factory: Any, sessions: Any) -> None:
    client = await client_factory()
    assert (await client.login("Delegate", "wrong-password")).status_code == 401
    assert (await client.login("nobody", "whatever-123")).status_code == 401
    assert (await client.login("delegate")).status_code == 200
    async with db.transaction(sessions) as s:
        failed = list((await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "user.login_failed").order_by(AuditEntry.id))).all())
    assert [(e.object_id, e.data["username"]) for e in failed] == [
        (str(world["delegate"].id), "delegate"), ("", "nobody")]
    assert all(e.actor_id is None and e.data["address"] for e in failed)


async def test_repeated_failures_slow_that_address_down_and_never_lock_the_account(
        world: World, client_factory: Any, app: Any) -> None:
    client = await client_factory()
    codes = [(await client.login("delegate", "nope-nope")).json()["error"]["code"]
             for _ in range(5)]
    assert codes == ["bad_credentials"] * 5
    # The sixth try from this address waits, even with the right password...
    held = await client.login("delegate")
    assert held.status_code == 429
    assert held.json()["error"]["code"] == "login_throttled"
    assert int(held.headers["retry-after"]) >= 1
    # ...but the account is not locked: its owner on another device logs in.
    async with Client(transport=httpx.ASGITransport(app=app, client=("10.1.2.3", 40000)),
                      base_url="http://testserver") as owner:
        assert (await owner.login("delegate")).status_code == 200


async def test_logout_invalidates_the_session_server_side(world: World, client_factory: Any
                                                          ) -> None:
    client = await client_factory("delegate")
    stolen_cookie = dict(client.cookies)
    assert (await client.post("/api/logout")).status_code == 200
    # Replaying the old cookie after logout must not work.
    replay = await client_factory()
    replay.cookies.update(stolen_cookie)
    # /api/session answers "nobody" (the login page asks it); other routes refuse.
    assert (await replay.get("/api/session")).json()["user"] is None
    response = await replay.get("/api/meetings")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


async def test_tampered_cookie_is_refused(world: World, client_factory: Any) -> None:
    client = await client_factory("delegate")
    value = client.cookies["ecabinet_session"]
    client.cookies.clear()
    client.cookies["ecabinet_session"] = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    assert (await client.get("/api/meetings")).status_code == 401
    assert (await client.get("/api/session")).json() == {"user": None, "csrf_token": ""}


async def test_state_changing_request_needs_csrf_token(world: World, client_factory: Any
                                                       ) -> None:
    client = await client_factory("admin")
    del client.headers["x-csrf-token"]
    response = await client.post("/api/units", json={"name": "X", "kind": "commune"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    client.headers["x-csrf-token"] = "forged"
    unit = {"name": "X", "kind": "commune"}
    assert (await client.post("/api/units", json=unit)).status_code == 403
    client.headers["x-csrf-token"] = client.csrf
    assert (await client.post("/api/units", json=unit)).status_code == 201


async def test_admin_manages_accounts_and_others_cannot(world: World, client_factory: Any
                                                        ) -> None:
    admin = await client_factory("admin")
    body = {"username": "NewUser", "full_name": "Trần Thị Mai", "password": "mat-khau-123",
            "role": "delegate", "unit_id": world.district}
    created = await admin.post("/api/users", json=body)
    assert created.status_code == 201
    assert created.json()["username"] == "newuser"
    again = await admin.post("/api/users", json=body)
    assert again.status_code == 409
    short = await admin.post("/api/users", json={**body, "username": "x2", "password": "123"})
    assert short.status_code == 422 and short.json()["error"]["code"] == "password_too_short"
    for name in ("secretary", "chair", "delegate", "room", "observer"):
        other = await client_factory(name)
        refused = await other.post("/api/users", json={**body, "username": f"u-{name}"})
        assert refused.status_code == 403, name
    # Deactivating ends the user's sessions.
    victim = await client_factory("delegate2")
    assert (await admin.put(f"/api/users/{world['delegate2'].id}",
                            json={"active": False})).status_code == 200
    assert (await victim.get("/api/session")).json()["user"] is None
    assert (await victim.get("/api/meetings")).status_code == 401


async def test_login_rate_limit_per_address(world: World, client_factory: Any, app: Any) -> None:
    app.starlette.state.login_limiter.limit = 3
    client = await client_factory()
    statuses = [(await client.login(f"ghost{i}", "whatever-1")).status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]


def _write_lock_free(database_url: str) -> bool | None:
    """Whether another connection could take SQLite's write lock now (None: not SQLite)."""
    if not db.is_sqlite(database_url):
        return None
    path = database_url.split(":///", 1)[1]
    # A background writer of the app may hold the lock for a moment: wait for it, as the
    # other logins would. A lock held by the login being checked would outlast the wait.
    probe = sqlite3.connect(path, timeout=1, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


async def test_the_password_is_checked_off_the_event_loop_and_outside_the_write_lock(
        world: World, client_factory: Any, database_url: str, monkeypatch: Any) -> None:
    # A hall of tablets logging in at once: each Argon2 check (tens of milliseconds) must
    # neither hold the database's one write lock, so the others queue past their timeout,
    # nor run on the event loop, so every screen's events wait behind it.
    loop_thread = threading.get_ident()
    seen: list[tuple[bool, bool | None]] = []
    real = accounts.check_password

    def watched(stored: str, password: str) -> bool:
        seen.append((threading.get_ident() != loop_thread, _write_lock_free(database_url)))
        return real(stored, password)

    monkeypatch.setattr(accounts, "check_password", watched)
    client = await client_factory()
    assert (await client.login("delegate")).status_code == 200
    assert (await client.login("delegate", PASSWORD + "x")).status_code == 401
    assert (await client.login("nobody-here")).status_code == 401
    free = None if not db.is_sqlite(database_url) else True
    assert seen == [(True, free)] * 3


async def test_new_passwords_are_hashed_off_the_event_loop_and_outside_the_write_lock(
        world: World, client_factory: Any, database_url: str, monkeypatch: Any) -> None:
    # Accounts made for a whole council at once must not queue on the write lock either;
    # and nobody but an admin makes the server spend the Argon2 work.
    admin = await client_factory("admin")
    delegate = await client_factory("delegate")
    loop_thread = threading.get_ident()
    seen: list[tuple[bool, bool | None]] = []
    real = accounts.hash_password

    def watched(password: str) -> str:
        seen.append((threading.get_ident() != loop_thread, _write_lock_free(database_url)))
        return real(password)

    monkeypatch.setattr(accounts, "hash_password", watched)
    body = {"username": "moi", "full_name": "Lê Văn Mới", "password": "mat-khau-123",
            "role": "delegate", "unit_id": world.district}
    assert (await delegate.post("/api/users", json=body)).status_code == 403
    assert seen == []
    created = await admin.post("/api/users", json=body)
    assert created.status_code == 201
    changed = await admin.put(f"/api/users/{created.json()['id']}",
                              json={"password": "mat-khau-moi-456"})
    assert changed.status_code == 200
    free = None if not db.is_sqlite(database_url) else True
    assert seen == [(True, free)] * 2
    # The new password opens the account.
    newcomer = await client_factory()
    assert (await newcomer.login("moi", "mat-khau-moi-456")).status_code == 200


async def test_the_live_channels_handshake_accepts_only_a_live_session(
        world: World, sessions: Any) -> None:
    login, user = await accounts.authenticate(sessions, "delegate", PASSWORD,
                                              accounts.LoginPolicy())
    reads = db.read_only(sessions)
    try:
        async with reads() as s:
            assert (await accounts.session_user(s, login.token)).id == user.id
            with pytest.raises(Unauthenticated, match="not_logged_in"):
                await accounts.session_user(s, "no-such-token")
        # Expired, the user deactivated, logged out: each is refused, as HTTP refuses it.
        for change in (
                update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)),
                update(User).where(User.id == user.id).values(active=False),
                update(LoginSession).values(revoked_at=utcnow())):
            async with db.transaction(sessions) as s:
                await s.execute(change)
            async with reads() as s:
                with pytest.raises(Unauthenticated, match="session_expired"):
                    await accounts.resolve_session(s, login.token)
                with pytest.raises(Unauthenticated, match="session_expired"):
                    await accounts.session_user(s, login.token)
            async with db.transaction(sessions) as s:  # live again for the next case
                await s.execute(update(LoginSession).values(
                    expires_at=utcnow() + timedelta(hours=1), revoked_at=None))
                await s.execute(update(User).where(User.id == user.id).values(active=True))
    finally:
        await db.close_derived(reads, sessions)
