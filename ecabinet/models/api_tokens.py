"""API tokens: how another system (eOffice, the province's data-sharing hub) calls the API
as a service account, within the scopes the token was given."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped


class ApiToken(Timestamped, Base):
    """One token of a service account; only its SHA-256 is kept, and its first characters
    so that an administrator can tell tokens apart."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated, as OAuth writes scopes.
    scopes: Mapped[str] = mapped_column(String(300))
    expires_at: Mapped[datetime]
    rate_per_minute: Mapped[int] = mapped_column(default=60)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
