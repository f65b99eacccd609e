"""Domain errors: a stable code, parameters for the message, and the HTTP status they map to;
and the one refusal shape every HTTP error and socket acknowledgement takes."""

from __future__ import annotations

from typing import Any, ClassVar

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


def refusal_of(exc: DomainError, language: str) -> dict[str, Any]:
    """A domain error as a refusal, its message in the user's language."""
    return refusal(exc.code, translate(exc.code, language, exc.params))
