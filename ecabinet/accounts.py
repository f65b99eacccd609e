"""Accounts: Argon2 passwords, login with lock-out, sessions, and account administration."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from ecabinet.models import LoginSession, Role, Unit, User
from ecabinet.models.base import utcnow

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths cost one Argon2 check
# and response time does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def configure_hashing(time_cost: int, memory_kib: int) -> None:
    """Set Argon2id cost for new hashes (existing hashes keep verifying with their own)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
    _DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 8
# The cookie that carries a login session's token, signed with the node's secret key;
# the same for HTTP requests and the live channel's handshake.
SESSION_COOKIE = "ecabinet_session"


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginPolicy:
    """How many failures lock an account, and for how long."""

    max_failures: int = 5
    lock_seconds: int = 900
    session_seconds: int = 12 * 3600


def _validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid("password_too_short", min=MIN_PASSWORD_LENGTH)


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    full_name: str,
    password: str,
    role: Role | str,
    unit_id: int | None = None,
    title: str = "",
    language: str = "vi",
    actor_id: int | None = None,
) -> User:
    """Create an account; usernames are unique and lower-case."""
    username = username.strip().lower()
    if not username or not full_name.strip():
        raise Invalid("required_fields")
    try:
        role = Role(role)
    except ValueError as exc:
        raise Invalid("unknown_role", role=str(role)) from exc
    _validate_password(password)
    if await session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("username_taken", username=username)
    if unit_id is not None and await session.get(Unit, unit_id) is None:
        raise Invalid("unknown_unit")
    user = User(
        username=username,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        role=role,
        unit_id=unit_id,
        title=title.strip(),
        language=language if language in ("vi", "en") else "vi",
    )
    session.add(user)
    await session.flush()
    await audit.record(
        session, "user.create", actor_id=actor_id, object_type="user", object_id=user.id,
        data={"username": username, "role": role.value},
    )
    return user


async def update_user(
    session: AsyncSession,
    user_id: int,
    *,
    actor_id: int,
    full_name: str | None = None,
    title: str | None = None,
    role: str | None = None,
    unit_id: int | None = None,
    active: bool | None = None,
    password: str | None = None,
    language: str | None = None,
) -> User:
    """Change an account's fields; deactivating or a new password ends its sessions."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found")
    changed: dict[str, object] = {}
    if full_name is not None and full_name.strip():
        user.full_name = changed["full_name"] = full_name.strip()
    if title is not None:
        user.title = changed["title"] = title.strip()
    if role is not None:
        try:
            user.role = Role(role)
        except ValueError as exc:
            raise Invalid("unknown_role", role=role) from exc
        changed["role"] = role
    if unit_id is not None:
        if await session.get(Unit, unit_id) is None:
            raise Invalid("unknown_unit")
        user.unit_id = changed["unit_id"] = unit_id
    if language is not None and language in ("vi", "en"):
        user.language = changed["language"] = language
    if active is not None:
        if not active and user_id == actor_id:
            raise Conflict("cannot_deactivate_self")
        user.active = changed["active"] = active
        if active:
            user.failed_logins = 0
            user.locked_until = None
    if password is not None:
        _validate_password(password)
        user.password_hash = hash_password(password)
        changed["password"] = "changed"
    if active is False or password is not None:
        await revoke_user_sessions(session, user_id)
    await audit.record(
        session, "user.update", actor_id=actor_id, object_type="user", object_id=user_id,
        data=changed,
    )
    return user


async def list_users(session: AsyncSession, *, unit_id: int | None = None) -> list[User]:
    """Accounts, by name."""
    query = select(User).order_by(User.full_name)
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return list((await session.scalars(query)).all())


async def get_user(session: AsyncSession, user_id: int) -> User:
    """One account or NotFound."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found")
    return user


async def authenticate(
    session: AsyncSession, username: str, password: str, policy: LoginPolicy
) -> LoginSession:
    """Check a login and open a session; on refusal the caller runs `record_failure`.

    The failure is counted in a transaction of its own, since the refusal rolls
    this one back and a brute-force attempt must not undo its own count.
    """
    now = utcnow()
    user = await session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        check_password(_DUMMY_HASH, password)
        raise Unauthenticated("bad_credentials")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise Forbidden("account_locked", minutes=minutes)
    if not user.active:
        check_password(_DUMMY_HASH, password)
        raise Unauthenticated("bad_credentials")
    if not check_password(user.password_hash, password):
        raise Unauthenticated("bad_credentials")
    user.failed_logins = 0
    user.locked_until = None
    login = LoginSession(
        token=secrets.token_urlsafe(32),
        csrf_token=secrets.token_urlsafe(32),
        user_id=user.id,
        expires_at=now + timedelta(seconds=policy.session_seconds),
    )
    session.add(login)
    await session.flush()
    await audit.record(session, "user.login", actor_id=user.id, object_type="user",
                       object_id=user.id)
    return login


async def record_failure(session: AsyncSession, username: str, policy: LoginPolicy) -> bool:
    """Count a wrong password; returns True when this failure locked the account."""
    user = await session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active or is_locked(user):
        return False
    user.failed_logins += 1
    if user.failed_logins < policy.max_failures:
        return False
    user.locked_until = utcnow() + timedelta(seconds=policy.lock_seconds)
    user.failed_logins = 0
    await audit.record(session, "user.locked", actor_id=None, object_type="user",
                       object_id=user.id)
    return True


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="ecabinet-session")


def sign_token(secret: str, token: str) -> str:
    """The session cookie's value for a session token."""
    return str(_serializer(secret).dumps(token))


def read_cookie_token(secret: str, cookie: str | None) -> str | None:
    """The session token inside a signed cookie, or None if absent or tampered with."""
    if not cookie:
        return None
    try:
        value = _serializer(secret).loads(cookie)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def _is_live(login: LoginSession, user: User, now: datetime) -> bool:
    return login.revoked_at is None and login.expires_at > now and user.active


async def resolve_session(session: AsyncSession, token: str) -> tuple[LoginSession, User]:
    """The live login session and its user for a token, or Unauthenticated."""
    row = await session.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token == token)
    )
    found = row.first()
    if found is None:
        raise Unauthenticated("not_logged_in")
    login, user = found
    if not _is_live(login, user, utcnow()):
        raise Unauthenticated("session_expired")
    return login, user


async def users_by_token(session: AsyncSession, tokens: Sequence[str]) -> dict[str, User]:
    """The live sessions among `tokens` and their users, in one query (group commits)."""
    now = utcnow()
    rows = await session.execute(
        select(LoginSession, User).join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token.in_(set(tokens)))
    )
    return {login.token: user for login, user in rows if _is_live(login, user, now)}


def session_key(token: str) -> str:
    """A name for one login session that reveals nothing of its token (live-channel rooms)."""
    return hashlib.sha256(f"login:{token}".encode()).hexdigest()[:32]


async def logout(session: AsyncSession, token: str) -> None:
    """End one login session for good; its open sockets are closed after commit."""
    user_id = await session.scalar(
        update(LoginSession)
        .where(LoginSession.token == token, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(LoginSession.user_id)
    )
    if user_id is not None:
        eventlog.notify(session, [user_id], "session.ended", login=session_key(token))


async def revoke_user_sessions(session: AsyncSession, user_id: int) -> None:
    """End every login session of a user (deactivated, new password), sockets included."""
    await session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    eventlog.notify(session, [user_id], "session.ended", login=None)


async def count_users(session: AsyncSession) -> int:
    """How many accounts exist."""
    return int(await session.scalar(select(func.count(User.id))) or 0)


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Whether the account is currently locked out."""
    return user.locked_until is not None and user.locked_until > (now or utcnow())
