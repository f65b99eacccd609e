"""A demo certification authority: root, intermediate, signer and TSA certificates.

Real deployments use certificates from a licensed Vietnamese CA (or the government
CA); this module exists so the demo and the tests can sign without one.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEMO_ROOT_NAME = "eCabinet Demo Root CA"
DEMO_INTERMEDIATE_NAME = "eCabinet Demo Signing CA"
DEMO_TSA_NAME = "eCabinet Demo TSA"
DEMO_ORGANIZATION = "eCabinet Demo"
# PBKDF2 rounds protecting a PKCS#12 file; high enough to slow guessing, low enough
# that loading a key at signing time stays well under a second.
PKCS12_KDF_ROUNDS = 100_000


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate with its private key (held in memory only)."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey = field(repr=False)


@dataclass(frozen=True)
class DemoPki:
    """Files written by `create_demo_pki`."""

    root_certificate: Path
    intermediate_certificate: Path
    tsa_pkcs12: Path
    signers: dict[str, Path]
    """Person's name → their encrypted PKCS#12 file."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name(
    common_name: str, organization: str = "", organizational_unit: str = "", country: str = "VN"
) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if organizational_unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, organizational_unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _new_key(key_size: int) -> rsa.RSAPrivateKey:
    # RSA because Vietnamese CAs issue RSA keys and pyHanko's test TSA signs RSA only.
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def _key_usage(*, signing: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing and not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _build(
    *,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey,
    issuer: IssuedCertificate | None,
    self_signing_key: rsa.RSAPrivateKey | None = None,
    not_before: dt.datetime,
    not_after: dt.datetime,
    ca_path_length: int | None,
    is_ca: bool,
    extended_usage: Sequence[x509.ObjectIdentifier] = (),
) -> x509.Certificate:
    issuer_name = issuer.certificate.subject if issuer else subject
    signing_key = issuer.private_key if issuer else self_signing_key
    if signing_key is None:
        raise ValueError("a self-signed certificate needs its own private key")
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=ca_path_length), critical=True)
        .add_extension(_key_usage(signing=not is_ca, ca=is_ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer.certificate.public_key()  # type: ignore[arg-type]
            ),
            critical=False,
        )
    if extended_usage:
        # RFC 3161 requires a TSA certificate's EKU to be critical and time stamping only.
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(extended_usage)), critical=True)
    return builder.sign(signing_key, hashes.SHA256())


def create_root_ca(
    common_name: str = DEMO_ROOT_NAME,
    *,
    organization: str = DEMO_ORGANIZATION,
    valid_days: int = 3650,
    not_before: dt.datetime | None = None,
    key_size: int = 2048,
) -> IssuedCertificate:
    """A self-signed root CA certificate."""
    key = _new_key(key_size)
    start = not_before or _now() - dt.timedelta(days=1)
    certificate = _build(
        subject=_name(common_name, organization),
        public_key=key.public_key(),
        issuer=None,
        self_signing_key=key,
        not_before=start,
        not_after=start + dt.timedelta(days=valid_days),
        ca_path_length=1,
        is_ca=True,
    )
    return IssuedCertificate(certificate, key)


def create_intermediate_ca(
    issuer: IssuedCertificate,
    common_name: str = DEMO_INTERMEDIATE_NAME,
    *,
    organization: str = DEMO_ORGANIZATION,
    valid_days: int = 1825,
    not_before: dt.datetime | None = None,
    key_size: int = 2048,
) -> IssuedCertificate:
    """An intermediate CA under `issuer` that issues end-entity certificates only."""
    key = _new_key(key_size)
    start = not_before or _now() - dt.timedelta(days=1)
    certificate = _build(
        subject=_name(common_name, organization),
        public_key=key.public_key(),
        issuer=issuer,
        not_before=start,
        not_after=start + dt.timedelta(days=valid_days),
        ca_path_length=0,
        is_ca=True,
    )
    return IssuedCertificate(certificate, key)


def issue_signer_certificate(
    issuer: IssuedCertificate,
    *,
    common_name: str,
    organization: str,
    organizational_unit: str = "",
    valid_days: int = 730,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key_size: int = 2048,
) -> IssuedCertificate:
    """A person's signing certificate (digitalSignature + nonRepudiation), CN = their name."""
    key = _new_key(key_size)
    certificate = certify_public_key(
        issuer,
        key.public_key(),
        common_name=common_name,
        organization=organization,
        organizational_unit=organizational_unit,
        valid_days=valid_days,
        not_before=not_before,
        not_after=not_after,
    )
    return IssuedCertificate(certificate, key)


def certify_public_key(
    issuer: IssuedCertificate,
    public_key: rsa.RSAPublicKey,
    *,
    common_name: str,
    organization: str,
    organizational_unit: str = "",
    valid_days: int = 730,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    """A signing certificate for a key generated elsewhere (on a PKCS#11 token, say)."""
    start = not_before or _now() - dt.timedelta(hours=1)
    end = not_after or start + dt.timedelta(days=valid_days)
    return _build(
        subject=_name(common_name, organization, organizational_unit),
        public_key=public_key,
        issuer=issuer,
        not_before=start,
        not_after=end,
        ca_path_length=None,
        is_ca=False,
    )


def issue_tsa_certificate(
    issuer: IssuedCertificate,
    common_name: str = DEMO_TSA_NAME,
    *,
    organization: str = DEMO_ORGANIZATION,
    valid_days: int = 1825,
    key_size: int = 2048,
) -> IssuedCertificate:
    """A time-stamping authority certificate (critical EKU id-kp-timeStamping)."""
    key = _new_key(key_size)
    start = _now() - dt.timedelta(days=1)
    certificate = _build(
        subject=_name(common_name, organization),
        public_key=key.public_key(),
        issuer=issuer,
        not_before=start,
        not_after=start + dt.timedelta(days=valid_days),
        ca_path_length=None,
        is_ca=False,
        extended_usage=(ExtendedKeyUsageOID.TIME_STAMPING,),
    )
    return IssuedCertificate(certificate, key)


def pkcs12_bytes(
    issued: IssuedCertificate,
    passphrase: bytes,
    *,
    chain: Sequence[x509.Certificate] = (),
    friendly_name: str | None = None,
) -> bytes:
    """The key, certificate and chain as a passphrase-encrypted PKCS#12 (AES-256, PBKDF2)."""
    if not passphrase:
        raise ValueError("a PKCS#12 key store must be encrypted: give a non-empty passphrase")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(PKCS12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase)
    )
    label = friendly_name or _common_name(issued.certificate)
    return pkcs12.serialize_key_and_certificates(
        label.encode("utf-8"), issued.private_key, issued.certificate, list(chain), encryption
    )


def certificate_pem(certificate: x509.Certificate) -> bytes:
    """PEM encoding of a certificate (for trust-root folders)."""
    return certificate.public_bytes(serialization.Encoding.PEM)


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` readable by the owner only, replacing any file at `path` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def create_demo_pki(
    keys_dir: Path,
    trust_roots_dir: Path,
    passphrase: bytes,
    people: Sequence[tuple[str, str]],
) -> DemoPki:
    """Create a demo root, intermediate, TSA and one PKCS#12 per (name, unit) in `people`.

    The root goes to `trust_roots_dir` (PEM); key stores go to `keys_dir`, encrypted
    with `passphrase`. File names are derived from a running index, never from the
    people's names, so no user-supplied text reaches the file system.
    """
    root = create_root_ca()
    intermediate = create_intermediate_ca(root)
    tsa = issue_tsa_certificate(intermediate)
    chain = (intermediate.certificate, root.certificate)

    trust_roots_dir.mkdir(parents=True, exist_ok=True)
    root_path = trust_roots_dir / "ecabinet-demo-root.pem"
    root_path.write_bytes(certificate_pem(root.certificate))
    intermediate_path = keys_dir / "ecabinet-demo-intermediate.pem"
    keys_dir.mkdir(parents=True, exist_ok=True)
    intermediate_path.write_bytes(certificate_pem(intermediate.certificate))
    tsa_path = keys_dir / "demo-tsa.p12"
    write_private_file(tsa_path, pkcs12_bytes(tsa, passphrase, chain=chain))

    signers: dict[str, Path] = {}
    for index, (person, unit) in enumerate(people, start=1):
        issued = issue_signer_certificate(intermediate, common_name=person, organization=unit)
        path = keys_dir / f"demo-signer-{index:02d}.p12"
        write_private_file(path, pkcs12_bytes(issued, passphrase, chain=chain))
        signers[person] = path
    return DemoPki(root_path, intermediate_path, tsa_path, signers)


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else "certificate"
    return value if isinstance(value, str) else value.decode("utf-8")
