"""PDFs for the document tests: Vietnamese agenda papers, and every kind of bad upload."""

from __future__ import annotations

import os

import pymupdf

from ecabinet.pdf.fonts import font_file

LINES = (
    "KẾ HOẠCH phát triển kinh tế – xã hội năm 2026",
    "Đề án chuyển đổi số: họp không giấy, ký số, lưu trữ điện tử",
    "Ủy ban nhân dân tỉnh Thừa Thiên Huế giao Sở Tài chính chủ trì",
)


def agenda_pdf(pages: int = 3, *, marker: str = "", extra: str = "") -> bytes:
    """Page n reads "Trang n", then LINES; `marker` makes the file (and its SHA-256) unique."""
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=595, height=842)
        page.insert_font(fontname="vn", fontfile=font_file("serif"))
        page.insert_text((72, 72), f"Trang {n + 1}", fontname="vn", fontsize=14)
        for i, line in enumerate(LINES):
            page.insert_text((72, 110 + 24 * i), line, fontname="vn", fontsize=12)
        if extra and n == pages - 1:
            page.insert_text((72, 200), extra, fontname="vn", fontsize=12)
        if marker:
            page.insert_text((72, 800), marker, fontname="vn", fontsize=8)
    doc.set_metadata({"title": "Tờ trình kế hoạch", "author": "Văn phòng UBND"})
    doc.subset_fonts()
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return bytes(data)


def encrypted_pdf() -> bytes:
    """A password-protected PDF."""
    doc = pymupdf.open(stream=agenda_pdf(1), filetype="pdf")
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256,  # type: ignore[attr-defined]
                       owner_pw="chu-so-huu", user_pw="mat-khau")
    doc.close()
    return bytes(data)


def corrupt_pdf() -> bytes:
    """A PDF header followed by a broken body (cut in the middle, xref gone)."""
    data = agenda_pdf(3)
    return data[: len(data) // 2]


def zero_page_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 3\n0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def large_pdf(min_bytes: int) -> bytes:
    """A valid one-page PDF of at least `min_bytes` (an incompressible embedded image)."""
    side = int((min_bytes / 3) ** 0.5) + 8
    samples = os.urandom(side * side * 3)
    pix = pymupdf.Pixmap(pymupdf.csRGB, side, side, samples, False)
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_image(page.rect, pixmap=pix)
    data = bytes(doc.tobytes())
    doc.close()
    assert len(data) >= min_bytes
    return data


NOT_PDF = "Biên bản họp ngày 12/11 — văn bản thường, không phải PDF.\n".encode() * 20
PNG_HEADER = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
