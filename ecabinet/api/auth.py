"""Login, logout and the current session."""

from __future__ import annotations

import ipaddress
import logging
import math
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecabinet import accounts, payload
from ecabinet.api.context import (
    LANG_COOKIE,
    authed,
    json_body,
    language_of,
    ok,
    sessions_of,
    settings_of,
)
from ecabinet.api.spec import BOOL, ID, OK, STR, enum_of, named, nullable, obj, operation, record
from ecabinet.config import Settings
from ecabinet.errors import Forbidden, Invalid, TooManyRequests, Unauthenticated, refusal_of
from ecabinet.i18n import LANGUAGES
from ecabinet.models import Role, User
from ecabinet.ratelimit import Backoff

log = logging.getLogger(__name__)
_DEFAULT_PORTS = {"http": 80, "https": 443}

LANGUAGE = enum_of(LANGUAGES)
USER_SCHEMA = named("User", record(
    id=ID, username=STR, full_name=STR, title=STR, role=enum_of(Role), unit_id=nullable(ID),
    language=LANGUAGE, active=BOOL, email=STR, must_change_password=BOOL,
))
SESSION = record(user=USER_SCHEMA, csrf_token=STR)


def user_view(user: User) -> dict[str, Any]:
    """An account as the UI shows it (never the password hash)."""
    return {
        "id": user.id, "username": user.username, "full_name": user.full_name,
        "title": user.title, "role": user.role.value, "unit_id": user.unit_id,
        "language": user.language, "active": user.active, "email": user.email,
        "must_change_password": user.must_change_password,
    }


def client_address(request: Request) -> str:
    """The client's address as login limits count it (IPv6: the /64 one host often holds)."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "?"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _same_host(origin: str, host: str) -> bool:
    try:
        seen = urlsplit(origin)
        here = urlsplit(f"//{host}")
        seen_port = seen.port or _DEFAULT_PORTS.get(seen.scheme)
        here_port = here.port
    except ValueError:
        return False
    if seen.scheme not in _DEFAULT_PORTS or not seen.hostname or not here.hostname:
        return False
    # A proxy that passes nginx's $host drops the port; then the host name decides.
    return seen.hostname == here.hostname and here_port in (None, seen_port)


def refuse_other_sites(request: Request) -> None:
    """Refuse a public write that a page of another site could have sent (login CSRF).

    Other writes carry the session's CSRF token, which no other site can read; before
    login there is none, so the browser's word decides: `Origin` (every current browser
    sends it on a POST) must name this host, else `Sec-Fetch-Site` must say same-origin.
    The body must be declared JSON as well, which an HTML form of another site cannot do
    and its scripts could only with CORS, which this server never grants.
    """
    origin = request.headers.get("origin")
    if origin is not None:
        if not _same_host(origin, request.headers.get("host", "")):
            raise Forbidden("cross_origin")
    elif request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise Forbidden("cross_origin")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise Invalid("json_required")


def _policy(settings: Settings) -> accounts.LoginPolicy:
    return accounts.LoginPolicy(
        max_failures=settings.login_max_failures,
        max_delay_seconds=settings.login_lock_seconds,
        session_seconds=settings.session_max_age,
    )


def login_throttle(request: Request) -> Backoff:
    """The node's delays for failed logins, made at the first login."""
    state = request.app.state
    throttle: Backoff | None = getattr(state, "login_throttle", None)
    if throttle is None:
        throttle = state.login_throttle = accounts.login_throttle(_policy(settings_of(request)))
    return throttle


@operation("Log in; sets the session cookie. From the same site only (Origin), as JSON. "
           "After repeated failures for one account from one address, that address waits "
           "before its next try (429 with Retry-After)", tag="auth", public=True,
           body=obj(["username", "password"], username=STR, password=STR),
           response=SESSION, errors=[401, 403, 429])
async def login(request: Request) -> Response:
    """Check the password, start a session and set its HttpOnly cookie."""
    refuse_other_sites(request)
    settings = settings_of(request)
    client = client_address(request)
    if not request.app.state.login_limiter.allow(client):
        raise TooManyRequests("too_many_logins")
    body = await json_body(request)
    username = payload.text(body, "username", max_length=80)
    password = payload.text(body, "password", max_length=200)
    policy = _policy(settings)
    throttle = login_throttle(request)
    # Keyed by the name as typed, whether or not such an account exists, so that the
    # delays say nothing about which accounts do.
    key = (accounts.canonical_username(username), client)
    wait = throttle.attempt(key)
    if wait > 0:
        seconds = math.ceil(wait)
        refused = TooManyRequests("login_throttled", seconds=seconds)
        return JSONResponse(refusal_of(refused, language_of(request)), status_code=429,
                            headers={"retry-after": str(seconds)})
    try:
        login_row, user = await accounts.authenticate(sessions_of(request), username, password,
                                                      policy, client=client)
    except Unauthenticated:
        if throttle.failures(key) == policy.max_failures:
            log.warning("failed logins for %r from %s: further tries now wait", key[0], client)
        raise
    throttle.succeeded(key)
    response = JSONResponse({"user": user_view(user), "csrf_token": login_row.csrf_token})
    response.set_cookie(
        accounts.SESSION_COOKIE, accounts.sign_token(settings.secret_key, login_row.token),
        max_age=settings.session_max_age, httponly=True, samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


@operation("Log out; the session cannot be used again", tag="auth", response=OK)
async def logout(request: Request) -> Response:
    """Revoke the session server-side and clear the cookie."""
    async with authed(request) as ctx:
        await accounts.logout(ctx.db, ctx.browser_login.token)
    response = JSONResponse({"ok": True})
    response.delete_cookie(accounts.SESSION_COOKIE)
    return response


NOBODY: dict[str, Any] = {"user": None, "csrf_token": ""}


@operation("Who is logged in and the CSRF token for their writes; without a valid session, "
           "user null and an empty token (an answer, not a refusal: the login page asks "
           "this on every load)", tag="auth", public=True, session_optional=True,
           response=record(user=nullable(USER_SCHEMA), csrf_token=STR))
async def current(request: Request) -> Response:
    """Who is logged in, for the UI's start-up; nobody is an answer too."""
    if request.cookies.get(accounts.SESSION_COOKIE) is None:
        return ok(NOBODY)
    try:
        async with authed(request) as ctx:
            return ok({"user": user_view(ctx.user), "csrf_token": ctx.browser_login.csrf_token})
    except Unauthenticated:
        # Ended, expired or tampered with: the browser may forget that cookie.
        response = ok(NOBODY)
        response.delete_cookie(accounts.SESSION_COOKIE)
        return response


@operation("Choose the UI language (vi or en); with a session, the account's too. From the "
           "same site only (Origin), as JSON", tag="auth", public=True, session_optional=True,
           body=obj(["language"], language=LANGUAGE), response=record(language=LANGUAGE),
           errors=[403])
async def set_language(request: Request) -> Response:
    """Remember the language in a cookie, and on the account when logged in."""
    refuse_other_sites(request)
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


@operation("Change one's own password: the current one, then the new one. The other "
           "sessions of the account end", tag="auth",
           body=obj(["current_password", "new_password"], current_password=STR,
                    new_password=STR), response=OK, errors=[409])
async def change_password(request: Request) -> Response:
    """Checked and hashed between two transactions, as a login is."""
    body = await json_body(request)
    current = payload.text(body, "current_password", max_length=200)
    new = payload.text(body, "new_password", max_length=200)
    async with authed(request, read_only=True) as ctx:
        user, token = ctx.user, ctx.browser_login.token
    hashed = await accounts.check_own_password(user, current, new)
    async with authed(request) as ctx:
        await accounts.set_own_password(ctx.db, user.id, was=user.password_hash, new=hashed,
                                        keep_token=token)
    return ok({"ok": True})


routes = [
    Route("/api/me/password", change_password, methods=["POST"]),
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/session", current, methods=["GET"]),
    Route("/api/language", set_language, methods=["POST"]),
]
