"""Accounts: Argon2 passwords, login, sessions, and account administration."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import audit, db, eventlog
from ecabinet.errors import Conflict, Invalid, NotFound, Unauthenticated
from ecabinet.i18n import LANGUAGES
from ecabinet.mail.outbox import check_address
from ecabinet.models import LoginSession, Role, Unit, User
from ecabinet.models.base import utcnow
from ecabinet.ratelimit import Backoff

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
    """How long a session lasts, and when failed logins start to wait (see `login_throttle`).

    No account is ever locked: anyone could lock anyone out, the administrator included,
    by typing wrong passwords. After `max_failures` failures for one account from one
    client address, that address waits 1, 2, 4 ... seconds (at most `max_delay_seconds`)
    before each further try for that account; the owner at another address is not held.
    """

    max_failures: int = 5
    max_delay_seconds: int = 900
    session_seconds: int = 12 * 3600


def check_password_rules(password: str) -> None:
    """Refuse a new password that breaks the rules (too short)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid("password_too_short", min=MIN_PASSWORD_LENGTH)


@dataclass(frozen=True)
class PasswordHash:
    """A new password already checked against the rules and hashed."""

    value: str


# What no password verifies against: for accounts written only to be rolled back (an
# import's preview), which need no Argon2 work.
UNUSABLE_HASH = PasswordHash("!")


async def prepare_password(password: str) -> PasswordHash:
    """Check a new password and hash it in a worker thread, before any transaction opens.

    Argon2 costs tens of milliseconds of CPU: inside a transaction it would hold SQLite's
    one write lock that long, on the event loop it would stall every screen.
    """
    check_password_rules(password)
    return PasswordHash(await asyncio.to_thread(hash_password, password))


def _password_hash(password: str | PasswordHash) -> str:
    # A plain string (the command line, the demo) is checked and hashed here and now.
    if isinstance(password, PasswordHash):
        return password.value
    check_password_rules(password)
    return hash_password(password)


# Usernames are typed at login on any keyboard and shown in audit logs: plain letters,
# digits and . _ - only, so no look-alike or right-to-left trick can pose as another.
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
MAX_NAME = 200
MAX_TITLE = 200


def clean_username(username: str) -> str:
    """A username as stored (lower case), or Invalid."""
    cleaned = canonical_username(username)
    if not USERNAME.match(cleaned):
        raise Invalid("username_invalid")
    return cleaned


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise Invalid("field_invalid", field="language")
    return language


def _bounded(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise Invalid("field_too_long", field=field, max=limit)
    return value


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    full_name: str,
    password: str | PasswordHash,
    role: Role | str,
    unit_id: int | None = None,
    title: str = "",
    language: str = "vi",
    actor_id: int | None = None,
    email: str = "",
    must_change_password: bool = False,
) -> User:
    """Create an account; usernames are unique and lower-case. `must_change_password`:
    someone else chose the password, so its owner is asked for their own at login."""
    if not username.strip() or not full_name.strip():
        raise Invalid("required_fields")
    username = clean_username(username)
    full_name = _bounded(full_name, "full_name", MAX_NAME)
    title = _bounded(title, "title", MAX_TITLE)
    try:
        role = Role(role)
    except ValueError as exc:
        raise Invalid("unknown_role", role=str(role)) from exc
    password_hash = _password_hash(password)
    if await session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("username_taken", username=username)
    if unit_id is not None and await session.get(Unit, unit_id) is None:
        raise Invalid("unknown_unit")
    user = User(
        username=username,
        full_name=full_name.strip(),
        password_hash=password_hash,
        role=role,
        unit_id=unit_id,
        title=title.strip(),
        language=_language(language),
        email=check_address(email),
        must_change_password=must_change_password,
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
    password: str | PasswordHash | None = None,
    language: str | None = None,
    email: str | None = None,
) -> User:
    """Change an account's fields; deactivating or a new password ends its sessions."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found")
    changed: dict[str, object] = {}
    if full_name is not None and full_name.strip():
        user.full_name = changed["full_name"] = _bounded(full_name, "full_name", MAX_NAME)
    if title is not None:
        user.title = changed["title"] = _bounded(title, "title", MAX_TITLE)
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
    if language is not None:
        language = _language(language)
        user.language = changed["language"] = language
    if email is not None:
        user.email = changed["email"] = check_address(email)
    if active is not None:
        if not active and user_id == actor_id:
            raise Conflict("cannot_deactivate_self")
        user.active = changed["active"] = active
        if active:
            user.failed_logins = 0
            user.locked_until = None
    if password is not None:
        user.password_hash = _password_hash(password)
        changed["password"] = "changed"
        # Reset by an administrator: the owner chooses their own at the next login.
        user.must_change_password = user_id != actor_id
    if active is False or password is not None:
        await revoke_user_sessions(session, user_id)
    await audit.record(
        session, "user.update", actor_id=actor_id, object_type="user", object_id=user_id,
        data=changed,
    )
    return user


async def list_users(session: AsyncSession, *, unit_id: int | None = None) -> list[User]:
    """Accounts, by name."""
    # People only: service accounts are listed with their tokens.
    query = select(User).where(User.service.is_(False)).order_by(User.full_name)
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return list((await session.scalars(query)).all())


async def get_user(session: AsyncSession, user_id: int) -> User:
    """One account or NotFound."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found")
    return user


def canonical_username(username: str) -> str:
    """A username as stored: trimmed and lower-case."""
    return username.strip().lower()


def login_throttle(policy: LoginPolicy) -> Backoff:
    """The delays for failed logins, keyed by (canonical username, client address)."""
    return Backoff(policy.max_failures, policy.max_delay_seconds)


async def authenticate(
    sessions: async_sessionmaker[AsyncSession], username: str, password: str,
    policy: LoginPolicy, *, client: str = "",
) -> tuple[LoginSession, User]:
    """Check a login and open a session, or refuse with `bad_credentials`.

    An unknown account, an inactive one and a wrong password get the same refusal after
    the same Argon2 work, so neither the answer nor its time says which accounts exist.
    Repeated failures are slowed down by the caller, per account and client address.

    The Argon2 check runs in a worker thread between two short transactions: it costs tens
    of milliseconds of CPU, and a hall of tablets logging in at once must neither queue
    behind it for the database's write lock (SQLite has one) nor stall every screen's events.
    """
    async with db.transaction(sessions) as session:
        found = await session.scalar(
            select(User).where(User.username == canonical_username(username)))
        # A service account calls the API with tokens; it has no password anyone knows.
        usable = found is not None and found.active and not found.service
        known = (found.id, found.password_hash) if found is not None and usable else None
    matches = await asyncio.to_thread(check_password, known[1] if known else _DUMMY_HASH,
                                      password)
    if known is None or not matches:
        # Audited whichever way it failed (the same write either way, so its time says
        # nothing either): someone trying passwords shows in the log, with the address.
        async with db.transaction(sessions) as session:
            await audit.record(session, "user.login_failed", actor_id=None, object_type="user",
                               object_id=found.id if found is not None else "",
                               data={"username": canonical_username(username)[:80],
                                     "address": client[:64]})
        raise Unauthenticated("bad_credentials")
    async with db.transaction(sessions) as session:
        user = await session.get(User, known[0])
        # Deactivated or given a new password while the hash was being checked.
        if user is None or not user.active or user.password_hash != known[1]:
            raise Unauthenticated("bad_credentials")
        login = LoginSession(
            token=secrets.token_urlsafe(32),
            csrf_token=secrets.token_urlsafe(32),
            user_id=user.id,
            expires_at=utcnow() + timedelta(seconds=policy.session_seconds),
        )
        session.add(login)
        await session.flush()
        await audit.record(session, "user.login", actor_id=user.id, object_type="user",
                           object_id=user.id)
    return login, user


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
    return _live(login.revoked_at, login.expires_at, user.active, now)


def _live(revoked_at: datetime | None, expires_at: datetime, active: bool, now: datetime
          ) -> bool:
    return revoked_at is None and expires_at > now and active


# Built once: every request and live action asks it, and building a statement costs
# about as much as SQLite takes to answer it.
_SESSION_BY_TOKEN = (select(LoginSession, User).join(User, User.id == LoginSession.user_id)
                     .where(LoginSession.token == bindparam("token")))


async def resolve_session(session: AsyncSession, token: str) -> tuple[LoginSession, User]:
    """The live login session and its user for a token, or Unauthenticated."""
    row = await session.execute(_SESSION_BY_TOKEN, {"token": token})
    found = row.first()
    if found is None:
        raise Unauthenticated("not_logged_in")
    login, user = found
    if not _is_live(login, user, utcnow()):
        raise Unauthenticated("session_expired")
    return login, user


_USER_BY_TOKEN = (select(User, LoginSession.revoked_at, LoginSession.expires_at)
                  .join(LoginSession, LoginSession.user_id == User.id)
                  .where(LoginSession.token == bindparam("token")))


async def session_user(session: AsyncSession, token: str) -> User:
    """The user of a live login session, or Unauthenticated: `resolve_session` without
    loading the session's row, for the live channel's handshake and actions."""
    found = (await session.execute(_USER_BY_TOKEN, {"token": token})).first()
    if found is None:
        raise Unauthenticated("not_logged_in")
    user, revoked_at, expires_at = found
    if not _live(revoked_at, expires_at, user.active, utcnow()):
        raise Unauthenticated("session_expired")
    return user


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


async def revoke_user_sessions(session: AsyncSession, user_id: int, *,
                               keep_token: str = "") -> None:
    """End every login session of a user (deactivated, new password), sockets included;
    all but `keep_token`'s when the owner changed the password from that one."""
    await session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None),
               LoginSession.token != keep_token)
        .values(revoked_at=utcnow())
    )
    eventlog.notify(session, [user_id], "session.ended", login=None)


async def count_users(session: AsyncSession) -> int:
    """How many accounts exist."""
    return int(await session.scalar(select(func.count(User.id))) or 0)


async def check_own_password(user: User, current: str, new: str) -> PasswordHash:
    """The owner's new password, hashed, once the current one is right and the new one
    keeps the rules and differs. Both Argon2 checks run in worker threads."""
    if not await asyncio.to_thread(check_password, user.password_hash, current):
        raise Invalid("current_password_wrong", field="current_password")
    if await asyncio.to_thread(check_password, user.password_hash, new):
        raise Invalid("password_unchanged", field="new_password")
    return await prepare_password(new)


async def set_own_password(session: AsyncSession, user_id: int, *, was: str,
                           new: PasswordHash, keep_token: str) -> User:
    """Write the owner's new password (if it was not changed meanwhile): the request to
    change it is lifted, and every other session of the account ends."""
    user = await session.get(User, user_id)
    if user is None or user.password_hash != was:
        raise Conflict("password_changed_meanwhile")
    user.password_hash = new.value
    user.must_change_password = False
    await revoke_user_sessions(session, user_id, keep_token=keep_token)
    await audit.record(session, "user.password", actor_id=user_id, object_type="user",
                       object_id=user_id)
    return user
