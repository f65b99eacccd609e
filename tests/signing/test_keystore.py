"""Key stores are always encrypted, named safely, and the demo PKI produces usable keys."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from ecabinet.pdf.official import ComposedDocument
from ecabinet.signing import ca
from ecabinet.signing.keystore import (
    KeyStoreError,
    Pkcs12SignerSpec,
    passphrase_from_env,
    read_pkcs12,
    store_pkcs12,
)
from ecabinet.signing.sign import sign_pdf
from ecabinet.signing.verify import Verdict, load_trust_roots, verify_pdf

from .conftest import PASSPHRASE, Pki


def test_pkcs12_round_trip_keeps_the_vietnamese_subject_and_chain(pki: Pki) -> None:
    issued = ca.issue_signer_certificate(
        pki.intermediate, common_name="Đặng Thị Ngọc Ánh", organization="Sở Nội vụ"
    )
    data = ca.pkcs12_bytes(issued, PASSPHRASE, chain=pki.chain)

    certificate, chain = read_pkcs12(data, PASSPHRASE)

    assert certificate == issued.certificate
    assert chain == pki.chain
    name = certificate.subject.rfc4514_string()
    assert "CN=Đặng Thị Ngọc Ánh" in name and "O=Sở Nội vụ" in name
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign


def test_an_empty_passphrase_is_refused(pki: Pki) -> None:
    with pytest.raises(ValueError, match="must be encrypted"):
        ca.pkcs12_bytes(pki.tsa, b"")


def test_unencrypted_pkcs12_is_refused(pki: Pki, tmp_path: Path) -> None:
    plain = pkcs12.serialize_key_and_certificates(
        b"plain", pki.tsa.private_key, pki.tsa.certificate, None, serialization.NoEncryption()
    )
    with pytest.raises(KeyStoreError, match="unencrypted"):
        store_pkcs12(tmp_path, "plain", plain, b"anything")
    assert list(tmp_path.iterdir()) == []


def test_a_key_in_clear_behind_a_password_mac_is_refused(pki: Pki, tmp_path: Path) -> None:
    # openssl's -keypbe NONE: the file asks for a password (its MAC), the key is in clear.
    key, cert, store = tmp_path / "key.pem", tmp_path / "cert.pem", tmp_path / "mac-only.p12"
    key.write_bytes(pki.tsa.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    cert.write_bytes(pki.tsa.certificate.public_bytes(serialization.Encoding.PEM))
    subprocess.run(["openssl", "pkcs12", "-export", "-keypbe", "NONE", "-certpbe", "NONE",
                    "-passout", "pass:mật-khẩu", "-inkey", str(key), "-in", str(cert),
                    "-out", str(store)], check=True, capture_output=True)
    data = store.read_bytes()
    with pytest.raises(ValueError):  # it really does not open without the password...
        pkcs12.load_key_and_certificates(data, None)
    assert pkcs12.load_key_and_certificates(data, "mật-khẩu".encode())[0] is not None
    keys = tmp_path / "keys"
    keys.mkdir()
    with pytest.raises(KeyStoreError, match="unencrypted"):  # ...yet it is refused
        store_pkcs12(keys, "mac-only", data, "mật-khẩu".encode())
    assert list(keys.iterdir()) == []


def test_stored_key_is_owner_only_and_usable(
    pki: Pki, tmp_path: Path, notice: ComposedDocument
) -> None:
    issued = ca.issue_signer_certificate(
        pki.intermediate, common_name="Võ Văn Thưởng", organization="UBND huyện A Lưới"
    )
    path = store_pkcs12(
        tmp_path, "vo-van-thuong", ca.pkcs12_bytes(issued, PASSPHRASE, chain=pki.chain), PASSPHRASE
    )

    assert path == tmp_path / "vo-van-thuong.p12"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    signed = sign_pdf(notice.pdf, Pkcs12SignerSpec(path, PASSPHRASE), field_name="s")
    report = verify_pdf(signed, [pki.root.certificate])
    assert report.verdict is Verdict.VALID
    assert report.signatures[0].signer_common_name == "Võ Văn Thưởng"


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "", "tên có dấu"])
def test_key_names_cannot_reach_the_file_system(pki: Pki, tmp_path: Path, name: str) -> None:
    data = ca.pkcs12_bytes(pki.tsa, PASSPHRASE)
    with pytest.raises(KeyStoreError, match="key name"):
        store_pkcs12(tmp_path / "keys", name, data, PASSPHRASE)
    assert not (tmp_path / "keys").exists()


def test_wrong_passphrase_is_refused_before_storing(pki: Pki, tmp_path: Path) -> None:
    data = ca.pkcs12_bytes(pki.tsa, PASSPHRASE)
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        store_pkcs12(tmp_path, "tsa", data, b"sai mat khau")
    assert list(tmp_path.iterdir()) == []


def test_passphrase_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECABINET_TEST_KEY_PASSPHRASE", "mật khẩu")
    assert passphrase_from_env("ECABINET_TEST_KEY_PASSPHRASE") == "mật khẩu".encode()
    monkeypatch.delenv("ECABINET_TEST_KEY_PASSPHRASE")
    with pytest.raises(KeyStoreError, match="ECABINET_TEST_KEY_PASSPHRASE"):
        passphrase_from_env("ECABINET_TEST_KEY_PASSPHRASE")


def test_demo_pki_writes_trust_root_and_encrypted_signers(
    tmp_path: Path, notice: ComposedDocument
) -> None:
    people = [
        ("Nguyễn Văn Phương", "Ủy ban nhân dân tỉnh Thừa Thiên Huế"),
        ("Trần Thị Đà Nẵng", "Văn phòng UBND tỉnh"),
    ]
    demo = ca.create_demo_pki(tmp_path / "keys", tmp_path / "trust", PASSPHRASE, people)

    roots = load_trust_roots(tmp_path / "trust")
    assert [root.subject.rfc4514_string() for root in roots] == [
        "CN=eCabinet Demo Root CA,O=eCabinet Demo,C=VN"
    ]
    assert set(demo.signers) == {"Nguyễn Văn Phương", "Trần Thị Đà Nẵng"}
    for path in [*demo.signers.values(), demo.tsa_pkcs12]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with pytest.raises(ValueError):
            pkcs12.load_key_and_certificates(path.read_bytes(), None)
    signed = sign_pdf(
        notice.pdf,
        Pkcs12SignerSpec(demo.signers["Trần Thị Đà Nẵng"], PASSPHRASE),
        field_name="secretary",
    )
    assert verify_pdf(signed, roots).verdict is Verdict.VALID
