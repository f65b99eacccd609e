"""Hostile PDFs, written byte by byte: each is tiny on disk and built in milliseconds."""

from __future__ import annotations

import zlib

A4 = (595.0, 842.0)
TEXT = b"BT /F1 12 Tf 72 720 Td (Trang 1) Tj ET"
FONT = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"


def build(objects: list[bytes], *, catalog_extra: bytes = b"") -> bytes:
    """A PDF of `objects` (numbered from 1; object 1 is the catalog) with a correct xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    """An indirect stream object's body."""
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def one_page(
    size: tuple[float, float] = A4,
    *,
    content: bytes = TEXT,
    content_extra: bytes = b"",
    page_extra: bytes = b"",
    catalog_extra: bytes = b"",
    more: tuple[bytes, ...] = (),
) -> bytes:
    """A one-page PDF; `more` objects are numbered from 5."""
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents 4 0 R /Resources %s %s>>"
            % (size[0], size[1], FONT, page_extra),
            stream(content, content_extra),
            *more,
        ]
    )


def enormous_page() -> bytes:
    """The review's finding 6: a page 200 x 14,400 pt (7 cm x 5 m) in well under a kilobyte."""
    return one_page((200, 14_400))


def page_tree(pages: int = 10_000) -> bytes:
    """A flat page tree of `pages` distinct, empty A4 pages (about 100 bytes each)."""
    kids = b" ".join(b"%d 0 R" % (3 + n) for n in range(pages))
    leaf = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
            *([leaf] * pages),
        ]
    )


def nested_objects(depth: int = 10_000) -> bytes:
    """A page whose dictionary holds arrays nested `depth` deep (a recursive parser's stack)."""
    return one_page(page_extra=b"/Nest " + b"[" * depth + b"]" * depth + b" ")


def javascript() -> bytes:
    """A PDF that runs JavaScript when opened (/OpenAction), its names hex-escaped to hide them."""
    return one_page(catalog_extra=b"/OpenAction << /S /Java#53cript /J#53 (app.alert\\(1\\);) >> ")


def embedded_file() -> bytes:
    """A PDF carrying an executable in its /EmbeddedFiles name tree."""
    return one_page(
        catalog_extra=(
            b"/Names << /EmbeddedFiles << /Names [(setup.exe) "
            b"<< /Type /Filespec /F (setup.exe) /EF << /F 5 0 R >> >>] >> >> "
        ),
        more=(stream(b"MZ\x90\x00 not really a program", b"/Type /EmbeddedFile "),),
    )


def broken_xref() -> bytes:
    """A well-formed PDF whose xref table points every object 7 bytes off."""
    data = one_page()
    head, _, tail = data.partition(b"\nxref\n")
    rows = tail.split(b"\n")
    for i, row in enumerate(rows):
        if row.endswith(b" 00000 n "):
            rows[i] = b"%010d 00000 n " % (int(row[:10]) + 7)
    return head + b"\nxref\n" + b"\n".join(rows)


def zeros_zlib(total: int, chunk: int = 1 << 20) -> bytes:
    """A zlib stream inflating to `total` zero bytes, built without compressing them all.

    After a full flush the compressor's output for another chunk of zeros is the same
    bytes every time, so one chunk's output repeated stands for all of them; the
    Adler-32 of n zeros is (n mod 65521) << 16 | 1.
    """
    assert total % chunk == 0
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(chunk)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    final_empty_block = b"\x03\x00"
    raw = first + again * (total // chunk - 1) + final_empty_block
    adler = ((total % 65521) << 16) | 1
    return b"\x78\xda" + raw + adler.to_bytes(4, "big")


def decompression_bomb(inflated: int = 2 << 30) -> bytes:
    """A page whose content stream is about 5 KB and inflates to `inflated` bytes (2 GiB).

    Flate of Flate: the inner stream (2 MB) is itself repetitive enough to shrink
    another 400 times, well past the 1:1032 one zlib layer can reach.
    """
    outer = zlib.compress(zeros_zlib(inflated), 9)
    return one_page(content=outer, content_extra=b"/Filter [/FlateDecode /FlateDecode] ")


def allocate(size: int) -> int:
    """Allocate `size` bytes and give back how many: run in a PDF worker to meet its limit."""
    return len(bytearray(size))
