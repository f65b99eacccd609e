"""One's own password: changed with the current one, the other sessions ended, audited; a
password an administrator chose (a new account, a reset) must be changed at the next login."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db
from ecabinet.models import AuditEntry
from tests.conftest import PASSWORD, World

NEW = "mat-khau-moi-2027"


async def test_the_owner_changes_it_and_the_other_sessions_end(
        world: World, client_factory: Any, sessions: async_sessionmaker[AsyncSession]) -> None:
    tablet = await client_factory("delegate")
    desk = await client_factory("delegate")
    assert (await desk.get("/api/session")).json()["user"]["must_change_password"] is False

    wrong = await desk.post("/api/me/password", json={"current_password": "doan-sai-roi",
                                                      "new_password": NEW})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "current_password_wrong")
    short = await desk.post("/api/me/password", json={"current_password": PASSWORD,
                                                      "new_password": "ngan"})
    assert short.json()["error"]["code"] == "password_too_short"
    same = await desk.post("/api/me/password", json={"current_password": PASSWORD,
                                                     "new_password": PASSWORD})
    assert same.json()["error"]["code"] == "password_unchanged"
    assert (await tablet.get("/api/session")).json()["user"]  # nothing changed yet

    changed = await desk.post("/api/me/password", json={"current_password": PASSWORD,
                                                        "new_password": NEW})
    assert changed.status_code == 200, changed.text
    # This session goes on; the tablet's ended with the old password.
    assert (await desk.get("/api/session")).json()["user"]["username"] == "delegate"
    assert (await tablet.get("/api/session")).json().get("user") is None
    fresh = await client_factory()
    assert (await fresh.login("delegate")).status_code == 401
    assert (await fresh.login("delegate", NEW)).status_code == 200
    async with db.transaction(sessions) as s:
        audited = await s.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "user.password", AuditEntry.actor_id == world["delegate"].id))
    assert audited == 1


async def test_a_password_an_administrator_chose_must_be_changed(
        world: World, client_factory: Any) -> None:
    admin = await client_factory("admin")
    made = await admin.post("/api/users", json={
        "username": "canbo.moi", "full_name": "Cán bộ Mới", "password": "cap-boi-quan-tri",
        "role": "delegate", "unit_id": world.province})
    assert made.status_code == 201, made.text
    assert made.json()["must_change_password"] is True
    newcomer = await client_factory()
    login = await newcomer.login("canbo.moi", "cap-boi-quan-tri")
    assert login.json()["user"]["must_change_password"] is True
    done = await newcomer.post("/api/me/password", json={
        "current_password": "cap-boi-quan-tri", "new_password": NEW})
    assert done.status_code == 200
    assert (await newcomer.get("/api/session")).json()["user"]["must_change_password"] is False

    # A reset by the administrator asks again; the owner's own change does not.
    uid = made.json()["id"]
    reset = await admin.put(f"/api/users/{uid}", json={"password": "dat-lai-lan-nua"})
    assert reset.json()["must_change_password"] is True
    again = await client_factory()
    assert (await again.login("canbo.moi", "dat-lai-lan-nua")).json()["user"][
        "must_change_password"] is True
