"""User accounts and their login sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped


class Role(enum.StrEnum):
    """What an account may do across the system."""

    admin = "admin"
    secretary = "secretary"
    chair = "chair"
    delegate = "delegate"
    remote_room = "remote_room"
    observer = "observer"


class User(Timestamped, Base):
    """A person, or a remote meeting room's shared account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    # A service account: another system's identity, which calls the API with tokens and
    # never logs in with a password.
    service: Mapped[bool] = mapped_column(default=False)
    # Where eCabinet writes to the person ("" : nowhere), and the kinds of email they asked
    # not to get (space-separated: invitations reminders tasks signatures).
    email: Mapped[str] = mapped_column(String(200), default="")
    mail_off: Mapped[str] = mapped_column(String(200), default="")
    # Set when an administrator (or an import) chose the password: its owner is asked to
    # choose their own at the next login, so nobody else keeps knowing it.
    must_change_password: Mapped[bool] = mapped_column(default=False)


class LoginSession(Timestamped, Base):
    """A logged-in browser; the cookie carries only the signed token."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
