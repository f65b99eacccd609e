"""Decide whether uploaded bytes are a PDF eCabinet accepts, and describe it.

Every refusal is a `PdfRejected` with a stable `code` (the API layer's error code),
`params` for the message, and ready Vietnamese and English messages.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from enum import StrEnum

import pymupdf

from ecabinet.pdf.engine import open_pdf, out_of_memory, take_warnings

# PDF 1.7 (ISO 32000-1, annex H) lets readers accept the header anywhere in the
# first 1024 bytes; some scanners prepend junk, Acrobat opens those files.
_HEADER = b"%PDF-"
_HEADER_WINDOW = 1024

# Page geometry, of the page as displayed (crop box, after /Rotate), in points.
# The longest side is PDF's own implementation limit (ISO 32000-1, annex C: 14,400
# units, 200 in = 5.08 m), far beyond any plotter roll. The ratio admits A4 to A0
# sheets (1:1.41), receipts and A3-high strip drawings of road profiles (about
# 1:15) but not a 200 x 14,400 pt ribbon (1:72), which no screen can show and
# which at a tablet's width is a 1280 x 92,160 px image. 10 mm is below any real
# sheet and keeps empty or degenerate boxes out of the renderer.
PT_PER_MM = 72 / 25.4
MIN_PAGE_SIDE = 10 * PT_PER_MM
MAX_PAGE_SIDE = 14_400.0
MAX_PAGE_RATIO = 20

# Active content, looked for in every object as MuPDF prints it (names decoded, so
# /Java#53cript reads /JavaScript) with string literals removed first. Originals are
# downloadable exactly as uploaded (a signature must stay intact, so nothing can be
# stripped), so a script or an attachment accepted here would reach every reader's
# desktop PDF viewer. Meeting papers need neither.
_PRINTED_STRING = re.compile(r"\((?:\\.|[^\\)])*\)")
_SCRIPT = re.compile(r"/JavaScript\b|/S\s*/Launch\b|/JS\b|/XFA\b")
_ATTACHMENT = re.compile(
    r"/(?:EmbeddedFiles?|FileAttachment|RichMedia\w*)\b|/S\s*/GoToE\b"
)
_FILESPEC = re.compile(r"/Type\s*/Filespec\b")
_EMBEDDED_STREAM = re.compile(r"/EF\b")


class RejectCode(StrEnum):
    """Why an upload was refused; values are the API error codes."""

    EMPTY = "pdf_empty"
    TOO_LARGE = "pdf_too_large"
    NOT_PDF = "pdf_not_pdf"
    CORRUPT = "pdf_corrupt"
    ENCRYPTED = "pdf_encrypted"
    NO_PAGES = "pdf_no_pages"
    TOO_MANY_PAGES = "pdf_too_many_pages"
    PAGE_SIZE = "pdf_page_size"
    JAVASCRIPT = "pdf_javascript"
    ATTACHMENTS = "pdf_attachments"
    TOO_COMPLEX = "pdf_too_complex"


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
    RejectCode.PAGE_SIZE: (
        "Trang {page} có khổ giấy bất thường ({width} × {height} mm): mỗi cạnh phải từ "
        "{min_side} đến {max_side} mm và cạnh dài không quá {max_ratio} lần cạnh ngắn.",
        "Page {page} has an unusable size ({width} × {height} mm): each side must be "
        "{min_side} to {max_side} mm and the long side at most {max_ratio} times the short one.",
    ),
    RejectCode.JAVASCRIPT: (
        "Tệp PDF có chứa mã lệnh tự chạy (JavaScript hoặc lệnh mở chương trình); hãy lưu "
        "lại thành tệp PDF thông thường (ví dụ in bằng “Microsoft Print to PDF”) rồi tải lên lại.",
        "The PDF contains scripts or commands that run when it is opened (JavaScript or "
        "launch actions); save it again as a plain PDF (e.g. with “Print to PDF”) and upload that.",
    ),
    RejectCode.ATTACHMENTS: (
        "Tệp PDF có tệp đính kèm bên trong; hãy gỡ tệp đính kèm ra và tải chúng lên "
        "thành tài liệu riêng.",
        "The PDF carries embedded files; remove them and upload them as separate documents.",
    ),
    RejectCode.TOO_COMPLEX: (
        "Tệp PDF cần quá nhiều bộ nhớ để xử lý ({detail}); hãy xuất lại hoặc chia nhỏ "
        "tệp rồi tải lên.",
        "The PDF needs too much memory to process ({detail}); export it again or split it, "
        "then upload.",
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

    Every page object is loaded, its size checked and its content streams
    decompressed (cheap: no rendering), so a file that only opens thanks to
    MuPDF's xref repair, or whose pages or streams are broken, is refused as
    `pdf_corrupt` unless `allow_repaired`. Every object is then looked at for
    scripts and embedded files. The page count comes from the page tree's own
    /Count, so an oversized tree is refused before any page is loaded.
    """
    check_size(len(data), max_bytes=max_bytes)
    if _HEADER not in data[: _HEADER_WINDOW + len(_HEADER)]:
        raise PdfRejected(RejectCode.NOT_PDF)

    take_warnings()
    try:
        doc = open_pdf(data)
    except MemoryError as exc:
        raise PdfRejected(RejectCode.TOO_COMPLEX, detail="xref") from exc
    except Exception as exc:  # MuPDF raises several types for unreadable input
        raise PdfRejected(RejectCode.NOT_PDF) from exc
    try:
        return _inspect(doc, data, max_pages=max_pages, allow_repaired=allow_repaired)
    except PdfRejected:
        raise
    except Exception as exc:  # anything MuPDF throws from deep inside a hostile file
        raise _unreadable(exc, "structure") from exc
    finally:
        doc.close()


def _unreadable(exc: BaseException, detail: str) -> PdfRejected:
    """The refusal for an exception MuPDF (or Python) raised while reading `detail`."""
    # MuPDF refuses a stream inflating to hundreds of times its size ("compression
    # bomb detected"); to the uploader that is the same as running out of memory.
    if out_of_memory(exc) or "compression bomb" in str(exc).lower():
        return PdfRejected(RejectCode.TOO_COMPLEX, detail=detail)
    return PdfRejected(RejectCode.CORRUPT, detail=detail)


def _mm(points: float) -> str:
    return f"{points / PT_PER_MM:.0f}"


def check_page_size(number: int, width: float, height: float) -> None:
    """Raise `PdfRejected` if page `number` (1-based) of `width` x `height` pt is unusable."""
    short, long = min(width, height), max(width, height)
    usable = (
        math.isfinite(short)
        and math.isfinite(long)
        and short >= MIN_PAGE_SIDE
        and long <= MAX_PAGE_SIDE
        and long <= short * MAX_PAGE_RATIO
    )
    if not usable:
        raise PdfRejected(
            RejectCode.PAGE_SIZE,
            page=number,
            width=_mm(width),
            height=_mm(height),
            min_side=_mm(MIN_PAGE_SIDE),
            max_side=_mm(MAX_PAGE_SIDE),
            max_ratio=MAX_PAGE_RATIO,
        )


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
    try:
        count = doc.page_count
    except Exception as exc:  # e.g. a /Count that the tree's kids contradict
        raise _unreadable(exc, "page tree") from exc
    if count == 0:
        raise PdfRejected(RejectCode.NO_PAGES)
    if count > max_pages:
        raise PdfRejected(RejectCode.TOO_MANY_PAGES, pages=count, max_pages=max_pages)
    take_warnings()
    for number in range(count):
        try:
            page = doc.load_page(number)
            rect = page.rect
        except Exception as exc:
            raise _unreadable(exc, f"page {number + 1}") from exc
        # Before the contents: the size alone decides, whatever the page holds.
        check_page_size(number + 1, rect.width, rect.height)
        try:
            page.read_contents()
        except Exception as exc:
            raise _unreadable(exc, f"page {number + 1}") from exc
        warnings = take_warnings()
        if "error" in warnings:
            raise PdfRejected(RejectCode.CORRUPT, detail=f"page {number + 1}")
    active = _active_content(doc)
    if active is not None:
        raise PdfRejected(active)
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


def _active_content(doc: pymupdf.Document) -> RejectCode | None:
    """`JAVASCRIPT` or `ATTACHMENTS` if any object of `doc` holds them, else None.

    One pass over the objects (about 20 µs each), so hidden places count too:
    actions in outlines, form fields, annotations' /AA and /Next chains.
    """
    if doc.embfile_count() > 0:
        return RejectCode.ATTACHMENTS
    for xref in range(1, doc.xref_length()):
        try:
            printed = doc.xref_object(xref, compressed=True)
        except Exception as exc:
            # An object MuPDF cannot read may still be read by a reader's desktop
            # viewer: refuse rather than pass what could not be looked at.
            raise _unreadable(exc, f"object {xref}") from exc
        text = _PRINTED_STRING.sub("()", printed)
        if _SCRIPT.search(text):
            return RejectCode.JAVASCRIPT
        if _ATTACHMENT.search(text) or (
            _FILESPEC.search(text) and _EMBEDDED_STREAM.search(text)
        ):
            return RejectCode.ATTACHMENTS
    return None
