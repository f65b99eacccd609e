"""Signing keys, trusted roots, and the composed official PDFs with every signed version."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped, utcnow


class SignerKeyKind(enum.StrEnum):
    """Where a signer's private key lives."""

    pkcs12 = "pkcs12"
    pkcs11 = "pkcs11"


class SignerKey(Timestamped, Base):
    """A person's signing key as the admin configured it; the secret is never stored.

    A PKCS#12 key store is kept as uploaded, encrypted with its passphrase, which the
    signer types when signing (or, for an unattended key, an environment variable holds).
    A PKCS#11 key stays on its token; only where to find it is recorded.
    """

    __tablename__ = "signer_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SignerKeyKind] = mapped_column(Enum(SignerKeyKind, native_enum=False, length=10))
    label: Mapped[str] = mapped_column(String(200), default="")
    pkcs12: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    module_path: Mapped[str] = mapped_column(String(500), default="")
    token_label: Mapped[str] = mapped_column(String(200), default="")
    key_label: Mapped[str] = mapped_column(String(200), default="")
    cert_label: Mapped[str] = mapped_column(String(200), default="")
    slot: Mapped[int | None] = mapped_column(default=None)
    # Name of an environment variable holding the passphrase or PIN (unattended keys).
    passphrase_env: Mapped[str] = mapped_column(String(100), default="")
    certificate_pem: Mapped[str] = mapped_column(Text)
    chain_pem: Mapped[str] = mapped_column(Text, default="")
    subject_name: Mapped[str] = mapped_column(String(300), default="")
    organization: Mapped[str] = mapped_column(String(300), default="")
    serial: Mapped[str] = mapped_column(String(100), default="")
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    seal_png: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    demo: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class TrustRoot(Timestamped, Base):
    """A CA certificate the admin trusts for verifying signatures."""

    __tablename__ = "trust_roots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    pem: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class OfficialPdfStatus(enum.StrEnum):
    """Whether a composed document still awaits signatures."""

    signing = "signing"
    signed = "signed"
    # Returned before all signed: kept as it was, replaced by a newly composed one.
    superseded = "superseded"


class OfficialPdf(Timestamped, Base):
    """Minutes, a conclusion notice, a ballot paper or a report composed as PDF, frozen for
    signing."""

    __tablename__ = "official_pdfs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A meeting's minutes or notice, or a consultation's ballot paper or report.
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True, default=None
    )
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(50), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[OfficialPdfStatus] = mapped_column(
        Enum(OfficialPdfStatus, native_enum=False, length=20), default=OfficialPdfStatus.signing
    )
    # [{"role": "secretary", "user_id": 3}, ...] in signing order.
    signers: Mapped[list[Any]] = mapped_column(default=list)
    # {"secretary": [page, [x0, y0, x1, y1]], ...}
    boxes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OfficialPdfVersion(Base):
    """One immutable state of an official PDF: as composed (1), then after each signature."""

    __tablename__ = "official_pdf_versions"
    __table_args__ = (UniqueConstraint("pdf_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pdf_id: Mapped[int] = mapped_column(ForeignKey("official_pdfs.id", ondelete="CASCADE"))
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    role: Mapped[str] = mapped_column(String(20), default="")
    signed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    signer_name: Mapped[str] = mapped_column(String(300), default="")
    certificate_serial: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
