"""Service accounts and their API tokens, managed by administrators."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import api_tokens, payload
from ecabinet.api.context import authed, json_body, ok
from ecabinet.api.spec import (
    BOOL,
    COUNT,
    DATE,
    ID,
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

SCOPE = enum_of(api_tokens.SCOPES)
TOKEN = named("ApiToken", record(
    id=ID, name=STR, prefix=STR, scopes=arr(SCOPE), expires_on=DATE, rate_per_minute=COUNT,
    state=enum_of(["active", "expired", "revoked"]), last_used_at=nullable(TIME),
    created_at=TIME))
ACCOUNT = named("ServiceAccount", record(
    id=ID, username=STR, full_name=STR, role=enum_of(api_tokens.SERVICE_ROLES),
    unit_id=nullable(ID), active=BOOL, tokens=arr(TOKEN)))
ACCOUNTS = record(accounts=arr(ACCOUNT), scopes=arr(record(scope=SCOPE, label=STR)))
ACCOUNT_BODY = obj(["username", "full_name", "role"], username=STR, full_name=STR,
                   role=enum_of(api_tokens.SERVICE_ROLES), unit_id=nullable(ID))
TOKEN_BODY = obj(["name", "scopes", "expires_on"], name=STR, scopes=arr(SCOPE),
                 expires_on=DATE, rate_per_minute=COUNT)
# secret: shown this once; only its SHA-256 is kept.
ISSUED = record(token=TOKEN, secret=STR)


@operation("Service accounts and their API tokens (admin)", tag="tokens", response=ACCOUNTS)
async def list_accounts(request: Request) -> Response:
    """For the integration screen; secrets are never shown again."""
    async with authed(request, read_only=True) as ctx:
        accounts = await api_tokens.accounts_view(ctx.db, ctx.user)
    scopes = [{"scope": s, "label": label} for s, label in api_tokens.SCOPES.items()]
    return ok({"accounts": accounts, "scopes": scopes})


@operation("Create a service account (admin): another system's identity", tag="tokens",
           body=ACCOUNT_BODY, response=ACCOUNT, status=201, errors=[409])
async def create_account(request: Request) -> Response:
    """It acts as a person of its role and unit would, within each token's scopes."""
    body = await json_body(request)
    async with authed(request) as ctx:
        user = await api_tokens.create_account(
            ctx.db, ctx.user, username=payload.text(body, "username", max_length=80),
            full_name=payload.text(body, "full_name", max_length=200),
            role=payload.text(body, "role", max_length=20),
            unit_id=payload.integer(body, "unit_id", required=False))
        return ok(api_tokens.account_view(user, []), 201)


@operation("Issue an API token to a service account (admin); the secret is shown once",
           tag="tokens", body=TOKEN_BODY, response=ISSUED, status=201)
async def issue(request: Request) -> Response:
    """Scoped, expiring on a day, with its own rate per minute."""
    body = await json_body(request)
    expires_on = payload.day(body, "expires_on")
    if expires_on is None:  # refused as missing by `day`; this is for the types
        raise Invalid("field_required", field="expires_on")
    rate = payload.integer(body, "rate_per_minute", required=False)
    async with authed(request) as ctx:
        token, secret = await api_tokens.issue(
            ctx.db, ctx.user, request.path_params["id"],
            name=payload.text(body, "name", max_length=200),
            scopes=payload.str_list(body, "scopes") or [],
            expires_on=expires_on,
            rate_per_minute=api_tokens.DEFAULT_RATE if rate is None else rate)
        return ok({"token": api_tokens.token_view(token), "secret": secret}, 201)


@operation("Revoke an API token (admin): it stops working at once", tag="tokens",
           response=TOKEN)
async def revoke(request: Request) -> Response:
    """The record stays, for the audit log."""
    async with authed(request) as ctx:
        token = await api_tokens.revoke(ctx.db, ctx.user, request.path_params["id"])
        return ok(api_tokens.token_view(token))


routes = [
    Route("/api/service-accounts", list_accounts, methods=["GET"]),
    Route("/api/service-accounts", create_account, methods=["POST"]),
    Route("/api/service-accounts/{id:int}/tokens", issue, methods=["POST"]),
    Route("/api/api-tokens/{id:int}", revoke, methods=["DELETE"]),
]
