"""HTTP error responses: every refusal as `errors.refusal`, in the user's language."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ecabinet.api.context import language_of
from ecabinet.errors import DomainError, refusal, refusal_of, unavailable_of
from ecabinet.i18n import translate

log = logging.getLogger(__name__)


async def domain_error(request: Request, exc: Exception) -> Response:
    """A DomainError as JSON with its status."""
    assert isinstance(exc, DomainError)
    language = getattr(request.state, "language", None) or language_of(request)
    # A limit that knows when it lifts says so, as the standard header clients obey.
    seconds = exc.params.get("seconds") if exc.status == 429 else None
    headers = {"retry-after": str(seconds)} if isinstance(seconds, int) else None
    return JSONResponse(refusal_of(exc, language), status_code=exc.status, headers=headers)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (404, 405...) in the same shape."""
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    message = translate(code, language_of(request))
    return JSONResponse(refusal(code, message), status_code=exc.status_code)


async def server_error(request: Request, exc: Exception) -> Response:
    """A bug: the same shape, a translated apology, the traceback only in the log.

    A database busy or out of reach is no bug: 503, "try again", and a Retry-After.
    """
    if (busy := unavailable_of(exc)) is not None:
        log.warning("%s %s: %s (%s)", request.method, request.url.path, busy.code, exc)
        return JSONResponse(refusal_of(busy, language_of(request)), status_code=busy.status,
                            headers={"retry-after": "2"})
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(refusal("internal_error", translate("internal_error",
                                                               language_of(request))),
                        status_code=500)


async def no_such_route(request: Request) -> Response:
    """`/api/...` paths that name no route: a JSON 404, not the UI's HTML shell."""
    raise HTTPException(404)


# Database errors are answered by `server_error` inside the app as well: left to the
# catch-all `Exception` handler, Starlette answers but then re-raises, and the server
# closes the connection a client was keeping alive through a database outage.
HANDLERS = {DomainError: domain_error, HTTPException: http_error, DBAPIError: server_error,
            PoolTimeout: server_error, Exception: server_error}
