"""Domain errors: a stable code, parameters for the message, and the HTTP status they map to;
and the one refusal shape every HTTP error and socket acknowledgement takes."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ecabinet.i18n import translate


def refusal(code: str, message: str) -> dict[str, Any]:
    """`{"ok": false, "error": {code, message}}`: HTTP error bodies and refused acks alike."""
    return {"ok": False, "error": {"code": code, "message": message}}


class DomainError(Exception):
    """A refusal the user should read; `code` keys the translated message."""

    status: ClassVar[int] = 400

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class Invalid(DomainError):
    """The input is malformed or breaks a rule."""

    status = 422


class Unauthenticated(DomainError):
    """No valid session."""

    status = 401


class Forbidden(DomainError):
    """The user may not do this."""

    status = 403


class NotFound(DomainError):
    """No such object, or the user may not know it exists."""

    status = 404


class Conflict(DomainError):
    """The object is not in a state that allows this."""

    status = 409


class TooLarge(DomainError):
    """The upload exceeds a limit."""

    status = 413


class TooManyRequests(DomainError):
    """Rate limited; try later."""

    status = 429


class Unavailable(DomainError):
    """The database is busy or out of reach for a moment; the same action may succeed soon."""

    status = 503


def unavailable_of(exc: BaseException) -> Unavailable | None:
    """The refusal for a database that could not take the action now, or None.

    SQLite's write lock held past the busy timeout, PostgreSQL down or restarting, no free
    connection in the pool: none is a bug of the action, all pass, and the user is told to
    try again rather than that the server failed.
    """
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig or exc).lower():
        return Unavailable("database_busy")
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return Unavailable("database_unavailable")
    if isinstance(exc, ConnectionError | TimeoutError) and "database" in str(exc).lower():
        return Unavailable("database_unavailable")
    return None


def refusal_of(exc: DomainError, language: str) -> dict[str, Any]:
    """A domain error as a refusal, its message in the user's language."""
    return refusal(exc.code, translate(exc.code, language, exc.params))
