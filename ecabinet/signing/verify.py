"""Verify the signatures of any PDF: who signed, when, integrity, trust, later changes."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    async_validate_pdf_signature,
)
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import collect_timing_info
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)

# Either usage marks a signing certificate; Vietnamese CAs set both, some only one.
_SIGNER_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)


class PdfVerificationError(ValueError):
    """The input cannot be verified at all (not a PDF, unreadable, encrypted)."""


class Verdict(StrEnum):
    """Overall judgement, after ETSI EN 319 102-1's PASSED / FAILED / INDETERMINATE."""

    VALID = "valid"
    """Every signature is intact, trusted, made with a certificate valid at the time,
    and nothing but allowed changes (later signatures, form filling, annotations)
    followed it."""
    INVALID = "invalid"
    """A signature is broken, or the content changed after a signature."""
    INDETERMINATE = "indeterminate"
    """Intact and unchanged, but trust cannot be established (unknown CA, expired
    certificate at signing time, untrusted timestamp...)."""
    UNSIGNED = "unsigned"
    """The document has no signatures."""


class Coverage(StrEnum):
    """How much of the file a signature covers."""

    ENTIRE_FILE = "entire_file"
    """Nothing was appended after this signature."""
    ENTIRE_REVISION = "entire_revision"
    """The signature covers its revision; incremental updates were appended later."""
    PARTIAL = "partial"
    """The byte range leaves out more than the signature itself: a bad sign."""


class Modification(StrEnum):
    """What happened to the document after a signature."""

    NONE = "none"
    ALLOWED = "allowed"
    """Only later signatures, form filling or annotations."""
    CONTENT_CHANGED = "content_changed"
    """Pages, text or other content were changed after signing."""


@dataclass(frozen=True)
class TimestampInfo:
    """An RFC 3161 signature timestamp embedded in a signature."""

    time: dt.datetime
    authority: str
    """Common name of the time-stamping authority's certificate."""
    intact: bool
    trusted: bool


@dataclass(frozen=True)
class SignatureReport:
    """Verification result for one signature field."""

    field_name: str
    signer_common_name: str = ""
    signer_organization: str = ""
    signer_subject: str = ""
    certificate_serial: str = ""
    certificate_not_before: dt.datetime | None = None
    certificate_not_after: dt.datetime | None = None
    claimed_signing_time: dt.datetime | None = None
    """Time the signer's software wrote (/M or signingTime); a claim, not proof."""
    timestamp: TimestampInfo | None = None
    signing_time_source: str = "none"
    """"timestamp" when a trusted timestamp fixes the time, else "claimed" or "none"."""
    reason: str = ""
    location: str = ""
    revision: int = 0
    """1-based revision of the file this signature signs."""
    intact: bool = False
    """The signed bytes are unchanged and the signature value verifies."""
    coverage: Coverage = Coverage.PARTIAL
    modification: Modification = Modification.CONTENT_CHANGED
    modification_detail: str = ""
    trusted: bool = False
    """The certificate chains to one of the configured trust roots."""
    trust_anchor: str = ""
    valid_at_signing_time: bool = False
    """Signing time lies within the validity period of every certificate on the chain."""
    certificate_problem: str | None = None
    """pyHanko's AdES sub-indication for the chain at signing time, None when it passed."""
    revocation: str = "not_checked"
    """Revocation is not checked offline (no CRL/OCSP fetching)."""
    error: str | None = None
    """Set when the signature could not be evaluated at all."""

    @property
    def valid(self) -> bool:
        """Intact, trusted, certificate valid then, only allowed changes, timestamp sound."""
        timestamp_ok = self.timestamp is None or (self.timestamp.intact and self.timestamp.trusted)
        return (
            self.error is None
            and self.intact
            and self.trusted
            and self.valid_at_signing_time
            and self.certificate_problem is None
            and self.modification is not Modification.CONTENT_CHANGED
            and timestamp_ok
        )


@dataclass(frozen=True)
class VerificationReport:
    """All signatures of a document and the overall verdict."""

    signatures: list[SignatureReport]
    revisions: int
    verdict: Verdict
    message: str
    modified_after_last_signature: bool = False
    """Incremental updates follow the last signature (see each signature's modification)."""
    notes: list[str] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        """Whether the document carries at least one signature."""
        return bool(self.signatures)


def load_trust_roots(directory: Path | str) -> list[x509.Certificate]:
    """Every certificate in PEM or DER files directly inside `directory` (sorted by name).

    Files that hold no certificate raise PdfVerificationError naming the file, so a
    misconfigured trust folder is noticed instead of silently trusting nothing.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise PdfVerificationError(f"trust roots folder {folder} does not exist")
    roots: list[x509.Certificate] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        data = path.read_bytes()
        try:
            if b"-----BEGIN CERTIFICATE-----" in data:
                roots.extend(x509.load_pem_x509_certificates(data))
            else:
                roots.append(x509.load_der_x509_certificate(data))
        except ValueError as exc:
            raise PdfVerificationError(f"{path.name} is not a PEM or DER certificate") from exc
    return roots


def verify_pdf(pdf: bytes, trust_roots: Sequence[x509.Certificate]) -> VerificationReport:
    """Blocking form of `verify_pdf_async`; call it from a worker thread in async code."""
    return asyncio.run(verify_pdf_async(pdf, trust_roots))


async def verify_pdf_async(
    pdf: bytes, trust_roots: Sequence[x509.Certificate]
) -> VerificationReport:
    """Check every signature of `pdf` against `trust_roots`, offline."""
    # ISO 32000 lets the header start anywhere in the first 1024 bytes.
    if b"%PDF-" not in pdf[:1024]:
        raise PdfVerificationError("not a PDF file")
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        if reader.encrypted:
            raise PdfVerificationError("encrypted PDFs cannot be verified")
        embedded = list(reader.embedded_regular_signatures)
        revisions = reader.total_revisions
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, PdfVerificationError):
            raise
        raise PdfVerificationError(f"unreadable PDF: {exc}") from exc

    notes: list[str] = []
    if reader.embedded_timestamp_signatures:
        notes.append("document timestamps present; they are not listed as signatures")
    if not embedded:
        return VerificationReport(
            signatures=[],
            revisions=revisions,
            verdict=Verdict.UNSIGNED,
            message="The document has no digital signatures.",
            notes=notes,
        )

    anchors = [_to_asn1(root) for root in trust_roots]
    reports = [await _verify_one(signature, anchors) for signature in embedded]
    last_revision = max(report.revision for report in reports)
    modified_after = last_revision < revisions
    verdict, message = _verdict(reports)
    return VerificationReport(
        signatures=reports,
        revisions=revisions,
        verdict=verdict,
        message=message,
        modified_after_last_signature=modified_after,
        notes=notes,
    )


def _verdict(reports: Sequence[SignatureReport]) -> tuple[Verdict, str]:
    broken = [r.field_name for r in reports if r.error is not None or not r.intact]
    changed = [r.field_name for r in reports if r.modification is Modification.CONTENT_CHANGED]
    if broken:
        return Verdict.INVALID, f"Signature(s) {', '.join(broken)} are broken or unreadable."
    if changed:
        return Verdict.INVALID, (
            f"The document content changed after signature(s) {', '.join(changed)}."
        )
    doubtful = [r.field_name for r in reports if not r.valid]
    if doubtful:
        return Verdict.INDETERMINATE, (
            f"Signature(s) {', '.join(doubtful)} are intact but not trusted or not valid "
            "at signing time."
        )
    return Verdict.VALID, "All signatures are valid and the document is unchanged since."


async def _verify_one(
    signature: EmbeddedPdfSignature, anchors: list[asn1_x509.Certificate]
) -> SignatureReport:
    field_name = str(signature.field_name)
    try:
        return await _evaluate(signature, anchors)
    except (SignatureValidationError, PdfError, ValueError, KeyError) as exc:
        logger.info("signature %s could not be evaluated: %s", field_name, exc)
        return SignatureReport(field_name=field_name, error=str(exc) or type(exc).__name__)


async def _evaluate(
    signature: EmbeddedPdfSignature, anchors: list[asn1_x509.Certificate]
) -> SignatureReport:
    # The timestamp (if trusted) or else the claimed time is the moment the
    # certificate must have been valid; so timing is read before the chain is judged.
    timestamp_context = ValidationContext(trust_roots=anchors, allow_fetching=False)
    timing = await collect_timing_info(
        signature.signer_info, timestamp_context, raw_digest=signature.compute_digest
    )
    claimed = signature.self_reported_timestamp
    timestamp_status: TimestampSignatureStatus | None = timing.get("timestamp_validity")
    timestamp = _timestamp_info(timestamp_status)
    if timestamp is not None and timestamp.trusted and timestamp.intact:
        moment, source = timestamp.time, "timestamp"
    elif claimed is not None:
        moment, source = claimed, "claimed"
    else:
        moment, source = dt.datetime.now(dt.UTC), "none"

    signer_context = ValidationContext(
        trust_roots=anchors,
        allow_fetching=False,
        moment=moment,
        revocation_mode="soft-fail",
    )
    status: PdfSignatureStatus = await async_validate_pdf_signature(
        signature,
        signer_validation_context=signer_context,
        ts_validation_context=timestamp_context,
        key_usage_settings=_SIGNER_KEY_USAGE,
    )
    certificate = status.signing_cert
    subject = certificate.subject.native
    chain = _verified_chain(status, anchors)
    coverage, modification, detail = _modification(status)
    sig_object = signature.sig_object
    return SignatureReport(
        field_name=str(signature.field_name),
        signer_common_name=_text(subject.get("common_name")),
        signer_organization=_text(subject.get("organization_name")),
        signer_subject=certificate.subject.human_friendly,
        certificate_serial=format(certificate.serial_number, "x"),
        certificate_not_before=certificate.not_valid_before,
        certificate_not_after=certificate.not_valid_after,
        claimed_signing_time=claimed,
        timestamp=timestamp,
        signing_time_source=source,
        reason=_text(sig_object.get("/Reason")),
        location=_text(sig_object.get("/Location")),
        revision=signature.signed_revision + 1,
        intact=status.intact and status.valid,
        coverage=coverage,
        modification=modification,
        modification_detail=detail,
        trusted=chain is not None,
        trust_anchor=chain[0].subject.human_friendly if chain else "",
        valid_at_signing_time=_valid_at(chain or [certificate], moment),
        certificate_problem=(
            status.trust_problem_indic.standard_name if status.trust_problem_indic else None
        ),
    )


def _timestamp_info(status: TimestampSignatureStatus | None) -> TimestampInfo | None:
    if status is None:
        return None
    return TimestampInfo(
        time=status.timestamp,
        authority=_text(status.signing_cert.subject.native.get("common_name")),
        intact=status.intact and status.valid,
        trusted=status.trusted,
    )


def _verified_chain(
    status: PdfSignatureStatus, anchors: list[asn1_x509.Certificate]
) -> list[asn1_x509.Certificate] | None:
    """The path from a configured root to the signer, each link's signature checked.

    pyHanko reports the path it built even when validation failed later (say, on an
    expired certificate); checking the links here tells "chains to our root" apart
    from "valid at that time".
    """
    path = status.validation_path
    if path is None:
        return None
    certificates = list(path.iter_certs(include_root=True))
    anchor_keys = {anchor.dump() for anchor in anchors}
    if not certificates or certificates[0].dump() not in anchor_keys:
        return None
    loaded = [x509.load_der_x509_certificate(cert.dump()) for cert in certificates]
    for issuer, child in itertools.pairwise(loaded):
        try:
            child.verify_directly_issued_by(issuer)
        except (InvalidSignature, ValueError, TypeError):
            return None
    if loaded[-1].public_bytes(serialization.Encoding.DER) != status.signing_cert.dump():
        return None
    return certificates


def _valid_at(chain: Sequence[asn1_x509.Certificate], moment: dt.datetime) -> bool:
    return all(cert.not_valid_before <= moment <= cert.not_valid_after for cert in chain)


def _modification(status: PdfSignatureStatus) -> tuple[Coverage, Modification, str]:
    coverage = status.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return Coverage.ENTIRE_FILE, Modification.NONE, ""
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return Coverage.PARTIAL, Modification.CONTENT_CHANGED, "the signed byte range is irregular"
    diff = status.diff_result
    if isinstance(diff, SuspiciousModification):
        return Coverage.ENTIRE_REVISION, Modification.CONTENT_CHANGED, str(diff)
    level = status.modification_level
    if status.docmdp_ok and level is not None and level is not ModificationLevel.OTHER:
        detail = {
            ModificationLevel.LTA_UPDATES: "validation data or timestamps added",
            ModificationLevel.FORM_FILLING: "later signatures or form filling",
            ModificationLevel.ANNOTATIONS: "later signatures, form filling or annotations",
        }.get(level, level.name.lower())
        return Coverage.ENTIRE_REVISION, Modification.ALLOWED, detail
    return Coverage.ENTIRE_REVISION, Modification.CONTENT_CHANGED, "content changed after signing"


def _to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(part) for part in value)
    return str(value)
