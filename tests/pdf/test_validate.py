"""Upload validation: every refusal code, and what an accepted PDF reports."""

from __future__ import annotations

import hashlib
import pickle

import pymupdf
import pytest

from ecabinet.pdf.validate import PdfRejected, RejectCode, validate_pdf

from .samples import encrypted_pdf, make_pdf, zero_page_pdf

MAX_BYTES = 5 * 1024 * 1024
MAX_PAGES = 50


def rejection(data: bytes, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES) -> PdfRejected:
    with pytest.raises(PdfRejected) as caught:
        validate_pdf(data, max_bytes=max_bytes, max_pages=max_pages)
    return caught.value


def test_valid_pdf_is_described() -> None:
    data = make_pdf(7)
    info = validate_pdf(data, max_bytes=MAX_BYTES, max_pages=MAX_PAGES)
    assert info.page_count == 7
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.byte_size == len(data)
    assert info.title == "Tài liệu họp"
    assert info.author == "Văn phòng UBND"
    assert info.pdf_version.startswith("PDF")
    assert info.signed is False


def test_empty_file() -> None:
    assert rejection(b"").code is RejectCode.EMPTY


@pytest.mark.parametrize(
    "data",
    [
        b"Bien ban cuoc hop, not a PDF at all",
        b"\x89PNG\r\n\x1a\n" + bytes(200),
        b"%PDF-1.7\n" + b"x" * 2000,
    ],
    ids=["text", "png", "header-then-garbage"],
)
def test_not_a_pdf(data: bytes) -> None:
    assert rejection(data).code is RejectCode.NOT_PDF


def test_truncated_file_is_corrupt() -> None:
    data = make_pdf(4)
    assert rejection(data[: len(data) * 2 // 3]).code is RejectCode.CORRUPT


def test_broken_xref_offset_is_corrupt() -> None:
    data = bytearray(make_pdf(2))
    at = data.rfind(b"startxref") + len(b"startxref\n")
    data[at : at + 2] = b"99"
    assert rejection(bytes(data)).code is RejectCode.CORRUPT


def test_damaged_content_stream_is_corrupt() -> None:
    original = make_pdf(2)
    with pymupdf.open(stream=original) as doc:
        xref = doc[1].get_contents()[0]
    data = bytearray(original)
    # Overwrite bytes inside page 2's compressed content stream: the xref stays
    # valid and the page loads, but its content no longer inflates.
    obj = data.find(b"\n%d 0 obj" % xref)
    at = data.find(b"stream\n", obj) + len(b"stream\n")
    data[at + 4 : at + 40] = b"Z" * 36
    assert rejection(bytes(data)).code is RejectCode.CORRUPT


def test_repaired_file_accepted_when_allowed() -> None:
    data = make_pdf(2)
    info = validate_pdf(data[:-30], allow_repaired=True, max_bytes=MAX_BYTES, max_pages=MAX_PAGES)
    assert info.page_count == 2


@pytest.mark.parametrize("user_password", ["mat-khau", ""], ids=["user", "owner-only"])
def test_encrypted(user_password: str) -> None:
    assert rejection(encrypted_pdf(user_password)).code is RejectCode.ENCRYPTED


def test_too_large() -> None:
    data = make_pdf(1)
    refused = rejection(data, max_bytes=len(data) - 1)
    assert refused.code is RejectCode.TOO_LARGE
    assert refused.params["size"] == len(data)


def test_too_many_pages() -> None:
    refused = rejection(make_pdf(6), max_pages=5)
    assert refused.code is RejectCode.TOO_MANY_PAGES
    assert refused.params == {"pages": 6, "max_pages": 5}
    assert "6" in refused.message_vi and "5" in refused.message_en


def test_zero_pages() -> None:
    assert rejection(zero_page_pdf()).code is RejectCode.NO_PAGES


def test_exactly_at_limits_is_accepted() -> None:
    data = make_pdf(5)
    assert validate_pdf(data, max_bytes=len(data), max_pages=5).page_count == 5


def test_rejection_survives_pickling_with_messages() -> None:
    # Raised in a worker process and re-raised in the server.
    original = PdfRejected(RejectCode.TOO_MANY_PAGES, pages=9, max_pages=3)
    copy = pickle.loads(pickle.dumps(original))
    assert copy.code is RejectCode.TOO_MANY_PAGES
    assert copy.params == {"pages": 9, "max_pages": 3}
    assert copy.message_vi == original.message_vi
    assert "trang" in copy.message_vi
