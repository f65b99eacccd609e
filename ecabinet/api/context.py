"""Per-request plumbing: the session cookie, CSRF, language, and a transaction with the user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse

from ecabinet import accounts, encoded_json, payload
from ecabinet.config import Settings
from ecabinet.errors import Forbidden, Unauthenticated
from ecabinet.i18n import pick_language
from ecabinet.models import LoginSession, Role, User
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
    login: LoginSession

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
    """
    token = session_token(request)
    factory = request.app.state.hub.reads if read_only else sessions_of(request)
    async with factory() as db, db.begin():
        login, user = await accounts.resolve_session(db, token)
        # Kept as a plain string: after a rollback the User object is expired.
        request.state.language = language_of(request, user)
        if isinstance(request, Request) and request.method not in SAFE_METHODS:
            if request.headers.get(CSRF_HEADER) != login.csrf_token:
                raise Forbidden("csrf_failed")
        yield Authed(db, user, login)


def ok(data: Any, status: int = 200) -> JSONResponse:
    """A JSON success response."""
    return EncodedJSONResponse(data, status_code=status)


class EncodedJSONResponse(JSONResponse):
    """A JSON response that may hold values encoded beforehand (`encoded_json.Encoded`)."""

    def render(self, content: Any) -> bytes:
        """The body, as Starlette's but through `encoded_json.dumps`."""
        return encoded_json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                                  separators=(",", ":")).encode("utf-8")
