"""`GET /metrics`: Prometheus' scrape, from loopback and the networks the office allows."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import metrics
from ecabinet.api.context import settings_of
from ecabinet.errors import Forbidden


def scraper_allowed(host: str | None, networks: Sequence[str]) -> bool:
    """Whether a client at `host` may read the metrics: loopback, or inside `networks`."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:  # no address, or a name a test client made up
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or any(
        address in ipaddress.ip_network(network) for network in networks)


# Not in /openapi.json on purpose: it is no part of the API the UI and integrations use,
# but Prometheus' text format, for the monitoring server only (docs/operations.md).
async def scrape(request: Request) -> Response:
    """Every metric, if the client's address may read them."""
    # The address is the one uvicorn settled on (X-Forwarded-For from a trusted proxy
    # only), so a header cannot make a stranger look like loopback.
    host = request.client.host if request.client else None
    if not scraper_allowed(host, settings_of(request).metrics_allow):
        raise Forbidden("forbidden")
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)


routes = [Route("/metrics", scrape, methods=["GET"], include_in_schema=False)]
