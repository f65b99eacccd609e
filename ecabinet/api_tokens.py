"""API tokens of service accounts: how another system (an eOffice, the province's data-sharing
hub) reads meetings and conclusions and updates tasks without a person's session.

A service account is a user flagged `service`: it never logs in with a password, and it sees
and may do exactly what a person of its role and unit would (a secretary of the province
office follows the office's meetings; a department's account reports on the department's
tasks). Each token narrows that further to its scopes, expires, may be revoked, has its own
rate, and every use is written to the audit log. The token is shown once; only its SHA-256
is kept, with its first characters so that tokens can be told apart.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import accounts, audit
from ecabinet.errors import Forbidden, Invalid, NotFound, Unauthenticated
from ecabinet.models import ApiToken, Role, User
from ecabinet.models.base import utcnow

# What a token may be given; each API operation that a token may call names one of them.
SCOPES: dict[str, str] = {
    "meetings:read": "Đọc cuộc họp, chương trình họp và thành phần",
    "documents:read": "Đọc và tải tài liệu họp",
    "meetings:write": "Tạo và sửa cuộc họp",
    "conclusions:read": "Đọc biên bản và thông báo kết luận",
    "tasks:read": "Đọc nhiệm vụ được giao và tiến độ",
    "tasks:write": "Báo cáo tiến độ và kết quả nhiệm vụ",
}
# A service account acts as one of these; never an administrator or a chair, whose acts
# (approving, signing, running the hall) are a person's.
SERVICE_ROLES = (Role.secretary, Role.delegate, Role.observer)
PREFIX = "ecab_"
MAX_DAYS = 366
MAX_RATE = 6000
DEFAULT_RATE = 120
# Expiry dates are days in Vietnam: a token given "until 31/12" works through that day.
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def digest(secret: str) -> str:
    """The SHA-256 under which a token is kept and looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()


def bearer_secret(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None when there is none."""
    if not header:
        return None
    kind, _, value = header.partition(" ")
    if kind.lower() != "bearer":
        return None
    return value.strip() or ""


@dataclass(frozen=True)
class Caller:
    """A token that authenticated, with its service account."""

    token_id: int
    scopes: frozenset[str]
    rate_per_minute: int
    user: User


def _require_admin(actor: User) -> None:
    if actor.role != Role.admin:
        raise Forbidden("forbidden")


def _scopes(given: list[str]) -> list[str]:
    if not given:
        raise Invalid("token_scopes_required", field="scopes")
    unknown = [s for s in given if s not in SCOPES]
    if unknown:
        raise Invalid("token_scopes_invalid", field="scopes", scopes=", ".join(unknown))
    return [s for s in SCOPES if s in given]


async def create_account(session: AsyncSession, actor: User, *, username: str, full_name: str,
                         role: str, unit_id: int | None) -> User:
    """A service account of a role and unit (admin); it has no usable password."""
    _require_admin(actor)
    if role not in {r.value for r in SERVICE_ROLES}:
        raise Invalid("service_role_invalid", field="role")
    # A random password nobody knows: `authenticate` refuses service accounts anyway.
    password = await accounts.prepare_password(secrets.token_urlsafe(32))
    user = await accounts.create_user(session, username=username, full_name=full_name,
                                      password=password, role=role, unit_id=unit_id,
                                      actor_id=actor.id)
    user.service = True
    await session.flush()
    return user


async def issue(session: AsyncSession, actor: User, account_id: int, *, name: str,
                scopes: list[str], expires_on: date, rate_per_minute: int = DEFAULT_RATE,
                today: date | None = None) -> tuple[ApiToken, str]:
    """A new token for a service account (admin): the record and the secret, shown once."""
    _require_admin(actor)
    account = await session.get(User, account_id)
    if account is None or not account.service:
        raise NotFound("service_account_not_found")
    if not name.strip():
        raise Invalid("field_required", field="name")
    first = today or utcnow().astimezone(ZONE).date()
    if not first <= expires_on <= first + timedelta(days=MAX_DAYS):
        raise Invalid("token_expiry_invalid", field="expires_on", days=MAX_DAYS)
    if not 1 <= rate_per_minute <= MAX_RATE:
        raise Invalid("token_rate_invalid", field="rate_per_minute", most=MAX_RATE)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=account.id, name=name.strip()[:200], prefix=secret[:12],
        token_hash=digest(secret), scopes=" ".join(_scopes(scopes)),
        expires_at=datetime.combine(expires_on + timedelta(days=1), time(), ZONE),
        rate_per_minute=rate_per_minute, created_by_id=actor.id)
    session.add(token)
    await session.flush()
    await audit.record(session, "api_token.issue", actor_id=actor.id, object_type="api_token",
                       object_id=token.id, data={"account": account.username,
                                                 "scopes": token.scopes,
                                                 "expires_on": expires_on.isoformat()})
    return token, secret


async def revoke(session: AsyncSession, actor: User, token_id: int) -> ApiToken:
    """Stop a token working at once (admin); the record stays for the audit."""
    _require_admin(actor)
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("api_token_not_found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await audit.record(session, "api_token.revoke", actor_id=actor.id,
                           object_type="api_token", object_id=token.id)
    return token


def token_view(token: ApiToken, now: datetime | None = None) -> dict[str, Any]:
    """What an administrator sees of a token (never the secret)."""
    moment = now or utcnow()
    state = ("revoked" if token.revoked_at else
             "expired" if token.expires_at <= moment else "active")
    last_day = (token.expires_at.astimezone(ZONE) - timedelta(days=1)).date()
    return {
        "id": token.id, "name": token.name, "prefix": token.prefix,
        "scopes": token.scopes.split(), "expires_on": last_day.isoformat(),
        "rate_per_minute": token.rate_per_minute, "state": state,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "created_at": token.created_at.isoformat(),
    }


async def accounts_view(session: AsyncSession, actor: User) -> list[dict[str, Any]]:
    """Every service account with its tokens, newest token first (admin)."""
    _require_admin(actor)
    users = (await session.scalars(
        select(User).where(User.service.is_(True)).order_by(User.full_name))).all()
    tokens = (await session.scalars(
        select(ApiToken).order_by(ApiToken.id.desc()))).all()
    now = utcnow()
    return [account_view(u, [token_view(t, now) for t in tokens if t.user_id == u.id])
            for u in users]


def account_view(user: User, tokens: list[dict[str, Any]]) -> dict[str, Any]:
    """A service account as the integration screen lists it."""
    return {"id": user.id, "username": user.username, "full_name": user.full_name,
            "role": user.role.value, "unit_id": user.unit_id, "active": user.active,
            "tokens": tokens}


async def authenticate(session: AsyncSession, secret: str, now: datetime | None = None
                       ) -> Caller:
    """The caller a bearer token stands for, or Unauthenticated saying why it is refused."""
    if not secret:
        raise Unauthenticated("token_invalid")
    row = (await session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest(secret)))).first()
    if row is None:
        raise Unauthenticated("token_invalid")
    token, user = row
    if token.revoked_at is not None or not user.active or not user.service:
        raise Unauthenticated("token_revoked")
    if token.expires_at <= (now or utcnow()):
        raise Unauthenticated("token_expired")
    return Caller(token.id, frozenset(token.scopes.split()), token.rate_per_minute, user)


async def record_use(session: AsyncSession, caller: Caller, method: str, path: str,
                     scope: str) -> None:
    """Write one use of a token to the audit log, and when it was last used."""
    await session.execute(update(ApiToken).where(ApiToken.id == caller.token_id)
                          .values(last_used_at=utcnow()))
    await audit.record(session, "api_token.use", actor_id=caller.user.id,
                       object_type="api_token", object_id=caller.token_id,
                       data={"method": method, "path": path, "scope": scope})
