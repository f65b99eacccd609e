"""create_app(): Starlette, socket.io and the static UI as one ASGI application."""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import socketio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from ecabinet import accounts, api_tokens, db, documents, logs, metrics, shell
from ecabinet.api import agenda as agenda_api
from ecabinet.api import annotations as annotations_api
from ecabinet.api import attendance as attendance_api
from ecabinet.api import audit as audit_api
from ecabinet.api import auth, health, meetings, units, users
from ecabinet.api import calendar as calendar_api
from ecabinet.api import conclusions as conclusions_api
from ecabinet.api import consultations as consultations_api
from ecabinet.api import documents as documents_api
from ecabinet.api import imports as imports_api
from ecabinet.api import mail as mail_api
from ecabinet.api import metrics as metrics_api
from ecabinet.api import minutes as minutes_api
from ecabinet.api import questions as questions_api
from ecabinet.api import reports as reports_api
from ecabinet.api import speakers as speakers_api
from ecabinet.api import tasks as tasks_api
from ecabinet.api import tokens as tokens_api
from ecabinet.api import verify as verify_api
from ecabinet.api import video as video_api
from ecabinet.api import voting as voting_api
from ecabinet.api import webhooks as webhooks_api
from ecabinet.api.errors import HANDLERS, no_such_route
from ecabinet.api.http_cache import JsonETags
from ecabinet.ballot_writer import BallotWriter
from ecabinet.config import Settings, load_settings
from ecabinet.consultations.clock import DeadlineClock
from ecabinet.mail.courier import MailCourier
from ecabinet.ratelimit import SlidingWindow
from ecabinet.webhook_dispatch import WebhookDispatcher
from realtime import (
    attendance_actions,
    consultations_actions,
    questions_actions,
    speakers_actions,
    video_actions,
    voting_actions,
)
from realtime.hub import Hub
from realtime.sfu import SfuService

STATIC_DIR = Path(os.environ.get("ECABINET_STATIC_DIR", Path(__file__).parent.parent / "static"))
# Third-party browser code comes from npm at set-up (static/node_modules), never committed.
VENDOR_DIR = STATIC_DIR / "node_modules"

# Compressed already, or served in byte ranges (a PDF drawn on the tablet fetches parts
# of itself: a gzipped 206 would no longer be the bytes the range named).
UNCOMPRESSED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
# Only what the UI uses: its own scripts, styles and API; page images, recordings and the
# service worker from the same origin (blob: and data: for images, media and workers built
# in the page); WebAssembly (not eval) for PDF.js's image decoders of scanned pages.
# No inline script or style, no plugins, no framing, no foreign form targets.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; "
    "connect-src 'self'{sockets}; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_HOST = re.compile(rb"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")


@functools.lru_cache(maxsize=64)
def content_security_policy(host: bytes) -> bytes:
    """The CSP header for a page served under `host` (the request's Host header)."""
    # 'self' covers the live channel's websocket in CSP3 browsers (Chromium, Firefox,
    # current Safari); Safari on iPads not updated for years needs the host spelled out.
    sockets = ""
    if _HOST.match(host):
        name = host.decode("ascii")
        sockets = f" wss://{name} ws://{name}"
    return CONTENT_SECURITY_POLICY.format(sockets=sockets).encode("ascii")


class SecurityHeaders:
    """Adds conservative security headers, the CSP included, to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Wrap `send` to append the headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((value for name, value in scope.get("headers", []) if name == b"host"), b"")

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.extend(SECURITY_HEADERS)
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                # Browsers show a PDF in a viewer page of their own, which a CSP breaks
                # (Chromium then refuses the viewer's own styles); a PDF runs no page script.
                if not content_type.startswith(b"application/pdf"):
                    headers.append((b"content-security-policy", content_security_policy(host)))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def route_template(scope: Any) -> str:
    """The path template of the route that handled `scope` (`/api/meetings/{id:int}`)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return metrics.UNMATCHED
    if isinstance(route, Mount):
        return path.rstrip("/") + "/{path}"
    # A route inside a mount: its own path is relative to the mount's.
    prefix = scope.get("root_path", "")[len(scope.get("app_root_path", "")):]
    return prefix + path


class RequestObserver:
    """Gives each HTTP request an id (in every log line and X-Request-ID) and times it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Bind the request id, answer with it, and record the latency by route template."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((value for name, value in scope.get("headers", [])
                         if name == b"x-request-id"), b"")
        request_id = logs.accept_request_id(incoming.decode("latin-1"))
        token = logs.bind_request_id(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode("ascii"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            metrics.observe_request(scope["method"], route_template(scope), status,
                                    time.perf_counter() - started)
            logs.unbind_request_id(token)


def _sfu_figures(sfu: SfuService) -> dict[str, int]:
    # Read from the counters the SFU keeps per stream, at scrape time only.
    figures = dict.fromkeys(("sfu_peers", "sfu_packets_received", "sfu_packets_forwarded",
                             "sfu_packets_lost", "sfu_packets_dropped"), 0)
    for room in list(sfu.rooms.values()):
        for peer in list(room.peers.values()):
            figures["sfu_peers"] += 1
            for stream in list(peer.inbound.values()):
                figures["sfu_packets_received"] += stream.packets
                figures["sfu_packets_dropped"] += stream.dropped
                if stream.started:
                    expected = stream.cycles + stream.last_seq - stream.base_seq + 1
                    figures["sfu_packets_lost"] += max(0, expected - stream.packets)
            for track in list(peer.outbound.values()):
                figures["sfu_packets_forwarded"] += track.counters()[0]
    return figures


async def index(request: Request) -> Response:
    """The single-page UI; every client-side route serves the same page."""
    return FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-cache"})


async def service_worker(request: Request) -> Response:
    """The offline briefcase's service worker, allowed to control every page of the origin."""
    return Response(shell.service_worker_source(STATIC_DIR), media_type="text/javascript",
                    headers={"service-worker-allowed": "/", "cache-control": "no-cache"})


async def manifest(request: Request) -> Response:
    """The web app manifest: tablets and phones install eCabinet to the home screen."""
    return FileResponse(STATIC_DIR / "manifest.webmanifest",
                        media_type="application/manifest+json",
                        headers={"cache-control": "no-cache"})


def api_routes() -> list[BaseRoute]:
    """Every HTTP route of the API."""
    return [
        *health.routes, *auth.routes, *units.routes, *users.routes, *meetings.routes,
        *agenda_api.routes, *documents_api.routes, *annotations_api.routes,
        *attendance_api.routes, *questions_api.routes, *speakers_api.routes, *voting_api.routes,
        *minutes_api.routes, *conclusions_api.routes, *tasks_api.routes, *verify_api.routes,
        *consultations_api.routes, *video_api.routes, *metrics_api.routes, *calendar_api.routes,
        *tokens_api.routes, *mail_api.routes, *audit_api.routes, *imports_api.routes,
        *reports_api.routes,
        *webhooks_api.routes,
    ]


def create_app(settings: Settings | None = None) -> socketio.ASGIApp:
    """The whole node: HTTP API, live channel and UI behind one ASGI callable."""
    settings = settings or load_settings()
    accounts.configure_hashing(settings.argon2_time_cost, settings.argon2_memory_kib)
    engine = db.create_engine(settings.database_url, busy_ms=settings.database_busy_ms)
    sessions = db.sessionmaker(engine)
    hub = Hub(settings, sessions)
    attendance_actions.register(hub)
    questions_actions.register(hub)
    consultations_actions.register(hub)
    speakers_actions.register(hub)
    ballot_sessions = db.on_loop_writer(sessions, busy_ms=settings.database_busy_ms)
    ballot_writer = BallotWriter(ballot_sessions, settings.ballot_batch_max)
    voting_actions.register(hub, ballot_writer)
    video = video_actions.register(hub, settings)
    library = documents.Library(settings, sessions)
    deadlines = DeadlineClock(sessions)
    outbox = WebhookDispatcher(sessions, settings, reads=hub.reads)
    mail = MailCourier(sessions, settings, reads=hub.reads)

    def figures() -> metrics.Figures:
        manager = hub.sio.manager
        connections = sum(1 for sid, _eio in manager.get_participants("/", None)
                          if manager.is_connected(sid, "/"))
        return metrics.Figures(connections=connections, pdf_renders=library.pdf.renders,
                               **_sfu_figures(video.sfu))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        # Started now rather than at the first ballot: a node that restarts while a timed
        # poll is open closes it when its time is up, whether or not anyone votes again.
        await ballot_writer.start()
        await library.start()
        await deadlines.start()
        await outbox.start()
        await mail.start()
        metrics.add_source(figures)
        try:
            yield
        finally:
            await mail.stop()
            await outbox.stop()
            await video.close()
            await deadlines.stop()
            await library.stop()
            await ballot_writer.stop()
            await db.close_derived(ballot_sessions, sessions)
            await hub.stop()
            await engine.dispose()
            metrics.remove_source(figures)

    routes: list[BaseRoute] = [
        *api_routes(),
        Route("/sw.js", service_worker),
        Route("/manifest.webmanifest", manifest),
        Mount("/sfu", video.cascade()),
        Mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
        Route("/api/{path:path}", no_such_route, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        Route("/", index),
        Route("/{path:path}", index),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        middleware=[Middleware(RequestObserver), Middleware(SecurityHeaders),
                    Middleware(GZipMiddleware, minimum_size=1024,
                               exclude_content_types=UNCOMPRESSED),
                    Middleware(JsonETags)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.hub = hub
    app.state.video = video
    app.state.library = library
    app.state.ballot_writer = ballot_writer
    app.state.deadlines = deadlines
    app.state.webhooks = outbox
    app.state.mail = mail
    app.state.login_limiter = SlidingWindow(limit=settings.login_rate_per_minute, seconds=60)
    # Per token, each with its own rate; per node, as the login limit is.
    app.state.token_limiter = SlidingWindow(limit=api_tokens.DEFAULT_RATE, seconds=60)
    asgi = socketio.ASGIApp(hub.sio, other_asgi_app=app, socketio_path="socket.io")
    asgi.starlette = app  # type: ignore[attr-defined]
    return asgi
