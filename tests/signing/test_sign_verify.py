"""Signing composed documents with pyHanko and verifying them, end to end, without mocks."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pymupdf
import pytest
from cryptography.hazmat.primitives import serialization

from ecabinet.pdf.official import ComposedDocument
from ecabinet.signing.keystore import Pkcs12SignerSpec
from ecabinet.signing.sign import PdfSigningError, sign_pdf, sign_pdf_async
from ecabinet.signing.stamp import SignatureAppearance, demo_seal_png
from ecabinet.signing.verify import (
    Coverage,
    Modification,
    PdfVerificationError,
    Verdict,
    load_trust_roots,
    verify_pdf,
    verify_pdf_async,
)

from .conftest import PASSPHRASE, Pki, SoftHsm

ISO_8601 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")


def _normalised_text(pdf: bytes) -> str:
    with pymupdf.open("pdf", pdf) as document:
        return " ".join(" ".join(page.get_text().split()) for page in document)


def test_signed_notice_verifies_valid_and_trusted(
    pki: Pki, chair: Pkcs12SignerSpec, notice: ComposedDocument
) -> None:
    signed = sign_pdf(
        notice.pdf,
        chair,
        field_name="chair",
        box=notice.signature_boxes["signer"],
        reason="Ký ban hành thông báo kết luận",
        location="Huế",
    )

    report = verify_pdf(signed, [pki.root.certificate])

    assert report.verdict is Verdict.VALID
    assert report.revisions == 2
    assert not report.modified_after_last_signature
    [signature] = report.signatures
    assert signature.field_name == "chair"
    assert signature.signer_common_name == "Nguyễn Văn Phương"
    assert signature.signer_organization == "Ủy ban nhân dân tỉnh Thừa Thiên Huế"
    assert signature.intact and signature.trusted and signature.valid_at_signing_time
    assert signature.certificate_problem is None
    assert signature.coverage is Coverage.ENTIRE_FILE
    assert signature.modification is Modification.NONE
    assert signature.reason == "Ký ban hành thông báo kết luận"
    assert signature.location == "Huế"
    assert signature.trust_anchor.startswith("Common Name: eCabinet Demo Root CA")
    assert signature.claimed_signing_time is not None
    assert signature.claimed_signing_time.utcoffset() == dt.timedelta(hours=7)
    assert signature.signing_time_source == "claimed"
    assert signature.timestamp is None
    assert signature.revocation == "not_checked"
    assert signature.valid


def test_visible_signature_shows_signer_unit_iso_time_and_seal(
    chair: Pkcs12SignerSpec, notice: ComposedDocument
) -> None:
    seal = demo_seal_png("Ủy ban nhân dân tỉnh Thừa Thiên Huế", centre_text="VĂN PHÒNG")
    box = notice.signature_boxes["signer"]
    signed = sign_pdf(
        notice.pdf,
        chair,
        field_name="chair",
        box=box,
        appearance=SignatureAppearance(seal_png=seal),
    )

    with pymupdf.open("pdf", signed) as document:
        page = document[box.page]
        [widget] = list(page.widgets())
        assert widget.field_name == "chair"
        assert (
            pymupdf.Rect(widget.rect).intersect(box.rect).get_area()
            > 0.9 * pymupdf.Rect(box.rect).get_area()
        )
        # The seal is red: the appearance paints strongly red pixels inside the box.
        pixmap = page.get_pixmap(clip=box.rect, dpi=72)
        samples = pixmap.samples
        red = sum(
            1
            for i in range(0, len(samples), pixmap.n)
            if samples[i] > 170 and samples[i + 1] < 90 and samples[i + 2] < 90
        )
        assert red > 50
        # Flattening the widget exposes its appearance text to the extractor.
        document.bake()
        text = " ".join(document[box.page].get_text().split())
    assert "Ký bởi: Nguyễn Văn Phương" in text
    assert "Cơ quan: Ủy ban nhân dân tỉnh Thừa Thiên Huế" in text
    match = re.search(r"Thời gian ký: (\S+)", text)
    assert match is not None and ISO_8601.fullmatch(match.group(1))


def test_one_byte_changed_inside_signed_range_is_invalid(
    pki: Pki, chair: Pkcs12SignerSpec, notice: ComposedDocument
) -> None:
    signed = sign_pdf(notice.pdf, chair, field_name="chair", box=notice.signature_boxes["signer"])
    offset = signed.index(b"(eCabinet)") + 2
    tampered = signed[:offset] + b"K" + signed[offset + 1 :]

    report = verify_pdf(tampered, [pki.root.certificate])

    assert report.verdict is Verdict.INVALID
    [signature] = report.signatures
    assert not signature.intact
    assert not signature.valid


def test_page_content_changed_in_a_later_update_is_reported(
    pki: Pki, chair: Pkcs12SignerSpec, notice: ComposedDocument, tmp_path: Path
) -> None:
    signed = sign_pdf(notice.pdf, chair, field_name="chair", box=notice.signature_boxes["signer"])
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    with pymupdf.open(path) as document:
        document[0].insert_text((100, 400), "Thời hạn được gia hạn đến năm 2030", fontsize=12)
        document.saveIncr()
    altered = path.read_bytes()
    assert altered.startswith(signed)  # a genuine incremental update

    report = verify_pdf(altered, [pki.root.certificate])

    assert report.verdict is Verdict.INVALID
    assert report.modified_after_last_signature
    [signature] = report.signatures
    assert signature.intact  # the signed revision itself is untouched...
    assert signature.coverage is Coverage.ENTIRE_REVISION
    assert signature.modification is Modification.CONTENT_CHANGED  # ...but content changed
    assert not signature.valid


async def test_second_signature_keeps_the_first_valid(
    pki: Pki,
    secretary: Pkcs12SignerSpec,
    chair: Pkcs12SignerSpec,
    minutes: ComposedDocument,
) -> None:
    drafted = await sign_pdf_async(
        minutes.pdf,
        secretary,
        field_name="secretary",
        box=minutes.signature_boxes["secretary"],
        reason="Thư ký ký biên bản",
    )
    approved = await sign_pdf_async(
        drafted,
        chair,
        field_name="chair",
        box=minutes.signature_boxes["chair"],
        reason="Chủ trì ký biên bản",
    )
    assert approved.startswith(drafted)

    report = await verify_pdf_async(approved, [pki.root.certificate])

    assert report.verdict is Verdict.VALID
    assert report.revisions == 3
    first, second = report.signatures
    assert (first.field_name, second.field_name) == ("secretary", "chair")
    assert first.signer_common_name == "Trần Thị Đà Nẵng"
    assert first.valid and second.valid
    assert first.revision == 2 and second.revision == 3
    assert first.coverage is Coverage.ENTIRE_REVISION
    assert first.modification is Modification.ALLOWED
    assert second.coverage is Coverage.ENTIRE_FILE
    assert second.modification is Modification.NONE


def test_certificate_from_another_ca_is_untrusted(pki: Pki, notice: ComposedDocument) -> None:
    from ecabinet.signing import ca

    stranger = ca.issue_signer_certificate(
        pki.foreign_root, common_name="Phạm Văn Lạ", organization="Không rõ"
    )
    spec = Pkcs12SignerSpec(
        ca.pkcs12_bytes(stranger, PASSPHRASE, chain=[pki.foreign_root.certificate]), PASSPHRASE
    )
    signed = sign_pdf(notice.pdf, spec, field_name="chair")

    report = verify_pdf(signed, [pki.root.certificate])

    assert report.verdict is Verdict.INDETERMINATE
    [signature] = report.signatures
    assert signature.intact
    assert not signature.trusted
    assert signature.certificate_problem == "NO_CERTIFICATE_CHAIN_FOUND"
    assert signature.modification is Modification.NONE
    # The same file is valid for whoever trusts that other CA.
    assert verify_pdf(signed, [pki.foreign_root.certificate]).verdict is Verdict.VALID


def test_certificate_expired_at_signing_time_is_not_valid_then(
    pki: Pki, notice: ComposedDocument
) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = pki.signer(
        "Hoàng Văn Cũ",
        "Ủy ban nhân dân huyện Quảng Điền",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=35),
    )
    signed = sign_pdf(notice.pdf, expired, field_name="chair")

    report = verify_pdf(signed, [pki.root.certificate])

    assert report.verdict is Verdict.INDETERMINATE
    [signature] = report.signatures
    assert signature.intact
    assert signature.trusted  # it does chain to our root...
    assert not signature.valid_at_signing_time  # ...but had expired when it signed
    assert signature.certificate_problem is not None
    assert not signature.valid


def test_pkcs11_token_signs_and_verifies(
    pki: Pki, softhsm: SoftHsm, chair: Pkcs12SignerSpec, minutes: ComposedDocument
) -> None:
    drafted = sign_pdf(
        minutes.pdf, chair, field_name="secretary", box=minutes.signature_boxes["secretary"]
    )
    signed = sign_pdf(
        drafted, softhsm.spec, field_name="chair", box=minutes.signature_boxes["chair"]
    )

    report = verify_pdf(signed, [pki.root.certificate])

    assert report.verdict is Verdict.VALID
    token_signature = report.signatures[1]
    assert token_signature.signer_common_name == "Lê Thị Huyền Trang"
    assert token_signature.signer_organization == "Ủy ban nhân dân huyện Phú Vang"
    assert token_signature.certificate_serial == format(softhsm.certificate.serial_number, "x")
    assert token_signature.valid


def test_wrong_token_pin_is_a_clear_error(softhsm: SoftHsm, notice: ComposedDocument) -> None:
    from dataclasses import replace

    with pytest.raises(PdfSigningError, match="PKCS#11 token 'ecabinet-test'"):
        sign_pdf(notice.pdf, replace(softhsm.spec, pin="000000"), field_name="chair")


def test_timestamp_from_local_tsa_is_reported(
    pki: Pki, chair: Pkcs12SignerSpec, notice: ComposedDocument, tsa_url: str
) -> None:
    signed = sign_pdf(
        notice.pdf,
        chair,
        field_name="chair",
        box=notice.signature_boxes["signer"],
        timestamp_url=tsa_url,
    )

    report = verify_pdf(signed, [pki.root.certificate])

    assert report.verdict is Verdict.VALID
    [signature] = report.signatures
    assert signature.timestamp is not None
    assert signature.timestamp.authority == "eCabinet Demo TSA"
    assert signature.timestamp.intact and signature.timestamp.trusted
    assert signature.signing_time_source == "timestamp"
    assert signature.claimed_signing_time is not None
    # The token dates the same signing event the signer claimed (clock skew aside).
    skew = abs(signature.timestamp.time - signature.claimed_signing_time)
    assert skew < dt.timedelta(minutes=5)


def test_unreachable_tsa_fails_signing(chair: Pkcs12SignerSpec, notice: ComposedDocument) -> None:
    with pytest.raises(PdfSigningError, match="timestamp server"):
        # Port 9 (discard) on loopback: nothing listens there on this machine.
        sign_pdf(notice.pdf, chair, field_name="chair", timestamp_url="http://127.0.0.1:9/tsa")


def test_pdf_without_signatures_gets_a_clear_report(pki: Pki, notice: ComposedDocument) -> None:
    report = verify_pdf(notice.pdf, [pki.root.certificate])
    assert report.verdict is Verdict.UNSIGNED
    assert report.signatures == []
    assert not report.signed
    assert "no digital signatures" in report.message


def test_non_pdf_is_a_clear_error(pki: Pki) -> None:
    with pytest.raises(PdfVerificationError, match="not a PDF"):
        verify_pdf(b"PK\x03\x04 this is a zip file", [pki.root.certificate])
    with pytest.raises(PdfSigningError, match="not a readable PDF"):
        sign_pdf(b"%PDF-1.7\nbroken", Pkcs12SignerSpec(b"", PASSPHRASE), field_name="chair")


def test_wrong_passphrase_is_a_clear_error(
    chair: Pkcs12SignerSpec, notice: ComposedDocument
) -> None:
    from dataclasses import replace

    with pytest.raises(PdfSigningError, match="wrong passphrase"):
        sign_pdf(notice.pdf, replace(chair, passphrase=b"sai"), field_name="chair")


def test_composed_notice_signed_twice_extracts_the_same_text(
    secretary: Pkcs12SignerSpec, chair: Pkcs12SignerSpec, minutes: ComposedDocument
) -> None:
    once = sign_pdf(
        minutes.pdf, secretary, field_name="secretary", box=minutes.signature_boxes["secretary"]
    )
    twice = sign_pdf(once, chair, field_name="chair", box=minutes.signature_boxes["chair"])

    original = _normalised_text(minutes.pdf)
    signed_text = _normalised_text(twice)
    # The page text is untouched; the extractor adds the two stamps' text after it.
    assert signed_text.startswith(original)
    stamps = signed_text[len(original) :]
    assert re.fullmatch(r"( Ký bởi: [^:]+ Cơ quan: [^:]+ Thời gian ký: \S+){2}", stamps), stamps
    assert "Các đơn vị phối hợp với thành phố Đà Nẵng triển khai các nhiệm vụ sau:" in original


def test_load_trust_roots_reads_pem_and_der(pki: Pki, tmp_path: Path) -> None:
    (tmp_path / "root.pem").write_bytes(
        pki.root.certificate.public_bytes(serialization.Encoding.PEM)
        + pki.foreign_root.certificate.public_bytes(serialization.Encoding.PEM)
    )
    (tmp_path / "intermediate.cer").write_bytes(
        pki.intermediate.certificate.public_bytes(serialization.Encoding.DER)
    )

    roots = load_trust_roots(tmp_path)

    assert roots == [
        pki.intermediate.certificate,
        pki.root.certificate,
        pki.foreign_root.certificate,
    ]
    (tmp_path / "notes.txt").write_text("not a certificate")
    with pytest.raises(PdfVerificationError, match=r"notes\.txt"):
        load_trust_roots(tmp_path)


def test_a_filled_field_or_a_box_off_the_document_is_refused(
    chair: Pkcs12SignerSpec, notice: ComposedDocument
) -> None:
    signed = sign_pdf(notice.pdf, chair, field_name="chair")
    with pytest.raises(PdfSigningError, match="filled already"):
        sign_pdf(signed, chair, field_name="chair")
    with pytest.raises(PdfSigningError, match="outside the document"):
        sign_pdf(notice.pdf, chair, field_name="other", box=(7, (100, 100, 300, 190)))
