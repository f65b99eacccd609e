"""Where signing keys come from: encrypted PKCS#12 files or PKCS#11 tokens."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.config.pkcs11 import PKCS11SignatureConfig, TokenCriteria
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ecabinet.signing.ca import write_private_file

_KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class KeyStoreError(ValueError):
    """A key store cannot be stored, opened or used; the message says why."""


@dataclass(frozen=True)
class Pkcs12SignerSpec:
    """Sign with the key in an encrypted PKCS#12 file (or its bytes) and its passphrase."""

    pkcs12: Path | bytes = field(repr=False)
    passphrase: bytes = field(repr=False)
    extra_certificates: Sequence[x509.Certificate] = ()
    """Chain certificates missing from the PKCS#12 file."""


@dataclass(frozen=True)
class Pkcs11SignerSpec:
    """Sign with a key held on a PKCS#11 token (USB token, HSM, SoftHSM)."""

    module_path: str
    token_label: str
    key_label: str
    pin: str = field(repr=False)
    cert_label: str | None = None
    """Label of the certificate object; the key label when None."""
    slot: int | None = None
    extra_certificates: Sequence[x509.Certificate] = ()


SignerSpec = Pkcs12SignerSpec | Pkcs11SignerSpec


def passphrase_from_env(variable: str) -> bytes:
    """A key store passphrase from the environment (UTF-8); a clear error when unset."""
    value = os.environ.get(variable, "")
    if not value:
        raise KeyStoreError(f"environment variable {variable} holding the passphrase is not set")
    return value.encode("utf-8")


def read_pkcs12(data: bytes, passphrase: bytes) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The certificate and chain in an encrypted PKCS#12; raises KeyStoreError if unusable."""
    _, certificate, chain = _open_pkcs12(data, passphrase)
    return certificate, chain


def _open_pkcs12(
    data: bytes, passphrase: bytes
) -> tuple[PrivateKeyTypes, x509.Certificate, list[x509.Certificate]]:
    _refuse_unencrypted(data)
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError as exc:
        raise KeyStoreError(
            "cannot open the PKCS#12 key store: wrong passphrase or damaged file"
        ) from exc
    if key is None or certificate is None:
        raise KeyStoreError("the PKCS#12 key store holds no private key with its certificate")
    return key, certificate, list(chain)


def store_pkcs12(keys_dir: Path, key_name: str, data: bytes, passphrase: bytes) -> Path:
    """Check an uploaded PKCS#12 (encrypted, opens with `passphrase`) and save it owner-only.

    `key_name` is an identifier chosen by the admin, restricted to letters, digits, "._-"
    so it can never name a path outside `keys_dir`.
    """
    if not _KEY_NAME.fullmatch(key_name):
        raise KeyStoreError("key name may hold only letters, digits, '.', '_' and '-'")
    read_pkcs12(data, passphrase)
    path = keys_dir / f"{key_name}.p12"
    write_private_file(path, data)
    return path


def _refuse_unencrypted(data: bytes) -> None:
    """Reject key stores whose private key can be read without the passphrase."""
    try:
        key, _, _ = pkcs12.load_key_and_certificates(data, None)
    except (ValueError, TypeError):
        key = None
    # `openssl pkcs12 -keypbe NONE` puts the key in a plain bag and only the integrity MAC
    # behind the password: it will not open without one, yet anyone may read the key.
    if key is not None or _plain_key_bag(data):
        raise KeyStoreError(
            "refusing an unencrypted PKCS#12 key store; protect it with a passphrase"
        )


def _plain_key_bag(data: bytes) -> bool:
    """Whether the store holds a private key outside any encryption."""

    def plain(bags: asn1_pkcs12.SafeContents) -> bool:
        for bag in bags:
            kind = bag["bag_id"].native
            if kind == "key_bag" or (kind == "safe_contents" and plain(bag["bag_value"].parsed)):
                return True
        return False

    try:
        return any(
            plain(asn1_pkcs12.SafeContents.load(info["content"].native))
            for info in asn1_pkcs12.Pfx.load(data).authenticated_safe
            # An encrypted_data container is under the passphrase, whatever it holds.
            if info["content_type"].native == "data"
        )
    except (ValueError, TypeError, KeyError):
        return False  # not a PKCS#12 at all: opening it reports that


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _pkcs12_signer(spec: Pkcs12SignerSpec) -> Signer:
    data = spec.pkcs12.read_bytes() if isinstance(spec.pkcs12, Path) else spec.pkcs12
    # Opened once (the KDF is deliberately slow) and handed to pyHanko in memory.
    key, certificate, chain = _open_pkcs12(data, spec.passphrase)
    registry = SimpleCertificateStore()
    registry.register_multiple([_asn1(cert) for cert in [*chain, *spec.extra_certificates]])
    private_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return SimpleSigner(
        signing_cert=_asn1(certificate), signing_key=private_key, cert_registry=registry
    )


@asynccontextmanager
async def open_signer(spec: SignerSpec) -> AsyncIterator[Signer]:
    """A pyHanko signer for `spec`; a PKCS#11 session stays open only inside the block."""
    if isinstance(spec, Pkcs12SignerSpec):
        yield _pkcs12_signer(spec)
        return
    # Imported here: loading python-pkcs11 is only needed when a token is configured.
    from pkcs11 import PKCS11Error
    from pyhanko.sign.pkcs11 import PKCS11SigningContext

    config = PKCS11SignatureConfig(
        module_path=spec.module_path,
        token_criteria=TokenCriteria(label=spec.token_label),
        slot_no=spec.slot,
        key_label=spec.key_label,
        cert_label=spec.cert_label or spec.key_label,
        other_certs=[_asn1(cert) for cert in spec.extra_certificates] or None,
    )
    context = PKCS11SigningContext(config, user_pin=spec.pin)
    # Only opening the token is translated: errors raised while signing stay as they are.
    try:
        signer = await context.__aenter__()
    except (PKCS11Error, SigningError) as exc:
        raise KeyStoreError(f"PKCS#11 token {spec.token_label!r}: {exc}") from exc
    try:
        yield signer
    finally:
        await context.__aexit__(None, None, None)
