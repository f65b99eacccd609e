"""Login, logout and the current session."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecabinet import accounts, payload
from ecabinet.api.context import (
    LANG_COOKIE,
    authed,
    json_body,
    ok,
    sessions_of,
    settings_of,
)
from ecabinet.api.spec import BOOL, INT, STR, obj, operation
from ecabinet.errors import Forbidden, Invalid, TooManyRequests, Unauthenticated
from ecabinet.models import User

USER_SCHEMA = obj(
    id=INT, username=STR, full_name=STR, title=STR, role=STR, unit_id=INT, language=STR,
    active=BOOL,
)


def user_view(user: User) -> dict[str, Any]:
    """An account as the UI shows it (never the password hash)."""
    return {
        "id": user.id, "username": user.username, "full_name": user.full_name,
        "title": user.title, "role": user.role.value, "unit_id": user.unit_id,
        "language": user.language, "active": user.active,
        "locked": accounts.is_locked(user),
    }


@operation("Log in; sets the session cookie", tag="auth", public=True,
           body=obj(["username", "password"], username=STR, password=STR),
           response=obj(user=USER_SCHEMA, csrf_token=STR))
async def login(request: Request) -> Response:
    """Check the password, start a session and set its HttpOnly cookie."""
    settings = settings_of(request)
    client = request.client.host if request.client else "?"
    if not request.app.state.login_limiter.allow(client):
        raise TooManyRequests("too_many_logins")
    body = await json_body(request)
    username = payload.text(body, "username", max_length=80)
    password = payload.text(body, "password", max_length=200)
    policy = accounts.LoginPolicy(
        settings.login_max_failures, settings.login_lock_seconds, settings.session_max_age
    )
    async with sessions_of(request)() as db:
        try:
            async with db.begin():
                login_row = await accounts.authenticate(db, username, password, policy)
                user = await accounts.get_user(db, login_row.user_id)
        except Unauthenticated:
            # Counted in a transaction of its own: the refusal rolled the first one back.
            async with db.begin():
                locked = await accounts.record_failure(db, username, policy)
            if locked:
                raise Forbidden(
                    "account_locked", minutes=max(1, settings.login_lock_seconds // 60)
                ) from None
            raise
    response = JSONResponse({"user": user_view(user), "csrf_token": login_row.csrf_token})
    response.set_cookie(
        accounts.SESSION_COOKIE, accounts.sign_token(settings.secret_key, login_row.token),
        max_age=settings.session_max_age, httponly=True, samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


@operation("Log out; the session cannot be used again", tag="auth")
async def logout(request: Request) -> Response:
    """Revoke the session server-side and clear the cookie."""
    async with authed(request) as ctx:
        await accounts.logout(ctx.db, ctx.login.token)
    response = JSONResponse({"ok": True})
    response.delete_cookie(accounts.SESSION_COOKIE)
    return response


@operation("The logged-in user and the CSRF token", tag="auth",
           response=obj(user=USER_SCHEMA, csrf_token=STR))
async def current(request: Request) -> Response:
    """Who is logged in, for the UI's start-up."""
    async with authed(request) as ctx:
        return ok({"user": user_view(ctx.user), "csrf_token": ctx.login.csrf_token})


@operation("Choose the UI language (vi or en)", tag="auth", public=True,
           body=obj(["language"], language=STR))
async def set_language(request: Request) -> Response:
    """Remember the language in a cookie, and on the account when logged in."""
    body = await json_body(request)
    language = payload.text(body, "language", max_length=5)
    if language not in ("vi", "en"):
        raise Invalid("field_invalid", field="language")
    settings = settings_of(request)
    if accounts.read_cookie_token(settings.secret_key,
                                  request.cookies.get(accounts.SESSION_COOKIE)):
        async with authed(request) as ctx:
            ctx.user.language = language
    response = JSONResponse({"language": language})
    response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response


routes = [
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/session", current, methods=["GET"]),
    Route("/api/language", set_language, methods=["POST"]),
]
