"""Small PDFs built on the fly for the PDF tests: Vietnamese text, odd geometry, broken files."""

from __future__ import annotations

import pymupdf

from ecabinet.pdf.fonts import font_file

LINES = (
    "Kế hoạch phát triển kinh tế – xã hội năm 2026",
    "Nguyễn Văn Ánh, Chủ tịch Ủy ban nhân dân huyện Phú Lộc",
    "Đề án chuyển đổi số: họp không giấy, ký số, lưu trữ điện tử",
)


def make_doc(
    pages: int = 3,
    *,
    width: float = 595,
    height: float = 842,
    rotation: int = 0,
    cropbox: pymupdf.Rect | None = None,
    title: str = "Tài liệu họp",
) -> pymupdf.Document:
    """A document whose page n starts with 'Trang n+1' followed by LINES, in a Vietnamese font."""
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=width, height=height)
        page.insert_font(fontname="vn", fontfile=font_file("serif"))
        page.insert_text((72, 72), f"Trang {n + 1}", fontname="vn", fontsize=14)
        for i, line in enumerate(LINES):
            page.insert_text((72, 110 + 24 * i), line, fontname="vn", fontsize=12)
        if cropbox is not None:
            page.set_cropbox(cropbox)
        if rotation:
            page.set_rotation(rotation)
    doc.set_metadata({"title": title, "author": "Văn phòng UBND"})
    return doc


def to_bytes(doc: pymupdf.Document) -> bytes:
    """Serialise and close `doc`."""
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return bytes(data)


def make_pdf(pages: int = 3) -> bytes:
    """Bytes of a plain `make_doc(pages)`."""
    return to_bytes(make_doc(pages))


def encrypted_pdf(user_password: str) -> bytes:
    """AES-256 encrypted PDF; an empty user password gives an owner-password-only file."""
    doc = make_doc(1)
    aes256: int = pymupdf.PDF_ENCRYPT_AES_256  # type: ignore[attr-defined]
    data = doc.tobytes(encryption=aes256, owner_pw="chu-so-huu", user_pw=user_password)
    doc.close()
    return bytes(data)


def zero_page_pdf() -> bytes:
    """A well-formed PDF (correct xref) whose page tree is empty."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)
