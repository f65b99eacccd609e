"""Who signs what: signing keys, trusted roots, official PDFs and their signed versions.

The signing library (`ecabinet.signing`, `ecabinet.pdf.official`) works on bytes; this
module decides who may sign which document in which order, keeps each signed version
(never changing one once stored), and runs the PDF work in a worker process, since
PyMuPDF is not thread-safe and signing would otherwise stall the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from ecabinet.models import (
    DocumentNumber,
    OfficialPdf,
    OfficialPdfStatus,
    OfficialPdfVersion,
    Role,
    SignerKey,
    SignerKeyKind,
    TrustRoot,
    Unit,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.pdf.official import ComposedDocument, OfficialDocument, compose_official_document
from ecabinet.signing.keystore import (
    KeyStoreError,
    Pkcs11SignerSpec,
    Pkcs12SignerSpec,
    SignerSpec,
    read_pkcs12,
)
from ecabinet.signing.placement import SignatureBox
from ecabinet.signing.sign import PdfSigningError, sign_pdf
from ecabinet.signing.stamp import SignatureAppearance
from ecabinet.signing.verify import (
    PdfVerificationError,
    SignatureReport,
    VerificationReport,
    load_trust_roots,
    verify_pdf,
)

T = TypeVar("T")

MAX_KEYSTORE_BYTES = 64 * 1024
MAX_SEAL_BYTES = 2 * 1024 * 1024
MAX_VERIFY_BYTES = 50 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Who may hold a signing key: the office and chairs sign minutes and notices, members
# their ballot papers.
SIGNING_ROLES = (Role.secretary, Role.chair, Role.delegate)


# -- the worker process ------------------------------------------------------


@dataclass(frozen=True)
class KeyMaterial:
    """Where to find a signing key, as plain data a worker process can receive."""

    kind: str
    pkcs12: bytes | None = None
    module_path: str = ""
    token_label: str = ""
    key_label: str = ""
    cert_label: str = ""
    slot: int | None = None
    chain_pem: bytes = b""


class WrongSecret(ValueError):
    """The passphrase or PIN does not open the key."""


def _spec(material: KeyMaterial, secret: str) -> SignerSpec:
    extra = x509.load_pem_x509_certificates(material.chain_pem) if material.chain_pem else []
    if material.kind == SignerKeyKind.pkcs12.value:
        assert material.pkcs12 is not None
        return Pkcs12SignerSpec(material.pkcs12, secret.encode("utf-8"),
                                extra_certificates=extra)
    return Pkcs11SignerSpec(
        module_path=material.module_path, token_label=material.token_label,
        key_label=material.key_label, cert_label=material.cert_label or None,
        slot=material.slot, pin=secret, extra_certificates=extra,
    )


def compose_job(document: OfficialDocument) -> ComposedDocument:
    """Lay out an official document (runs in the worker)."""
    return compose_official_document(document)


def sign_job(
    pdf: bytes, material: KeyMaterial, secret: str, field_name: str, box: SignatureBox,
    appearance: SignatureAppearance, timestamp_url: str,
) -> bytes:
    """Add one visible PAdES signature (runs in the worker)."""
    try:
        return sign_pdf(
            pdf, _spec(material, secret), field_name=field_name, box=box,
            appearance=appearance, timestamp_url=timestamp_url or None,
        )
    except PdfSigningError as exc:
        # An encrypted PKCS#12 that does not open: the passphrase is wrong (the store
        # was checked when the admin configured it).
        if material.kind == SignerKeyKind.pkcs12.value and isinstance(exc.__cause__,
                                                                      KeyStoreError):
            raise WrongSecret(str(exc)) from None
        raise


def verify_job(pdf: bytes, roots_pem: Sequence[bytes]) -> VerificationReport:
    """Verify every signature of `pdf` against the given roots (runs in the worker)."""
    roots = [cert for pem in roots_pem for cert in x509.load_pem_x509_certificates(pem)]
    return verify_pdf(pdf, roots)


_executor: ProcessPoolExecutor | None = None


def _pool() -> ProcessPoolExecutor:
    global _executor
    if _executor is None:
        # spawn: a fresh interpreter, never a fork of a threaded server process.
        _executor = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn")
        )
    return _executor


def shutdown_worker() -> None:
    """Stop the signing worker; the next job starts a fresh one (with the current environment)."""
    global _executor
    if _executor is not None:
        _executor.shutdown(wait=True, cancel_futures=True)
        _executor = None


async def run_job(fn: Callable[..., T], *args: Any) -> T:
    """Run a PDF job in the signing worker process, restarting it once if it died."""
    global _executor
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        executor = _pool()
        try:
            return await loop.run_in_executor(executor, fn, *args)
        except BrokenProcessPool:
            if _executor is executor:
                executor.shutdown(wait=False, cancel_futures=True)
                _executor = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# -- certificates ------------------------------------------------------------


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return ""
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8")


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 fingerprint in hex."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def _load_certificates(data: bytes) -> list[x509.Certificate]:
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return list(x509.load_pem_x509_certificates(data))
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise Invalid("not_a_certificate") from exc


def _describe_certificate(key: SignerKey, certificate: x509.Certificate) -> None:
    key.certificate_pem = _pem(certificate)
    key.subject_name = _attribute(certificate.subject, NameOID.COMMON_NAME)
    key.organization = _attribute(certificate.subject, NameOID.ORGANIZATION_NAME)
    key.serial = format(certificate.serial_number, "x")
    key.not_before = certificate.not_valid_before_utc
    key.not_after = certificate.not_valid_after_utc


# -- trust roots -------------------------------------------------------------


async def trust_root_pems(session: AsyncSession, trust_roots_dir: str = "") -> list[bytes]:
    """Every trusted root: those the admin added here, and those in the configured folder."""
    pems = [row.encode("ascii") for row in (await session.scalars(select(TrustRoot.pem))).all()]
    if trust_roots_dir:
        try:
            pems.extend(c.public_bytes(serialization.Encoding.PEM)
                        for c in load_trust_roots(trust_roots_dir))
        except PdfVerificationError as exc:
            raise Conflict("trust_roots_misconfigured", detail=str(exc)) from exc
    return pems


def trust_root_view(root: TrustRoot) -> dict[str, Any]:
    """A trusted root as the admin screen lists it."""
    certificate = x509.load_pem_x509_certificate(root.pem.encode("ascii"))
    return {
        "id": root.id, "name": root.name, "fingerprint": root.fingerprint,
        "not_after": certificate.not_valid_after_utc.isoformat(),
        "created_at": root.created_at.isoformat(),
    }


async def list_trust_roots(session: AsyncSession, actor: User) -> list[TrustRoot]:
    """The roots the admin trusts (admin only)."""
    _require_admin(actor)
    return list((await session.scalars(select(TrustRoot).order_by(TrustRoot.id))).all())


async def is_trusted_root(session: AsyncSession, certificate: x509.Certificate) -> bool:
    """Whether this CA certificate is already among the roots trusted here."""
    return await session.scalar(
        select(TrustRoot.id).where(TrustRoot.fingerprint == fingerprint(certificate))
    ) is not None


async def add_trust_root(session: AsyncSession, actor: User | None, data: bytes) -> TrustRoot:
    """Trust a CA certificate (PEM or DER) for verification; admin only."""
    if actor is not None:
        _require_admin(actor)
    if len(data) > MAX_KEYSTORE_BYTES:
        raise TooLarge("upload_file_too_large")
    certificates = _load_certificates(data)
    if len(certificates) != 1:
        raise Invalid("one_certificate_expected")
    certificate = certificates[0]
    constraints = _basic_constraints(certificate)
    if constraints is None or not constraints.ca:
        raise Invalid("not_a_ca_certificate")
    if await is_trusted_root(session, certificate):
        raise Conflict("trust_root_exists")
    digest = fingerprint(certificate)
    root = TrustRoot(
        name=(_attribute(certificate.subject, NameOID.COMMON_NAME)
              or certificate.subject.rfc4514_string()),
        fingerprint=digest, pem=_pem(certificate),
        added_by_id=actor.id if actor else None,
    )
    session.add(root)
    await session.flush()
    await audit.record(session, "signing.trust_root_add", actor_id=actor.id if actor else None,
                       object_type="trust_root", object_id=root.id,
                       data={"name": root.name, "fingerprint": digest})
    return root


def _basic_constraints(certificate: x509.Certificate) -> x509.BasicConstraints | None:
    try:
        value = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None
    return value


async def remove_trust_root(session: AsyncSession, actor: User, root_id: int) -> None:
    """Stop trusting a root (admin only)."""
    _require_admin(actor)
    root = await session.get(TrustRoot, root_id)
    if root is None:
        raise NotFound("trust_root_not_found")
    await session.delete(root)
    await audit.record(session, "signing.trust_root_remove", actor_id=actor.id,
                       object_type="trust_root", object_id=root_id, data={"name": root.name})


# -- signing keys ------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if actor.role != Role.admin:
        raise Forbidden("forbidden")


def key_view(key: SignerKey) -> dict[str, Any]:
    """A key's description; never the key store or any secret."""
    return {
        "id": key.id, "user_id": key.user_id, "kind": key.kind.value, "label": key.label,
        "subject_name": key.subject_name, "organization": key.organization,
        "serial": key.serial, "not_before": key.not_before.isoformat(),
        "not_after": key.not_after.isoformat(), "demo": key.demo, "active": key.active,
        "unattended": bool(key.passphrase_env), "has_seal": key.seal_png is not None,
        "token_label": key.token_label, "key_label": key.key_label,
    }


async def list_keys(session: AsyncSession, actor: User) -> list[SignerKey]:
    """Every configured key (admin only)."""
    _require_admin(actor)
    return list((await session.scalars(select(SignerKey).order_by(SignerKey.id))).all())


async def active_key(session: AsyncSession, user_id: int) -> SignerKey | None:
    """The user's key in use, if any."""
    return await session.scalar(
        select(SignerKey).where(SignerKey.user_id == user_id, SignerKey.active.is_(True))
        .order_by(SignerKey.id.desc()).limit(1)
    )


async def _signer_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    # Delegates sign their ballot papers in written consultations.
    if user is None or user.role not in SIGNING_ROLES or not user.active:
        raise Invalid("signer_must_be_secretary_or_chair")
    return user


def _check_seal(seal_png: bytes | None) -> None:
    if seal_png is None:
        return
    if len(seal_png) > MAX_SEAL_BYTES:
        raise TooLarge("upload_file_too_large")
    if not seal_png.startswith(PNG_MAGIC):
        raise Invalid("seal_must_be_png")


async def _replace_key(session: AsyncSession, actor: User | None, key: SignerKey) -> SignerKey:
    await session.execute(
        update(SignerKey).where(SignerKey.user_id == key.user_id, SignerKey.active.is_(True))
        .values(active=False)
    )
    session.add(key)
    await session.flush()
    await audit.record(session, "signing.key_configure", actor_id=actor.id if actor else None,
                       object_type="signer_key", object_id=key.id,
                       data={"user_id": key.user_id, "kind": key.kind.value,
                             "subject": key.subject_name, "serial": key.serial})
    return key


async def _check_pkcs12(session: AsyncSession, actor: User | None, user_id: int, data: bytes,
                        seal_png: bytes | None) -> None:
    if actor is not None:
        _require_admin(actor)
    await _signer_user(session, user_id)
    if len(data) > MAX_KEYSTORE_BYTES:
        raise TooLarge("upload_file_too_large")
    _check_seal(seal_png)


async def _store_pkcs12(
    session: AsyncSession, actor: User | None, user_id: int, data: bytes,
    certificate: x509.Certificate, chain: Sequence[x509.Certificate], *, label: str,
    passphrase_env: str, seal_png: bytes | None, demo: bool,
) -> SignerKey:
    key = SignerKey(
        user_id=user_id, kind=SignerKeyKind.pkcs12, label=label.strip(), pkcs12=data,
        passphrase_env=_env_name(passphrase_env), seal_png=seal_png, demo=demo,
        chain_pem="".join(_pem(c) for c in chain), created_by_id=actor.id if actor else None,
    )
    _describe_certificate(key, certificate)
    return await _replace_key(session, actor, key)


async def configure_pkcs12(
    session: AsyncSession, actor: User | None, user_id: int, data: bytes, passphrase: str, *,
    label: str = "", passphrase_env: str = "", seal_png: bytes | None = None, demo: bool = False,
) -> SignerKey:
    """Give a secretary or chair an encrypted PKCS#12 key store (admin only).

    The passphrase only proves the store opens; it is not kept. An unencrypted
    store is refused.
    """
    await _check_pkcs12(session, actor, user_id, data, seal_png)
    try:
        certificate, chain = await asyncio.to_thread(
            read_pkcs12, data, passphrase.encode("utf-8")
        )
    except KeyStoreError as exc:
        raise Invalid("keystore_unusable", detail=str(exc)) from exc
    return await _store_pkcs12(session, actor, user_id, data, certificate, chain, label=label,
                               passphrase_env=passphrase_env, seal_png=seal_png, demo=demo)


async def configure_issued_pkcs12(
    session: AsyncSession, actor: User | None, user_id: int, data: bytes,
    certificate: x509.Certificate, chain: Sequence[x509.Certificate], *, label: str = "",
    seal_png: bytes | None = None, demo: bool = False,
) -> SignerKey:
    """Give a secretary or chair a PKCS#12 store the caller itself just issued (admin only).

    The caller vouches that `data` holds `certificate` and `chain`, so the store is not
    opened: each opening runs the slow key derivation, which a loader issuing many keys
    (the demo) would otherwise pay once more per key.
    """
    await _check_pkcs12(session, actor, user_id, data, seal_png)
    return await _store_pkcs12(session, actor, user_id, data, certificate, chain, label=label,
                               passphrase_env="", seal_png=seal_png, demo=demo)


def _env_name(name: str) -> str:
    name = name.strip()
    if name and not (name.replace("_", "").isalnum() and name.isascii() and name[0].isalpha()):
        raise Invalid("bad_env_name")
    return name


PKCS11_MODULES_VARIABLE = "ECABINET_PKCS11_MODULES"


def _same_file(requested: str, allowed: Sequence[str]) -> str | None:
    """The allow-list entry naming the same file as `requested` once links are resolved."""
    path = Path(requested)
    if not path.is_absolute():
        return None
    target = path.resolve()
    return next((entry for entry in allowed
                 if Path(entry).is_absolute() and Path(entry).resolve() == target), None)


async def allowed_pkcs11_module(requested: str, allowed: Sequence[str]) -> str:
    """The operator's allow-list entry for the module `requested`, or a refusal.

    Loading a PKCS#11 module runs its code inside the server, so only a library the
    operator listed in ECABINET_PKCS11_MODULES is ever loaded; with none listed, PKCS#11
    tokens are off. Nothing an admin or a user can upload is on that list.
    """
    if not allowed:
        raise Invalid("pkcs11_disabled")
    entry = await asyncio.to_thread(_same_file, requested, allowed)
    if entry is None:
        raise Invalid("pkcs11_module_not_allowed")
    if not await asyncio.to_thread(Path(entry).is_file):
        raise Invalid("pkcs11_module_missing")
    return entry


def _environment_modules() -> tuple[str, ...]:
    raw = os.environ.get(PKCS11_MODULES_VARIABLE, "")
    return tuple(part.strip() for part in raw.split(",") if part.strip())


async def _check_module_at_signing(module_path: str, allowed: Sequence[str]) -> None:
    # A key configured before the allow-list existed, or whose module the operator has
    # since taken off the list, must not load it.
    if not allowed:
        raise Conflict("pkcs11_disabled")
    if await asyncio.to_thread(_same_file, module_path, allowed) is None:
        raise Conflict("pkcs11_module_not_allowed")


async def configure_pkcs11(
    session: AsyncSession, actor: User, user_id: int, *, module_path: str, token_label: str,
    key_label: str, certificate: bytes, allowed_modules: Sequence[str], cert_label: str = "",
    slot: int | None = None, label: str = "", passphrase_env: str = "",
    seal_png: bytes | None = None,
) -> SignerKey:
    """Point a signer at a key on a PKCS#11 token (admin only); the PIN is typed when signing.

    `certificate` is the signer's certificate, PEM, optionally followed by its CA chain;
    `module_path` must be one of `allowed_modules` (the node's ECABINET_PKCS11_MODULES).
    """
    _require_admin(actor)
    await _signer_user(session, user_id)
    module = await allowed_pkcs11_module(module_path, allowed_modules)
    if not token_label.strip() or not key_label.strip():
        raise Invalid("pkcs11_labels_required")
    _check_seal(seal_png)
    certificates = _load_certificates(certificate)
    key = SignerKey(
        user_id=user_id, kind=SignerKeyKind.pkcs11, label=label.strip(),
        module_path=module, token_label=token_label.strip(), key_label=key_label.strip(),
        cert_label=cert_label.strip(), slot=slot, passphrase_env=_env_name(passphrase_env),
        seal_png=seal_png, chain_pem="".join(_pem(c) for c in certificates[1:]),
        created_by_id=actor.id,
    )
    _describe_certificate(key, certificates[0])
    return await _replace_key(session, actor, key)


async def deactivate_key(session: AsyncSession, actor: User, key_id: int) -> SignerKey:
    """Withdraw a key (admin only); documents it signed stay valid."""
    _require_admin(actor)
    key = await session.get(SignerKey, key_id)
    if key is None:
        raise NotFound("key_not_found")
    key.active = False
    await audit.record(session, "signing.key_deactivate", actor_id=actor.id,
                       object_type="signer_key", object_id=key.id, data={"user_id": key.user_id})
    return key


# -- letterhead and numbering -------------------------------------------------

# Units of these kinds are People's Committees: their documents say "UBND" in the symbol.
_COMMITTEE_KINDS = {"province", "district", "commune", "ward", "city"}
_LOCALITY_WORDS = ("thành phố", "thị xã", "thị trấn", "tỉnh", "huyện", "quận", "xã", "phường")
_COMMITTEE_PREFIXES = ("ubnd", "ủy ban nhân dân", "uỷ ban nhân dân")


@dataclass(frozen=True)
class Letterhead:
    """How a unit heads its documents: issuer line, place name, and its symbol."""

    issuer: str
    place: str
    symbol: str
    name: str
    """The issuer as written in a sentence: "Ủy ban nhân dân tỉnh Thừa Thiên Huế"."""
    committee: bool


def _strip_prefix(text: str, prefixes: Sequence[str]) -> str:
    lowered = text.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix + " "):
            return text[len(prefix) + 1:].strip()
    return text


async def letterhead(session: AsyncSession, unit_id: int) -> Letterhead:
    """The letterhead of a unit: "ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ", "Thừa Thiên Huế"."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit_not_found")
    name = unit.name.strip()
    committee = unit.kind in _COMMITTEE_KINDS
    local = _strip_prefix(name, _COMMITTEE_PREFIXES)
    if committee and local != name:
        name = f"Ủy ban nhân dân {local}"
    place = _strip_prefix(local, _LOCALITY_WORDS)
    symbol = "UBND" if committee else (unit.code or "VP").upper()
    return Letterhead(issuer=name.upper(), place=place, symbol=symbol, name=name,
                      committee=committee)


def number_text(sequence: int, kind: str, symbol: str) -> str:
    """ "05/TB-UBND": Decree 30 writes numbers below 10 with a leading zero."""
    return f"{sequence:02d}/{kind}-{symbol}"


async def next_number(session: AsyncSession, unit_id: int, year: int, kind: str) -> int:
    """The unit's next number for documents of `kind` this year (1, 2, ...), without gaps."""
    query = select(DocumentNumber).where(
        DocumentNumber.unit_id == unit_id, DocumentNumber.year == year,
        DocumentNumber.kind == kind,
    ).with_for_update()
    row = await session.scalar(query)
    if row is None:
        try:
            async with session.begin_nested():
                row = DocumentNumber(unit_id=unit_id, year=year, kind=kind, last=0)
                session.add(row)
        except IntegrityError:
            # Another transaction created the counter first: take its lock instead.
            row = await session.scalar(query.execution_options(populate_existing=True))
            assert row is not None
    row.last += 1
    await session.flush()
    return row.last


# -- official PDFs -----------------------------------------------------------


@dataclass(frozen=True)
class SignerSlot:
    """One signature a document needs: in which box, by whom."""

    role: str
    user_id: int
    seal: bool = False


@event.listens_for(OfficialPdfVersion, "before_update")
def _versions_are_immutable(mapper: Any, connection: Any, target: OfficialPdfVersion) -> None:
    # A stored version may be signed: changing it would break the signature.
    raise RuntimeError("an official PDF version is immutable once stored")


async def compose(document: OfficialDocument) -> ComposedDocument:
    """Lay `document` out as PDF in the worker process."""
    return await run_job(compose_job, document)


async def create_pdf(
    session: AsyncSession, *, kind: str, number: str, title: str,
    document: OfficialDocument, signers: Sequence[SignerSlot], meeting_id: int | None = None,
    consultation_id: int | None = None,
) -> OfficialPdf:
    """Compose `document` and store it as version 1, awaiting `signers` in order."""
    return await store_composed(
        session, await compose(document), kind=kind, number=number, title=title,
        signers=signers, meeting_id=meeting_id, consultation_id=consultation_id)


async def store_composed(
    session: AsyncSession, composed: ComposedDocument, *, kind: str, number: str, title: str,
    signers: Sequence[SignerSlot], meeting_id: int | None = None,
    consultation_id: int | None = None,
) -> OfficialPdf:
    """Store a composed document as version 1 of a new official PDF (of a meeting or of a
    consultation), awaiting `signers` in order."""
    missing = {s.role for s in signers} - composed.signature_boxes.keys()
    if missing:
        raise RuntimeError(f"composed document lacks signature boxes {sorted(missing)}")
    pdf = OfficialPdf(
        meeting_id=meeting_id, consultation_id=consultation_id, kind=kind, number=number,
        title=title,
        signers=[{"role": s.role, "user_id": s.user_id, "seal": s.seal} for s in signers],
        boxes={role: [box.page, list(box.rect)]
               for role, box in composed.signature_boxes.items()},
        version=1,
    )
    session.add(pdf)
    await session.flush()
    session.add(_version(pdf.id, 1, composed.pdf))
    await session.flush()
    return pdf


def _version(pdf_id: int, number: int, content: bytes, **signed: Any) -> OfficialPdfVersion:
    return OfficialPdfVersion(
        pdf_id=pdf_id, version=number, sha256=hashlib.sha256(content).hexdigest(),
        size=len(content), content=content, **signed,
    )


async def content(session: AsyncSession, pdf: OfficialPdf) -> bytes:
    """The PDF's current bytes."""
    data = await session.scalar(
        select(OfficialPdfVersion.content)
        .where(OfficialPdfVersion.pdf_id == pdf.id, OfficialPdfVersion.version == pdf.version)
    )
    if data is None:
        raise NotFound("official_pdf_not_found")
    return data


async def signed_versions(session: AsyncSession, pdf: OfficialPdf) -> list[OfficialPdfVersion]:
    """Versions made by signing, in order (without their bytes)."""
    return list((await session.scalars(
        select(OfficialPdfVersion)
        .where(OfficialPdfVersion.pdf_id == pdf.id, OfficialPdfVersion.role != "")
        .order_by(OfficialPdfVersion.version)
    )).all())


async def next_signer(session: AsyncSession, pdf: OfficialPdf) -> dict[str, Any] | None:
    """The slot whose signature comes next, or None when all signed."""
    done = {v.role for v in await signed_versions(session, pdf)}
    return next((slot for slot in pdf.signers if slot["role"] not in done), None)


async def pdf_view(session: AsyncSession, pdf: OfficialPdf) -> dict[str, Any]:
    """Status, signatures so far and who signs next."""
    versions = await signed_versions(session, pdf)
    upcoming = await next_signer(session, pdf)
    return {
        "id": pdf.id, "kind": pdf.kind, "number": pdf.number, "status": pdf.status.value,
        "version": pdf.version,
        "signatures": [
            {"role": v.role, "user_id": v.signed_by_id, "signer_name": v.signer_name,
             "certificate_serial": v.certificate_serial, "signed_at": v.created_at.isoformat()}
            for v in versions
        ],
        "next": {"role": upcoming["role"], "user_id": upcoming["user_id"]} if upcoming else None,
    }


async def sign_content(
    session: AsyncSession, actor: User, data: bytes, role: str, box: SignatureBox, *,
    secret: str, seal: bool = False, timestamp_url: str = "",
    pkcs11_modules: Sequence[str] | None = None,
) -> tuple[bytes, SignerKey]:
    """`data` signed in `box` with the actor's active key (nothing is stored here).

    A PKCS#11 key's module is checked again against `pkcs11_modules` (None: the
    ECABINET_PKCS11_MODULES variable the node's settings come from) before it is loaded.
    """
    key = await active_key(session, actor.id)
    if key is None:
        raise Conflict("no_signing_key")
    now = utcnow()
    if not key.not_before <= now <= key.not_after:
        raise Conflict("signing_key_expired")
    if key.passphrase_env:
        secret = os.environ.get(key.passphrase_env, "")
        if not secret:
            raise Conflict("unattended_secret_missing", variable=key.passphrase_env)
    if not secret:
        raise Invalid("passphrase_required")
    if key.kind == SignerKeyKind.pkcs11:
        await _check_module_at_signing(
            key.module_path, _environment_modules() if pkcs11_modules is None else pkcs11_modules)
    material = KeyMaterial(
        kind=key.kind.value, pkcs12=key.pkcs12, module_path=key.module_path,
        token_label=key.token_label, key_label=key.key_label, cert_label=key.cert_label,
        slot=key.slot, chain_pem=key.chain_pem.encode("ascii"),
    )
    appearance = SignatureAppearance(seal_png=key.seal_png if seal else None)
    try:
        signed = await run_job(sign_job, data, material, secret, role, box, appearance,
                               timestamp_url)
    except WrongSecret as exc:
        raise Invalid("wrong_passphrase") from exc
    except (PdfSigningError, KeyStoreError) as exc:
        raise Conflict("signing_failed", detail=str(exc)) from exc
    return signed, key


async def sign(
    session: AsyncSession, actor: User, pdf_id: int, *, secret: str, timestamp_url: str = "",
    pkcs11_modules: Sequence[str] | None = None,
) -> OfficialPdf:
    """Add the actor's signature in its turn; the stored versions are never rewritten."""
    pdf = await session.get(OfficialPdf, pdf_id, with_for_update=True)
    if pdf is None:
        raise NotFound("official_pdf_not_found")
    if pdf.status != OfficialPdfStatus.signing:
        raise Conflict("document_already_signed")
    slot = await next_signer(session, pdf)
    if slot is None:
        raise Conflict("document_already_signed")
    if slot["user_id"] != actor.id:
        if any(s["user_id"] == actor.id for s in pdf.signers):
            signer = await session.get(User, slot["user_id"])
            raise Conflict("not_your_turn", name=signer.full_name if signer else "")
        raise Forbidden("forbidden")
    page, rect = pdf.boxes[slot["role"]]
    signed, key = await sign_content(
        session, actor, await content(session, pdf), slot["role"],
        SignatureBox(page, tuple(rect)), secret=secret, seal=bool(slot.get("seal")),
        timestamp_url=timestamp_url, pkcs11_modules=pkcs11_modules)
    await store_signed(session, pdf, actor, slot["role"], signed,
                       signer_name=key.subject_name or actor.full_name, serial=key.serial)
    await audit.record(session, "document.sign", actor_id=actor.id, object_type=pdf.kind,
                       object_id=pdf.id, meeting_id=pdf.meeting_id,
                       data={"role": slot["role"], "version": pdf.version,
                             "serial": key.serial, "number": pdf.number})
    return pdf


async def store_signed(session: AsyncSession, pdf: OfficialPdf, actor: User, role: str,
                       signed: bytes, *, signer_name: str, serial: str) -> None:
    """Keep `signed` as the PDF's next version; signed once every slot has signed."""
    pdf.version += 1
    session.add(_version(
        pdf.id, pdf.version, signed, role=role, signed_by_id=actor.id,
        signer_name=signer_name, certificate_serial=serial,
    ))
    await session.flush()
    if await next_signer(session, pdf) is None:
        pdf.status = OfficialPdfStatus.signed
        await session.flush()


async def supersede(session: AsyncSession, pdf_id: int | None) -> None:
    """Retire a document still being signed (its content is being redone); kept for the record."""
    if pdf_id is None:
        return
    pdf = await session.get(OfficialPdf, pdf_id)
    if pdf is not None and pdf.status == OfficialPdfStatus.signing:
        pdf.status = OfficialPdfStatus.superseded


# -- verification ------------------------------------------------------------


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def signature_view(report: SignatureReport) -> dict[str, Any]:
    """One signature's verification result, as the verify page shows it."""
    return {
        "field": report.field_name,
        "signer": report.signer_common_name,
        "organization": report.signer_organization,
        "subject": report.signer_subject,
        "serial": report.certificate_serial,
        "signed_at": _time(report.timestamp.time if report.timestamp
                           else report.claimed_signing_time),
        "time_source": report.signing_time_source,
        "timestamp_authority": report.timestamp.authority if report.timestamp else "",
        "intact": report.intact,
        "modified": (not report.intact) or report.modification.value == "content_changed",
        "modification": report.modification.value,
        "coverage": report.coverage.value,
        "trusted": report.trusted,
        "trust_anchor": report.trust_anchor,
        "valid_at_signing_time": report.valid_at_signing_time,
        "certificate_problem": report.certificate_problem,
        "certificate_not_after": _time(report.certificate_not_after),
        "revocation": report.revocation,
        "error": report.error,
        "valid": report.valid,
    }


async def check_pdf(data: bytes, roots_pem: Sequence[bytes]) -> VerificationReport:
    """Verify an uploaded PDF in the worker; no database needed (run outside a transaction)."""
    if not data:
        raise Invalid("upload_file_required")
    if len(data) > MAX_VERIFY_BYTES:
        raise TooLarge("upload_file_too_large")
    try:
        return await run_job(verify_job, data, list(roots_pem))
    except PdfVerificationError as exc:
        raise Invalid("not_a_verifiable_pdf", detail=str(exc)) from exc


async def verification_view(
    session: AsyncSession, user: User, data: bytes, report: VerificationReport
) -> dict[str, Any]:
    """The report for the verify page, noting whether eCabinet issued these exact bytes."""
    digest = hashlib.sha256(data).hexdigest()
    known = (await session.execute(
        select(OfficialPdfVersion.version, OfficialPdf)
        .join(OfficialPdf, OfficialPdf.id == OfficialPdfVersion.pdf_id)
        .where(OfficialPdfVersion.sha256 == digest).limit(1)
    )).first()
    await audit.record(session, "document.verify", actor_id=user.id, object_type="pdf",
                       object_id=digest[:16], data={"verdict": report.verdict.value})
    return {
        "sha256": digest,
        "verdict": report.verdict.value,
        "revisions": report.revisions,
        "modified_after_last_signature": report.modified_after_last_signature,
        "message": report.message,
        "signatures": [signature_view(s) for s in report.signatures],
        "issued_here": (
            # A redrafted document is superseded as a whole: its last version is not latest.
            {"kind": known[1].kind, "number": known[1].number, "version": known[0],
             "latest": known[0] == known[1].version
             and known[1].status != OfficialPdfStatus.superseded}
            if known else None
        ),
    }
