"""Decide whether uploaded bytes are a PDF eCabinet accepts, and describe it.

Every refusal is a `PdfRejected` with a stable `code` (the API layer's error code),
`params` for the message, and ready Vietnamese and English messages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

import pymupdf

from ecabinet.pdf.engine import open_pdf, take_warnings

# PDF 1.7 (ISO 32000-1, annex H) lets readers accept the header anywhere in the
# first 1024 bytes; some scanners prepend junk, Acrobat opens those files.
_HEADER = b"%PDF-"
_HEADER_WINDOW = 1024


class RejectCode(StrEnum):
    """Why an upload was refused; values are the API error codes."""

    EMPTY = "pdf_empty"
    TOO_LARGE = "pdf_too_large"
    NOT_PDF = "pdf_not_pdf"
    CORRUPT = "pdf_corrupt"
    ENCRYPTED = "pdf_encrypted"
    NO_PAGES = "pdf_no_pages"
    TOO_MANY_PAGES = "pdf_too_many_pages"


_MESSAGES: dict[RejectCode, tuple[str, str]] = {
    RejectCode.EMPTY: ("Tệp tải lên rỗng.", "The uploaded file is empty."),
    RejectCode.TOO_LARGE: (
        "Tệp quá lớn ({size_mb} MB); dung lượng tối đa là {max_mb} MB.",
        "The file is too large ({size_mb} MB); the limit is {max_mb} MB.",
    ),
    RejectCode.NOT_PDF: ("Tệp không phải là tài liệu PDF.", "The file is not a PDF document."),
    RejectCode.CORRUPT: (
        "Tệp PDF bị hỏng hoặc không đọc được ({detail}).",
        "The PDF file is damaged or unreadable ({detail}).",
    ),
    RejectCode.ENCRYPTED: (
        "Tệp PDF được mã hoá hoặc đặt mật khẩu; hãy gỡ mật khẩu rồi tải lên lại.",
        "The PDF is encrypted or password-protected; remove the password and upload again.",
    ),
    RejectCode.NO_PAGES: ("Tệp PDF không có trang nào.", "The PDF has no pages."),
    RejectCode.TOO_MANY_PAGES: (
        "Tệp PDF có {pages} trang, vượt quá giới hạn {max_pages} trang.",
        "The PDF has {pages} pages, more than the limit of {max_pages}.",
    ),
}


class PdfRejected(ValueError):
    """An upload refused for a reason the uploader can act on."""

    def __init__(self, code: RejectCode, **params: str | int) -> None:
        self.code = code
        self.params: dict[str, str | int] = dict(params)
        vi, en = _MESSAGES[code]
        self.message_vi = vi.format(**params)
        self.message_en = en.format(**params)
        super().__init__(f"{code.value}: {self.message_en}")

    def __reduce__(self) -> tuple[object, ...]:
        # Raised inside worker processes; keyword params must survive pickling.
        return (_rebuild_rejection, (self.code, self.params))


def _rebuild_rejection(code: RejectCode, params: dict[str, str | int]) -> PdfRejected:
    return PdfRejected(code, **params)


@dataclass(frozen=True)
class PdfInfo:
    """What an accepted PDF is: identity, size and the metadata worth showing."""

    sha256: str
    byte_size: int
    page_count: int
    pdf_version: str = ""
    title: str = ""
    author: str = ""
    subject: str = ""
    keywords: str = ""
    creator: str = ""
    producer: str = ""
    signed: bool = False
    metadata: dict[str, str] = field(default_factory=dict)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def check_size(size: int, *, max_bytes: int) -> None:
    """Raise `PdfRejected` if a file of `size` bytes is empty or over `max_bytes`."""
    if size <= 0:
        raise PdfRejected(RejectCode.EMPTY)
    if size > max_bytes:
        raise PdfRejected(RejectCode.TOO_LARGE, size=size, size_mb=_mb(size), max_mb=_mb(max_bytes))


def validate_pdf(
    data: bytes,
    *,
    max_bytes: int,
    max_pages: int,
    allow_repaired: bool = False,
) -> PdfInfo:
    """Check `data` is a readable, unencrypted PDF within the limits; raise `PdfRejected` if not.

    Every page object is loaded and every content stream decompressed (cheap: no
    rendering), so a file that only opens thanks to MuPDF's xref repair, or whose
    pages or streams are broken, is refused as `pdf_corrupt` unless `allow_repaired`.
    """
    check_size(len(data), max_bytes=max_bytes)
    if _HEADER not in data[: _HEADER_WINDOW + len(_HEADER)]:
        raise PdfRejected(RejectCode.NOT_PDF)

    take_warnings()
    try:
        doc = open_pdf(data)
    except Exception as exc:  # MuPDF raises several types for unreadable input
        raise PdfRejected(RejectCode.NOT_PDF) from exc
    try:
        return _inspect(doc, data, max_pages=max_pages, allow_repaired=allow_repaired)
    finally:
        doc.close()


def _inspect(
    doc: pymupdf.Document, data: bytes, *, max_pages: int, allow_repaired: bool
) -> PdfInfo:
    if not doc.is_pdf:
        raise PdfRejected(RejectCode.NOT_PDF)
    meta = {k: v for k, v in (doc.metadata or {}).items() if isinstance(v, str)}
    # needs_pass: a user password is required. An owner-password-only file opens
    # without a password but is still encrypted (its metadata names the scheme).
    if doc.needs_pass or doc.is_encrypted or meta.get("encryption"):
        raise PdfRejected(RejectCode.ENCRYPTED)
    if doc.is_repaired and not allow_repaired:
        raise PdfRejected(RejectCode.CORRUPT, detail="xref")
    count = doc.page_count
    if count == 0:
        raise PdfRejected(RejectCode.NO_PAGES)
    if count > max_pages:
        raise PdfRejected(RejectCode.TOO_MANY_PAGES, pages=count, max_pages=max_pages)
    take_warnings()
    for number in range(count):
        try:
            page = doc.load_page(number)
            page.read_contents()
        except Exception as exc:
            raise PdfRejected(RejectCode.CORRUPT, detail=f"page {number + 1}") from exc
        warnings = take_warnings()
        if "error" in warnings:
            raise PdfRejected(RejectCode.CORRUPT, detail=f"page {number + 1}")
    return PdfInfo(
        sha256=hashlib.sha256(data).hexdigest(),
        byte_size=len(data),
        page_count=count,
        pdf_version=meta.get("format", ""),
        title=meta.get("title", ""),
        author=meta.get("author", ""),
        subject=meta.get("subject", ""),
        keywords=meta.get("keywords", ""),
        creator=meta.get("creator", ""),
        producer=meta.get("producer", ""),
        signed=doc.get_sigflags() > 0,
        metadata={k: v for k, v in meta.items() if v},
    )
