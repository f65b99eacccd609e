"""Liveness for load balancers and the OpenAPI document."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecabinet.api.context import sessions_of
from ecabinet.api.spec import STR, enum_of, openapi_document, operation, record


@operation("Health: answers 200 when the database is reachable, 503 when not", tag="ops",
           public=True, response=record(status=enum_of(["ok"]), database=enum_of(["ok"])),
           responses={503: record(status=enum_of(["error"]), database=STR)})
async def healthz(request: Request) -> Response:
    """A round trip to the database."""
    try:
        async with sessions_of(request)() as db:
            await db.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        return JSONResponse({"status": "error", "database": type(exc).__name__}, 503)
    return JSONResponse({"status": "ok", "database": "ok"})


async def openapi(request: Request) -> Response:
    """The OpenAPI 3.1 description of every route."""
    return JSONResponse(
        openapi_document(request.app.routes, title="eCabinet API", version="0.1.0")
    )


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/openapi.json", openapi, methods=["GET"], include_in_schema=False),
]
