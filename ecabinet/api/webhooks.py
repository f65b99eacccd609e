"""Webhooks (admin): addresses of other systems told of events, and what was sent to them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import payload, webhooks
from ecabinet.api.context import authed, json_body, ok
from ecabinet.api.spec import (
    BOOL,
    COUNT,
    ID,
    OK,
    STR,
    TIME,
    arr,
    enum_of,
    named,
    nullable,
    obj,
    operation,
    record,
)
from ecabinet.errors import Invalid
from ecabinet.models import DeliveryStatus, Role

EVENT = enum_of(webhooks.EVENTS)
FIELDS = {"id": ID, "url": STR, "events": arr(EVENT), "description": STR, "active": BOOL,
          "created_at": TIME}
WEBHOOK = named("Webhook", record(**FIELDS))
# secret: shown once, when registered; every delivery's X-Ecabinet-Signature is made with it.
REGISTERED = named("WebhookRegistered", record(**FIELDS, secret=STR))
ATTEMPT = named("WebhookAttempt", record(at=TIME, status_code=nullable(COUNT), error=STR,
                                         duration_ms=COUNT))
# body: the exact JSON text that was signed and sent.
DELIVERY = named("WebhookDelivery", record(
    id=ID, webhook_id=ID, event=EVENT, status=enum_of(DeliveryStatus), body=STR,
    created_at=TIME, next_attempt_at=nullable(TIME), delivered_at=nullable(TIME),
    attempts=arr(ATTEMPT)))
REGISTER_BODY = obj(["url", "events"], url=STR, events=arr(EVENT), description=STR)


@operation("Every registered webhook (admin)", tag="webhooks",
           response=record(webhooks=arr(WEBHOOK)))
async def list_webhooks(request: Request) -> Response:
    """Their secrets are never shown again."""
    async with authed(request, read_only=True) as ctx:
        found = await webhooks.list_webhooks(ctx.db, ctx.user)
        return ok({"webhooks": [webhooks.webhook_view(w) for w in found]})


@operation("Register a webhook (admin): an https:// address and the events it receives",
           tag="webhooks", body=REGISTER_BODY, response=REGISTERED, status=201)
async def register_webhook(request: Request) -> Response:
    """The answer holds the signing secret, this once."""
    body = await json_body(request)
    async with authed(request) as ctx:
        webhook = await webhooks.register(
            ctx.db, ctx.user, payload.text(body, "url", max_length=500),
            payload.str_list(body, "events") or [],
            payload.text(body, "description", required=False, max_length=200))
        return ok({**webhooks.webhook_view(webhook), "secret": webhook.secret}, 201)


@operation("Pause or resume a webhook (admin)", tag="webhooks",
           body=obj(["active"], active=BOOL), response=WEBHOOK)
async def update_webhook(request: Request) -> Response:
    """A paused webhook gets no new events and sends none of those waiting."""
    body = await json_body(request)
    async with authed(request) as ctx:
        if body.get("active") is None:
            raise Invalid("field_required", field="active")
        webhook = await webhooks.set_active(ctx.db, ctx.user, request.path_params["id"],
                                            payload.boolean(body, "active"))
        return ok(webhooks.webhook_view(webhook))


@operation("Delete a webhook with its delivery log (admin)", tag="webhooks", response=OK)
async def delete_webhook(request: Request) -> Response:
    """What was waiting to be sent is dropped."""
    async with authed(request) as ctx:
        await webhooks.remove(ctx.db, ctx.user, request.path_params["id"])
        return ok({"ok": True})


@operation("A webhook's newest deliveries with their attempts (admin)", tag="webhooks",
           response=record(deliveries=arr(DELIVERY)))
async def webhook_deliveries(request: Request) -> Response:
    """The last hundred, newest first; each one's attempts oldest first."""
    async with authed(request, read_only=True) as ctx:
        found = await webhooks.deliveries(ctx.db, ctx.user, request.path_params["id"])
        return ok({"deliveries": found})


@operation("Send a delivery's event again, as a new delivery (admin)", tag="webhooks",
           response=DELIVERY, status=201)
async def redeliver_webhook(request: Request) -> Response:
    """Same event and body (its `id` too), a new day of retries."""
    async with authed(request) as ctx:
        again = await webhooks.redeliver(ctx.db, ctx.user, request.path_params["id"])
        return ok(webhooks.delivery_view(again, []), 201)


@operation("The events a webhook may receive (admin)", tag="webhooks",
           response=record(events=arr(EVENT)))
async def webhook_events(request: Request) -> Response:
    """In the order the admin screen lists them."""
    async with authed(request, read_only=True) as ctx:
        ctx.require(Role.admin)
        return ok({"events": list(webhooks.EVENTS)})


routes = [
    Route("/api/webhooks", list_webhooks, methods=["GET"]),
    Route("/api/webhooks", register_webhook, methods=["POST"]),
    Route("/api/webhooks/events", webhook_events, methods=["GET"]),
    Route("/api/webhooks/{id:int}", update_webhook, methods=["PATCH"]),
    Route("/api/webhooks/{id:int}", delete_webhook, methods=["DELETE"]),
    Route("/api/webhooks/{id:int}/deliveries", webhook_deliveries, methods=["GET"]),
    Route("/api/webhooks/deliveries/{id:int}/redeliver", redeliver_webhook, methods=["POST"]),
]
