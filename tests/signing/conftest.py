"""Fixtures for signing tests: a demo PKI, composed documents, a local TSA, a SoftHSM token."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ecabinet.pdf.official import (
    ComposedDocument,
    Section,
    Table,
    compose_official_document,
    conclusion_notice,
    meeting_minutes,
)
from ecabinet.signing import ca
from ecabinet.signing.keystore import Pkcs11SignerSpec, Pkcs12SignerSpec

PASSPHRASE = "mật khẩu thử".encode()
SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)


@dataclass(frozen=True)
class Pki:
    """A demo root, its intermediate, a TSA, and a foreign root not in the trust list."""

    root: ca.IssuedCertificate
    intermediate: ca.IssuedCertificate
    tsa: ca.IssuedCertificate
    foreign_root: ca.IssuedCertificate

    @property
    def chain(self) -> list[x509.Certificate]:
        """Intermediate then root, as shipped inside a PKCS#12."""
        return [self.intermediate.certificate, self.root.certificate]

    def signer(
        self,
        name: str,
        unit: str,
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> Pkcs12SignerSpec:
        """An in-memory encrypted PKCS#12 for a new person under the intermediate."""
        issued = ca.issue_signer_certificate(
            self.intermediate,
            common_name=name,
            organization=unit,
            not_before=not_before,
            not_after=not_after,
        )
        return Pkcs12SignerSpec(ca.pkcs12_bytes(issued, PASSPHRASE, chain=self.chain), PASSPHRASE)


@pytest.fixture(scope="session")
def pki() -> Pki:
    """One PKI for the whole session (RSA key generation is the slow part)."""
    root = ca.create_root_ca()
    intermediate = ca.create_intermediate_ca(root)
    return Pki(
        root=root,
        intermediate=intermediate,
        tsa=ca.issue_tsa_certificate(intermediate),
        foreign_root=ca.create_root_ca("Another Root CA", organization="Elsewhere"),
    )


@pytest.fixture(scope="session")
def secretary(pki: Pki) -> Pkcs12SignerSpec:
    """The office secretary's key store."""
    return pki.signer("Trần Thị Đà Nẵng", "Văn phòng UBND tỉnh Thừa Thiên Huế")


@pytest.fixture(scope="session")
def chair(pki: Pki) -> Pkcs12SignerSpec:
    """The chairman's key store."""
    return pki.signer("Nguyễn Văn Phương", "Ủy ban nhân dân tỉnh Thừa Thiên Huế")


TASKS = Table(
    headers=("TT", "Nội dung nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Sản phẩm"),
    rows=(
        ("1", "Đẩy nhanh giải ngân vốn đầu tư công", "Sở Tài chính", "30/11/2026", "Báo cáo"),
        ("2", "Rà soát quy hoạch huyện Phong Điền", "Sở Xây dựng", "15/12/2026", "Tờ trình"),
    ),
    widths=(0.5, 3, 2, 1.4, 1.4),
)

BODY = (
    Section(
        paragraphs=(
            "Ngày 20 tháng 11 năm 2026, Chủ tịch Ủy ban nhân dân tỉnh chủ trì cuộc họp "
            "về tình hình kinh tế - xã hội; tham dự có lãnh đạo các sở, ngành và ủy ban "
            "nhân dân các huyện.",
        )
    ),
    Section(
        heading="1. Kết luận",
        paragraphs=("Các đơn vị phối hợp với thành phố Đà Nẵng triển khai các nhiệm vụ sau:",),
        table=TASKS,
    ),
)


@pytest.fixture(scope="session")
def notice() -> ComposedDocument:
    """A one-signer conclusion notice."""
    return compose_official_document(
        conclusion_notice(
            issuer_parent="UBND TỈNH THỪA THIÊN HUẾ",
            issuer="VĂN PHÒNG",
            number="12/TB-UBND",
            place="Huế",
            date=dt.date(2026, 11, 23),
            summary="Kết luận của Chủ tịch Ủy ban nhân dân tỉnh tại cuộc họp tháng 11",
            sections=BODY,
            recipients=("Các sở, ngành;", "Lưu: VT."),
            signer_titles=("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
            signer_name="Nguyễn Văn Phương",
        )
    )


@pytest.fixture(scope="session")
def minutes() -> ComposedDocument:
    """Minutes with a secretary and a chair signature box."""
    return compose_official_document(
        meeting_minutes(
            issuer_parent="UBND TỈNH THỪA THIÊN HUẾ",
            issuer="VĂN PHÒNG",
            number="07/BB-VP",
            place="Huế",
            date=dt.date(2026, 11, 20),
            summary="Cuộc họp về tình hình kinh tế - xã hội tháng 11 năm 2026",
            sections=BODY,
            secretary_name="Trần Thị Đà Nẵng",
            chair_name="Nguyễn Văn Phương",
            chair_titles=("CHỦ TRÌ", "CHỦ TỊCH UBND TỈNH"),
        )
    )


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _asn1_private_key(issued: ca.IssuedCertificate) -> asn1_keys.PrivateKeyInfo:
    der = issued.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return asn1_keys.PrivateKeyInfo.load(der)


@pytest.fixture(scope="session")
def tsa_url(pki: Pki) -> Iterator[str]:
    """A real RFC 3161 server over HTTP on 127.0.0.1, answering with pyHanko's test TSA."""
    stamper = DummyTimeStamper(
        tsa_cert=_asn1_certificate(pki.tsa.certificate),
        tsa_key=_asn1_private_key(pki.tsa),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [_asn1_certificate(pki.intermediate.certificate)]
        ),
    )

    async def answer(request: web.Request) -> web.Response:
        if request.content_type != "application/timestamp-query":
            return web.Response(status=415, text="expected application/timestamp-query")
        query = tsp.TimeStampReq.load(await request.read())
        reply = stamper.request_tsa_response(query)
        return web.Response(body=reply.dump(), content_type="application/timestamp-reply")

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_post("/tsa", answer)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/tsa"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@dataclass(frozen=True)
class SoftHsm:
    """A SoftHSM2 token holding a signing key generated on the token."""

    spec: Pkcs11SignerSpec
    certificate: x509.Certificate


@pytest.fixture(scope="session")
def softhsm(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    """Initialise a SoftHSM2 token, generate an RSA key on it and store its certificate."""
    module = next((path for path in SOFTHSM_MODULES if Path(path).is_file()), None)
    util = shutil.which("softhsm2-util")
    if module is None or util is None:
        pytest.skip("SoftHSM2 is not installed (Debian package softhsm2)")
    import pkcs11
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.rsa import encode_rsa_public_key
    from pkcs11.util.x509 import decode_x509_certificate

    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    config = folder / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    # SoftHSM reads this when the module is initialised, in this process and the tool.
    os.environ["SOFTHSM2_CONF"] = str(config)
    label, pin = "ecabinet-test", "246810"
    subprocess.run(
        [util, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "135790"],
        check=True,
        capture_output=True,
        env={**os.environ},
    )
    token = pkcs11.lib(module).get_token(token_label=label)
    with token.open(rw=True, user_pin=pin) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA, 2048, id=b"\x01", label="chair-key", store=True
        )
        public_key = serialization.load_der_public_key(encode_rsa_public_key(public))
        certificate = ca.certify_public_key(
            pki.intermediate,
            public_key,  # type: ignore[arg-type]
            common_name="Lê Thị Huyền Trang",
            organization="Ủy ban nhân dân huyện Phú Vang",
        )
        attributes = decode_x509_certificate(certificate.public_bytes(serialization.Encoding.DER))
        attributes.update(
            {Attribute.TOKEN: True, Attribute.LABEL: "chair-key", Attribute.ID: b"\x01"}
        )
        session.create_object(attributes)
    try:
        yield SoftHsm(
            spec=Pkcs11SignerSpec(
                module_path=module,
                token_label=label,
                key_label="chair-key",
                pin=pin,
                extra_certificates=(pki.intermediate.certificate,),
            ),
            certificate=certificate,
        )
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous
