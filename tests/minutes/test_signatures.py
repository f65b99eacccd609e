"""Signing through the domain: keys as the admin configures them, verification, tampering."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from ecabinet import db, signatures
from ecabinet.errors import Conflict, Forbidden, Invalid
from ecabinet.models import OfficialPdf, SignerKey, User
from ecabinet.pdf import official
from ecabinet.signing import ca
from ecabinet.signing.placement import SignatureBox
from ecabinet.signing.stamp import SignatureAppearance
from tests.conftest import World
from tests.minutes.conftest import PASSPHRASE, Pki

MINUTES = official.meeting_minutes(
    issuer_parent="", issuer="ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ", number="03/BB-UBND",
    place="Thừa Thiên Huế", date=dt.date(2026, 11, 20),
    summary="Họp giao ban kinh tế - xã hội tháng 11/2026",
    sections=(official.Section(heading="I. THÀNH PHẦN THAM DỰ",
                               paragraphs=("Có mặt: 12/14 đại biểu được mời.",)),),
    secretary_name="Lê Thị Thu Hà", chair_name="Nguyễn Văn Phương",
)


def material(store: bytes) -> signatures.KeyMaterial:
    return signatures.KeyMaterial(kind="pkcs12", pkcs12=store)


async def sign(pdf: bytes, store: bytes, role: str, boxes: dict[str, SignatureBox]) -> bytes:
    return await signatures.run_job(signatures.sign_job, pdf, material(store), PASSPHRASE,
                                    role, boxes[role], SignatureAppearance(), "")


@pytest.fixture(scope="module")
def composed() -> official.ComposedDocument:
    return official.compose_official_document(MINUTES)


async def test_signed_pdf_verifies_and_one_changed_byte_shows(
        pki: Pki, composed: official.ComposedDocument) -> None:
    store = pki.keystore("Lê Thị Thu Hà", "Văn phòng UBND tỉnh")
    signed = await sign(composed.pdf, store, "secretary", composed.signature_boxes)
    report = await signatures.check_pdf(signed, [pki.root_pem])
    assert report.verdict.value == "valid"
    [only] = report.signatures
    view = signatures.signature_view(only)
    assert (view["signer"], view["organization"]) == ("Lê Thị Thu Hà", "Văn phòng UBND tỉnh")
    assert view["intact"] and view["trusted"] and view["valid_at_signing_time"]
    assert not view["modified"] and view["valid"]
    assert dt.datetime.fromisoformat(view["signed_at"]).utcoffset() is not None

    offset = signed.index(b"(eCabinet)") + 2  # the producer, inside the signed bytes
    tampered = signed[:offset] + b"K" + signed[offset + 1:]
    broken = await signatures.check_pdf(tampered, [pki.root_pem])
    assert broken.verdict.value == "invalid"
    assert signatures.signature_view(broken.signatures[0])["modified"] is True


async def test_second_signature_keeps_the_first_valid(
        pki: Pki, composed: official.ComposedDocument) -> None:
    boxes = composed.signature_boxes
    once = await sign(composed.pdf, pki.keystore("Lê Thị Thu Hà", "Văn phòng"), "secretary",
                      boxes)
    twice = await sign(once, pki.keystore("Nguyễn Văn Phương", "UBND tỉnh"), "chair", boxes)
    assert twice.startswith(once)  # an incremental update: the first revision is untouched
    report = await signatures.check_pdf(twice, [pki.root_pem])
    assert report.verdict.value == "valid"
    first, second = (signatures.signature_view(r) for r in report.signatures)
    assert (first["signer"], first["valid"], first["modified"]) == ("Lê Thị Thu Hà", True, False)
    assert first["modification"] == "allowed"
    assert (second["signer"], second["valid"]) == ("Nguyễn Văn Phương", True)


async def test_a_certificate_outside_the_trusted_roots_is_untrusted(
        pki: Pki, composed: official.ComposedDocument) -> None:
    store = pki.keystore("Người Ngoài", "Đơn vị khác", foreign=True)
    signed = await sign(composed.pdf, store, "secretary", composed.signature_boxes)
    report = await signatures.check_pdf(signed, [pki.root_pem])
    view = signatures.signature_view(report.signatures[0])
    assert report.verdict.value == "indeterminate"
    assert view["intact"] and not view["modified"]
    assert not view["trusted"] and not view["valid"]


async def test_non_pdf_and_empty_uploads_are_refused() -> None:
    with pytest.raises(Invalid) as empty:
        await signatures.check_pdf(b"", [])
    assert empty.value.code == "upload_file_required"
    with pytest.raises(Invalid) as junk:
        await signatures.check_pdf(b"GIF89a not a pdf", [])
    assert junk.value.code == "not_a_verifiable_pdf"


async def test_admin_configures_keys_never_storing_a_secret(
        sessions: Any, world: World, pki: Pki) -> None:
    store = pki.keystore(world["chair"].full_name, "UBND tỉnh")
    async with db.transaction(sessions) as s:
        admin = await s.get(User, world["admin"].id)
        secretary = await s.get(User, world["secretary"].id)
        assert admin is not None and secretary is not None
        with pytest.raises(Forbidden):
            await signatures.configure_pkcs12(s, secretary, world["chair"].id, store, PASSPHRASE)
        with pytest.raises(Invalid) as wrong:
            await signatures.configure_pkcs12(s, admin, world["chair"].id, store, "sai")
        assert wrong.value.code == "keystore_unusable"
        with pytest.raises(Invalid):  # keys are for secretaries, chairs and delegates
            await signatures.configure_pkcs12(s, admin, world["observer"].id, store, PASSPHRASE)
        key = await signatures.configure_pkcs12(s, admin, world["chair"].id, store, PASSPHRASE,
                                                label="Khóa USB của Chủ tịch")
        view = signatures.key_view(key)
        assert view["subject_name"] == world["chair"].full_name
        assert "pkcs12" not in view and PASSPHRASE not in str(view)
        # The stored bytes are the encrypted key store as uploaded, not a decrypted key.
        row = await s.get(SignerKey, key.id)
        assert row is not None and row.pkcs12 == store
        assert PASSPHRASE.encode() not in row.pkcs12
        # A new key replaces the old one.
        again = await signatures.configure_pkcs12(s, admin, world["chair"].id, store, PASSPHRASE)
        assert (await signatures.active_key(s, world["chair"].id)) is again
        assert row.active is False

    # An unencrypted key store is refused outright.
    issued = ca.issue_signer_certificate(pki.intermediate, common_name="Không Mã Hóa",
                                         organization="UBND")
    plain = pkcs12.serialize_key_and_certificates(b"x", issued.private_key, issued.certificate,
                                                  None, serialization.NoEncryption())
    async with db.transaction(sessions) as s:
        admin = await s.get(User, world["admin"].id)
        assert admin is not None
        with pytest.raises(Invalid) as refused:
            await signatures.configure_pkcs12(s, admin, world["chair"].id, plain, "")
        assert refused.value.code == "keystore_unusable"
        with pytest.raises(Invalid):
            await signatures.add_trust_root(s, admin, issued.certificate.public_bytes(
                serialization.Encoding.PEM))  # not a CA
        root = await signatures.add_trust_root(s, admin, pki.root_pem)
        with pytest.raises(Conflict):
            await signatures.add_trust_root(s, admin, pki.root_pem)
        assert root.name == pki.root.certificate.subject.rfc4514_string().split("CN=")[1].split(
            ",")[0]


async def test_a_store_issued_here_is_configured_without_opening_it(
        sessions: Any, world: World, pki: Pki) -> None:
    issued = ca.issue_signer_certificate(pki.intermediate, common_name=world["chair"].full_name,
                                         organization="UBND tỉnh")
    chain = (pki.intermediate.certificate, pki.root.certificate)
    store = ca.pkcs12_bytes(issued, PASSPHRASE.encode(), chain=chain)
    async with db.transaction(sessions) as s:
        secretary = await s.get(User, world["secretary"].id)
        assert secretary is not None
        with pytest.raises(Forbidden):
            await signatures.configure_issued_pkcs12(s, secretary, world["chair"].id, store,
                                                     issued.certificate, chain)
        with pytest.raises(Invalid):  # keys are for secretaries, chairs and delegates
            await signatures.configure_issued_pkcs12(s, None, world["room"].id, store,
                                                     issued.certificate, chain)
        key = await signatures.configure_issued_pkcs12(
            s, None, world["chair"].id, store, issued.certificate, chain, label=" Thử ",
            demo=True)
        assert (key.label, key.demo, key.pkcs12, key.passphrase_env) == ("Thử", True, store, "")
        assert key.subject_name == world["chair"].full_name and key.organization == "UBND tỉnh"
        assert (await signatures.active_key(s, world["chair"].id)) is key
        assert not await signatures.is_trusted_root(s, pki.root.certificate)
        await signatures.add_trust_root(s, None, pki.root_pem)
        assert await signatures.is_trusted_root(s, pki.root.certificate)


async def test_verification_recognises_a_version_issued_here(
        sessions: Any, world: World, pki: Pki) -> None:
    async with db.transaction(sessions) as s:
        meeting_id = await _any_meeting(s, world)
        pdf = await signatures.create_pdf(
            s, meeting_id=meeting_id, kind="minutes", number="03/BB-UBND", title="Biên bản",
            document=MINUTES, signers=[signatures.SignerSlot("secretary", world["secretary"].id)])
        data = await signatures.content(s, pdf)
        report = await signatures.check_pdf(data, [])
        user = await s.get(User, world["delegate"].id)
        assert user is not None
        view = await signatures.verification_view(s, user, data, report)
    assert view["verdict"] == "unsigned"
    assert view["issued_here"] == {"kind": "minutes", "number": "03/BB-UBND", "version": 1,
                                   "latest": True}


async def _any_meeting(s: Any, world: World) -> int:
    from ecabinet import meetings
    from tests.conftest import future

    secretary = await s.get(User, world["secretary"].id)
    meeting = await meetings.create_meeting(s, secretary, meetings.MeetingInput(
        title="Họp thử", unit_id=world.province, chair_id=world["chair"].id,
        starts_at=future(10)))
    return int(meeting.id)


SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"
# Run in a fresh interpreter: python-pkcs11 initialises a module once per process, and
# this process must not hold SoftHSM open with our configuration (other tests use theirs).
_TOKEN_KEY = """
import sys, pkcs11
from pkcs11 import KeyType
from pkcs11.util.rsa import encode_rsa_public_key
token = pkcs11.lib(sys.argv[1]).get_token(token_label="chu-tich")
with token.open(rw=True, user_pin="135246") as session:
    public, _ = session.generate_keypair(KeyType.RSA, 2048, id=b"\\x07", label="ky-so",
                                         store=True)
    sys.stdout.write(encode_rsa_public_key(public).hex())
"""
_TOKEN_CERT = """
import sys, pkcs11
from pkcs11 import Attribute
from pkcs11.util.x509 import decode_x509_certificate
token = pkcs11.lib(sys.argv[1]).get_token(token_label="chu-tich")
with token.open(rw=True, user_pin="135246") as session:
    attributes = decode_x509_certificate(bytes.fromhex(sys.stdin.read()))
    attributes.update({Attribute.TOKEN: True, Attribute.LABEL: "ky-so", Attribute.ID: b"\\x07"})
    session.create_object(attributes)
"""


@pytest.fixture(scope="session")
def token(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[bytes]:
    """A SoftHSM token "chu-tich" holding the chair's key; yields certificate + chain (PEM)."""
    if not (Path(SOFTHSM).is_file() and shutil.which("softhsm2-util")):
        pytest.skip("SoftHSM2 is not installed (Debian package softhsm2)")
    folder = tmp_path_factory.mktemp("softhsm-minutes")
    (folder / "tokens").mkdir()
    config = folder / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {folder / 'tokens'}\n"
                      "objectstore.backend = file\nlog.level = ERROR\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(config)}
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "chu-tich",
                    "--pin", "135246", "--so-pin", "975310"], check=True, capture_output=True,
                   env=env)
    public = subprocess.run([sys.executable, "-c", _TOKEN_KEY, SOFTHSM], check=True,
                            capture_output=True, env=env, text=True).stdout
    certificate = ca.certify_public_key(
        pki.intermediate,
        serialization.load_der_public_key(bytes.fromhex(public)),  # type: ignore[arg-type]
        common_name="Nguyễn Văn Chair", organization="UBND tỉnh")
    subprocess.run([sys.executable, "-c", _TOKEN_CERT, SOFTHSM], check=True,
                   capture_output=True, env=env, text=True,
                   input=certificate.public_bytes(serialization.Encoding.DER).hex())
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(config)
    # The signing worker reads the environment when it starts: start a fresh one.
    signatures.shutdown_worker()
    try:
        yield (certificate.public_bytes(serialization.Encoding.PEM)
               + pki.intermediate.certificate.public_bytes(serialization.Encoding.PEM))
    finally:
        signatures.shutdown_worker()
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


async def test_a_pkcs11_token_signs_the_minutes(
        sessions: Any, world: World, pki: Pki, token: bytes) -> None:
    async with db.transaction(sessions) as s:
        admin = await s.get(User, world["admin"].id)
        chair = await s.get(User, world["chair"].id)
        assert admin is not None and chair is not None
        with pytest.raises(Invalid):
            await signatures.configure_pkcs11(
                s, admin, chair.id, module_path="relative/lib.so", token_label="chu-tich",
                key_label="ky-so", certificate=token, allowed_modules=[SOFTHSM])
        key = await signatures.configure_pkcs11(
            s, admin, chair.id, module_path=SOFTHSM, token_label="chu-tich",
            key_label="ky-so", certificate=token, label="USB token Chủ tịch",
            allowed_modules=[SOFTHSM])
        assert signatures.key_view(key)["kind"] == "pkcs11"
        meeting_id = await _any_meeting(s, world)
        pdf = await signatures.create_pdf(
            s, meeting_id=meeting_id, kind="minutes", number="03/BB-UBND", title="Biên bản",
            document=MINUTES, signers=[signatures.SignerSlot("chair", chair.id)])
        with pytest.raises(Conflict):  # a wrong PIN fails on the token
            await signatures.sign(s, chair, pdf.id, secret="000000", pkcs11_modules=[SOFTHSM])
        signed = await signatures.sign(s, chair, pdf.id, secret="135246",
                                       pkcs11_modules=[SOFTHSM])
        assert signed.status.value == "signed"
        stored = await s.get(OfficialPdf, pdf.id)
        assert stored is not None
        data = await signatures.content(s, stored)
    report = await signatures.check_pdf(data, [pki.root_pem])
    assert report.verdict.value == "valid"
    assert report.signatures[0].signer_common_name == "Nguyễn Văn Chair"
