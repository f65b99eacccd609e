"""Logging of a node: human-readable text, or JSON lines carrying each request's id.

`ECABINET_LOG_FORMAT=json` writes one JSON object per line (time, level, logger, message,
request_id, and exc_info for an exception), for a log shipper; the default text suits a
terminal (`make demo`). The request id lives in a context variable that the HTTP
middleware (and the hub, per live action) sets, so every line written while a request is
handled carries it, whichever module writes it.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any, TextIO

REQUEST_ID_HEADER = "x-request-id"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id: ContextVar[str | None] = ContextVar("ecabinet_request_id", default=None)
FORMATS = ("text", "json")


def new_request_id() -> str:
    """A fresh id: 16 random hex digits."""
    return secrets.token_hex(8)


def accept_request_id(incoming: str | None) -> str:
    """`incoming` (a proxy's X-Request-ID) if it is a sane token, else a fresh id."""
    # Anything else could forge log lines or fill them: it is replaced, not cleaned.
    if incoming and _SANE.fullmatch(incoming):
        return incoming
    return new_request_id()


def request_id() -> str | None:
    """The id of the request or live action being handled, if any."""
    return _request_id.get()


def bind_request_id(value: str | None) -> Token[str | None]:
    """Make `value` the current request id; give the token to `unbind_request_id`."""
    return _request_id.set(value)


def unbind_request_id(token: Token[str | None]) -> None:
    """Restore the request id that was current before `bind_request_id`."""
    _request_id.reset(token)


class _WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, exc_info."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id.get(),
        }
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc_info"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def handler(log_format: str, stream: TextIO | None = None) -> logging.Handler:
    """A handler writing `log_format` ("text" or "json") lines to `stream` (stderr)."""
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, got {log_format!r}")
    out = logging.StreamHandler(stream or sys.stderr)
    out.addFilter(_WithRequestId())
    out.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    return out


def configure(log_format: str, level: int = logging.INFO) -> None:
    """Send every logger's records (uvicorn's too) through one handler in `log_format`."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(log_format))
    root.setLevel(level)
    route_uvicorn_to_root()


# uvicorn and websockets note every live socket's opening and closing at INFO: three
# lines per tablet, 15,000 when a hall of 5,000 reconnects at once, burying the lines that
# matter and costing the loop their formatting. /metrics counts the connections instead.
# Refusals (403) and failures are kept.
_SOCKET_LIFECYCLE = frozenset({'%s - "WebSocket %s" [accepted]', "connection open",
                               "connection closed"})


class _WithoutSocketLifecycle(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or record.msg not in _SOCKET_LIFECYCLE


def route_uvicorn_to_root() -> None:
    """Have uvicorn's loggers write through the root logger's handler, not their own, and
    leave out the opening and closing of each live socket."""
    # uvicorn's default configuration gives them handlers and stops propagation.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    quiet = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _WithoutSocketLifecycle) for f in quiet.filters):
        quiet.addFilter(_WithoutSocketLifecycle())
