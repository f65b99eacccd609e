"""Per-request plumbing: the session cookie or an API token, CSRF, language, and a
transaction with the user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse

from ecabinet import accounts, api_tokens, encoded_json, payload
from ecabinet.config import Settings
from ecabinet.errors import Forbidden, TooManyRequests, Unauthenticated
from ecabinet.i18n import pick_language
from ecabinet.models import LoginSession, Role, User
from ecabinet.ratelimit import SlidingWindow
from ecabinet.snapshot import SharedViews

LANG_COOKIE = "ecabinet_lang"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def settings_of(conn: HTTPConnection) -> Settings:
    """The node's settings."""
    settings: Settings = conn.app.state.settings
    return settings


def sessions_of(conn: HTTPConnection) -> async_sessionmaker[AsyncSession]:
    """The node's database session factory."""
    factory: async_sessionmaker[AsyncSession] = conn.app.state.sessions
    return factory


def views_of(conn: HTTPConnection) -> SharedViews:
    """The node's shared meeting views, which its live channel fills as screens join."""
    views: SharedViews = conn.app.state.hub.views
    return views


def session_token(conn: HTTPConnection) -> str:
    """The login session's token from the signed cookie, or Unauthenticated."""
    token = accounts.read_cookie_token(settings_of(conn).secret_key,
                                       conn.cookies.get(accounts.SESSION_COOKIE))
    if token is None:
        raise Unauthenticated("not_logged_in")
    return token


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or Invalid."""
    return payload.parse_object(await request.body())


def language_of(conn: HTTPConnection, user: User | None = None) -> str:
    """The user's language: explicit cookie, then account, then the browser's preference."""
    return pick_language(
        conn.cookies.get(LANG_COOKIE),
        user.language if user else None,
        conn.headers.get("accept-language"),
    )


@dataclass
class Authed:
    """A request's database session, its user and login."""

    db: AsyncSession
    user: User
    # None when a service account calls with an API token.
    login: LoginSession | None

    @property
    def browser_login(self) -> LoginSession:
        """The browser's login session (an API token has none: such routes take no token)."""
        if self.login is None:
            raise Forbidden("token_not_allowed")
        return self.login

    def require(self, *roles: Role) -> None:
        """Refuse unless the user holds one of the roles."""
        if self.user.role not in roles:
            raise Forbidden("forbidden")


@asynccontextmanager
async def authed(request: HTTPConnection, *, read_only: bool = False
                 ) -> AsyncIterator[Authed]:
    """One transaction with the logged-in user; CSRF-checked for state-changing requests.

    `read_only`: a transaction that only reads, which on SQLite does not take the write
    lock (slow work before a write, such as signing, is done in one of these first).
    A request with `Authorization: Bearer` is a service account's, checked by `token_caller`.
    """
    factory = request.app.state.hub.reads if read_only else sessions_of(request)
    secret = api_tokens.bearer_secret(request.headers.get("authorization"))
    if secret is not None:
        caller = await token_caller(request, secret)
        async with factory() as db, db.begin():
            user = await db.get(User, caller.user.id)
            if user is None or not user.active:  # deactivated a moment ago
                raise Unauthenticated("token_revoked")
            yield Authed(db, user, None)
        return
    token = session_token(request)
    async with factory() as db, db.begin():
        login, user = await accounts.resolve_session(db, token)
        # Kept as a plain string: after a rollback the User object is expired.
        request.state.language = language_of(request, user)
        if isinstance(request, Request) and request.method not in SAFE_METHODS:
            if request.headers.get(CSRF_HEADER) != login.csrf_token:
                raise Forbidden("csrf_failed")
        yield Authed(db, user, login)


def operation_scope(conn: HTTPConnection) -> str | None:
    """The API-token scope the matched operation requires (None: tokens may not call it)."""
    meta = getattr(conn.scope.get("endpoint"), "__openapi__", None)
    return meta.get("scope") if meta else None


async def token_caller(request: HTTPConnection, secret: str) -> api_tokens.Caller:
    """The service account behind a bearer token, within its scope and rate; the use is
    audited in a transaction of its own, so it stays recorded whatever the request does.

    No CSRF check: a browser never adds this header to a cross-site request by itself.
    A route that opens two transactions (checking before reading an upload) counts as one use.
    """
    known: api_tokens.Caller | None = getattr(request.state, "api_caller", None)
    if known is not None:
        return known
    async with sessions_of(request)() as db, db.begin():
        caller = await api_tokens.authenticate(db, secret)
        request.state.language = language_of(request, caller.user)
        scope = operation_scope(request)
        if scope is None:
            raise Forbidden("token_not_allowed")
        if scope not in caller.scopes:
            raise Forbidden("token_scope", scope=scope)
        limiter: SlidingWindow = request.app.state.token_limiter
        if not limiter.allow(f"token:{caller.token_id}", limit=caller.rate_per_minute):
            raise TooManyRequests("token_rate", seconds=60)
        await api_tokens.record_use(db, caller, request.scope.get("method", "GET"),
                                    request.url.path, scope)
    request.state.api_caller = caller
    return caller


def ok(data: Any, status: int = 200) -> JSONResponse:
    """A JSON success response."""
    return EncodedJSONResponse(data, status_code=status)


class EncodedJSONResponse(JSONResponse):
    """A JSON response that may hold values encoded beforehand (`encoded_json.Encoded`)."""

    def render(self, content: Any) -> bytes:
        """The body, as Starlette's but through `encoded_json.dumps`."""
        return encoded_json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                                  separators=(",", ":")).encode("utf-8")
