"""Accounts: listed for those who invite people, managed by admins."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import accounts, payload
from ecabinet.api.auth import LANGUAGE, USER_SCHEMA, user_view
from ecabinet.api.context import authed, json_body, ok
from ecabinet.api.spec import BOOL, ID, STR, arr, enum_of, nullable, obj, operation
from ecabinet.errors import Invalid
from ecabinet.models import Role

ROLE = enum_of(Role)
USER_BODY = obj(
    ["username", "full_name", "password", "role"], username=STR, full_name=STR, password=STR,
    role=ROLE, unit_id=nullable(ID), title=nullable(STR), language=nullable(LANGUAGE),
    email=STR,
)
# Every field may be left out: what is sent changes. A new password or deactivation ends
# the account's sessions.
USER_CHANGE = obj(
    full_name=nullable(STR), title=nullable(STR), role=nullable(ROLE), unit_id=nullable(ID),
    active=BOOL, password=nullable(STR), language=nullable(LANGUAGE), email=STR,
)


@operation("Accounts (admins and secretaries)", tag="users", response=arr(USER_SCHEMA))
async def list_users(request: Request) -> Response:
    """Every account, for the admin screen and the meeting invitation form."""
    async with authed(request) as ctx:
        ctx.require(Role.admin, Role.secretary)
        return ok([user_view(u) for u in await accounts.list_users(ctx.db)])


async def _new_password(request: Request, body: dict[str, Any], *, required: bool
                        ) -> accounts.PasswordHash | None:
    # Hashed between two transactions: first who asks is checked (nobody else may make
    # the server spend Argon2 work), then the account is written with the hash ready.
    password = payload.text(body, "password", required=required, max_length=200)
    if not password:
        return None
    async with authed(request) as ctx:
        ctx.require(Role.admin)
    return await accounts.prepare_password(password)


@operation("Create an account (admin)", tag="users", body=USER_BODY, response=USER_SCHEMA,
           status=201, errors=[409])
async def create_user(request: Request) -> Response:
    """Add an account with a role and a unit."""
    body = await json_body(request)
    password = await _new_password(request, body, required=True)
    if password is None:  # a blank one is refused as missing above; this is for the types
        raise Invalid("field_required", field="password")
    async with authed(request) as ctx:
        ctx.require(Role.admin)
        user = await accounts.create_user(
            ctx.db,
            username=payload.text(body, "username", max_length=80),
            full_name=payload.text(body, "full_name", max_length=200),
            password=password,
            role=payload.text(body, "role", max_length=20),
            unit_id=payload.integer(body, "unit_id", required=False),
            title=payload.text(body, "title", required=False, max_length=200),
            language=payload.text(body, "language", required=False, default="vi"),
            actor_id=ctx.user.id,
            email=payload.text(body, "email", required=False, max_length=200),
            # The administrator chose it: its owner chooses their own at the first login.
            must_change_password=True,
        )
        return ok(user_view(user), 201)


@operation("Change an account (admin)", tag="users", body=USER_CHANGE, response=USER_SCHEMA,
           errors=[409])
async def update_user(request: Request) -> Response:
    """Edit, deactivate, unlock or reset the password of an account."""
    body = await json_body(request)
    password = await _new_password(request, body, required=False)
    async with authed(request) as ctx:
        ctx.require(Role.admin)
        user = await accounts.update_user(
            ctx.db, request.path_params["user_id"], actor_id=ctx.user.id,
            full_name=payload.text(body, "full_name", required=False, max_length=200) or None,
            title=payload.text(body, "title", required=False, max_length=accounts.MAX_TITLE)
            if "title" in body else None,
            role=payload.text(body, "role", required=False) or None,
            unit_id=payload.integer(body, "unit_id", required=False),
            active=payload.boolean(body, "active") if "active" in body else None,
            password=password,
            language=payload.text(body, "language", required=False) or None,
            email=payload.text(body, "email", required=False, max_length=200)
            if "email" in body else None,
        )
        return ok(user_view(user))


routes = [
    Route("/api/users", list_users, methods=["GET"]),
    Route("/api/users", create_user, methods=["POST"]),
    Route("/api/users/{user_id:int}", update_user, methods=["PUT"]),
]
