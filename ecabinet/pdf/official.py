"""Compose minutes and conclusion notices in the administrative layout of Decree 30/2020/NĐ-CP."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymupdf

from ecabinet.pdf.fonts import font_file
from ecabinet.signing.placement import SignatureBox

ROLE_SIGNER = "signer"
ROLE_SECRETARY = "secretary"
ROLE_CHAIR = "chair"

_MM = 72 / 25.4
_PAGE = pymupdf.paper_rect("a4")
# Decree 30 Appendix I: margins top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
_BODY = pymupdf.Rect(30 * _MM, 20 * _MM, _PAGE.width - 15 * _MM, _PAGE.height - 20 * _MM)
_BODY_SIZE = 13.0
_HEADER_SIZE = 12.0
_SIGNATURE_BOX_HEIGHT = 90.0
# Below this much free height a signature block is moved to a fresh page rather than squeezed.
_MIN_SIGNATURE_SPACE = 60.0
# Points each table cell adds to its width: padding, rule and MuPDF's cell spacing.
_GRID_CELL_OVERHEAD = 11.0
_PLAIN_CELL_OVERHEAD = 4.0


@dataclass(frozen=True)
class Table:
    """A ruled table: one header row and body rows of plain-text cells."""

    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float] = ()
    """Relative column widths; equal columns when empty."""


@dataclass(frozen=True)
class Section:
    """A part of the body: an optional bold heading, paragraphs, then an optional table."""

    heading: str = ""
    paragraphs: Sequence[str] = ()
    table: Table | None = None


@dataclass(frozen=True)
class SignerBlock:
    """One signature block: who signs in which capacity, and the empty box for the signature."""

    role: str
    """Key of this block's box in `ComposedDocument.signature_boxes` (e.g. "chair")."""
    titles: Sequence[str]
    """Authority and position lines, e.g. ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")."""
    name: str


@dataclass(frozen=True)
class OfficialDocument:
    """Everything printed on a Decree 30 administrative document."""

    issuer_parent: str
    """Governing body (cơ quan chủ quản), e.g. "UBND TỈNH THỪA THIÊN HUẾ"; may be empty."""
    issuer: str
    """Issuing body, e.g. "VĂN PHÒNG"."""
    number: str
    """Number and symbol without the "Số:" prefix, e.g. "12/TB-UBND"."""
    place: str
    date: dt.date
    kind_title: str
    """Document type, e.g. "THÔNG BÁO" or "BIÊN BẢN"."""
    summary: str
    """Trích yếu, printed bold under the title."""
    sections: Sequence[Section]
    signers: Sequence[SignerBlock]
    """Left to right; one block (notice) or two (minutes: secretary, chair)."""
    recipients: Sequence[str] = ()
    """"Nơi nhận" entries, each printed after "- "."""
    title_metadata: str = field(default="", compare=False)
    """PDF /Title; defaults to the kind title and summary."""


@dataclass(frozen=True)
class ComposedDocument:
    """The composed PDF and where each signer's visible signature belongs."""

    pdf: bytes
    signature_boxes: dict[str, SignatureBox]
    page_count: int


def conclusion_notice(
    *,
    issuer_parent: str,
    issuer: str,
    number: str,
    place: str,
    date: dt.date,
    summary: str,
    sections: Sequence[Section],
    recipients: Sequence[str],
    signer_titles: Sequence[str],
    signer_name: str,
) -> OfficialDocument:
    """A conclusion notice (thông báo kết luận) signed by one official, role "signer"."""
    return OfficialDocument(
        issuer_parent=issuer_parent,
        issuer=issuer,
        number=number,
        place=place,
        date=date,
        kind_title="THÔNG BÁO",
        summary=summary,
        sections=sections,
        signers=(SignerBlock(ROLE_SIGNER, tuple(signer_titles), signer_name),),
        recipients=recipients,
    )


def meeting_minutes(
    *,
    issuer_parent: str,
    issuer: str,
    number: str,
    place: str,
    date: dt.date,
    summary: str,
    sections: Sequence[Section],
    secretary_name: str,
    chair_name: str,
    chair_titles: Sequence[str] = ("CHỦ TRÌ",),
    secretary_titles: Sequence[str] = ("THƯ KÝ",),
    recipients: Sequence[str] = (),
) -> OfficialDocument:
    """Meeting minutes (biên bản họp): secretary signs on the left, chair on the right."""
    return OfficialDocument(
        issuer_parent=issuer_parent,
        issuer=issuer,
        number=number,
        place=place,
        date=date,
        kind_title="BIÊN BẢN",
        summary=summary,
        sections=sections,
        signers=(
            SignerBlock(ROLE_SECRETARY, tuple(secretary_titles), secretary_name),
            SignerBlock(ROLE_CHAIR, tuple(chair_titles), chair_name),
        ),
        recipients=recipients,
    )


def format_place_date(place: str, date: dt.date) -> str:
    """ "Huế, ngày 05 tháng 02 năm 2026": Decree 30 pads days below 10 and months below 3."""
    day = f"{date.day:02d}"
    month = f"{date.month:02d}" if date.month < 3 else str(date.month)
    return f"{place}, ngày {day} tháng {month} năm {date.year}"


def compose_official_document(document: OfficialDocument) -> ComposedDocument:
    """Lay out `document` on A4 pages and return the PDF with each signer's empty box."""
    if not document.signers:
        raise ValueError("an official document needs at least one signer block")
    roles = [block.role for block in document.signers]
    if len(set(roles)) != len(roles):
        raise ValueError(f"signer roles must be distinct, got {roles}")

    archive, css = _font_setup()
    body = pymupdf.Story(_body_html(document), user_css=css, archive=archive)
    signatures = pymupdf.Story(_signature_html(document), user_css=css, archive=archive)

    positions: list[tuple[int, str, pymupdf.Rect]] = []

    def record(position: Any) -> None:
        if position.id and position.open_close & 1:
            positions.append((position.page, position.id, pymupdf.Rect(position.rect)))

    buffer = io.BytesIO()
    writer = pymupdf.DocumentWriter(buffer)
    page_no = 0
    more = True
    signatures_placed = False
    while more:
        device = writer.begin_page(_PAGE)
        more, filled_area = body.place(_BODY)
        filled = pymupdf.Rect(filled_area)
        body.element_positions(record, {"page": page_no})
        body.draw(device)
        if not more:
            free = pymupdf.Rect(_BODY.x0, filled.y1 + 6, _BODY.x1, _BODY.y1)
            signatures_placed = _place_signatures(signatures, free, device, page_no, record)
        writer.end_page()
        page_no += 1
    if not signatures_placed:
        signatures.reset()
        device = writer.begin_page(_PAGE)
        if not _place_signatures(signatures, _BODY, device, page_no, record):
            raise ValueError("signature block does not fit on an empty page")
        writer.end_page()
        page_no += 1
    writer.close()

    pdf = pymupdf.open("pdf", buffer.getvalue())
    try:
        _decorate(pdf, document, positions)
        boxes = {
            element[len("sig-") :]: SignatureBox(page, (rect.x0, rect.y0, rect.x1, rect.y1))
            for page, element, rect in positions
            if element.startswith("sig-")
        }
        missing = set(roles) - boxes.keys()
        if missing:
            raise RuntimeError(f"layout lost the signature boxes of {sorted(missing)}")
        pdf.set_metadata(
            {
                "title": document.title_metadata
                or _nfc(f"{document.kind_title} {document.summary}"),
                "creator": "eCabinet",
                "producer": "eCabinet (PyMuPDF)",
            }
        )
        pdf.subset_fonts()
        data = pdf.tobytes(garbage=3, deflate=True)
        return ComposedDocument(pdf=data, signature_boxes=boxes, page_count=pdf.page_count)
    finally:
        pdf.close()


def _place_signatures(
    story: pymupdf.Story,
    free: pymupdf.Rect,
    device: Any,
    page_no: int,
    record: Any,
) -> bool:
    """Draw the whole signature block in `free`, or nothing if it would be split."""
    if free.is_empty or free.height < _MIN_SIGNATURE_SPACE:
        return False
    more, _ = story.place(free)
    if more:
        story.reset()
        return False
    story.element_positions(record, {"page": page_no})
    story.draw(device)
    return True


def _decorate(
    pdf: pymupdf.Document,
    document: OfficialDocument,
    positions: list[tuple[int, str, pymupdf.Rect]],
) -> None:
    """Draw the rules Decree 30 puts under the issuer, the motto and the summary; number pages."""
    bold = pymupdf.Font(fontfile=font_file("serif-bold"))
    found = {element: (page, rect) for page, element, rect in positions}
    rules: list[tuple[str, float]] = []
    if "issuer" in found:
        # A short rule, a third to a half of the issuer's name, centred under it.
        width = bold.text_length(_nfc(document.issuer), _HEADER_SIZE)
        rules.append(("issuer", max(40.0, 0.4 * min(width, found["issuer"][1].width))))
    if "motto" in found:
        rules.append(("motto", bold.text_length("Độc lập - Tự do - Hạnh phúc", _HEADER_SIZE + 1)))
    if "summary" in found and document.summary:
        rules.append(("summary", 90.0))
    for element, length in rules:
        page_no, rect = found[element]
        middle = (rect.x0 + rect.x1) / 2
        y = rect.y1 + 3
        pdf[page_no].draw_line((middle - length / 2, y), (middle + length / 2, y), width=0.6)
    # Page numbers: Arabic numerals centred in the top margin, none on the first page.
    regular = font_file("serif")
    numbers = pymupdf.Font(fontfile=regular)
    for index in range(1, pdf.page_count):
        page = pdf[index]
        label = str(index + 1)
        width = numbers.text_length(label, _BODY_SIZE)
        page.insert_text(
            ((_PAGE.width - width) / 2, 12 * _MM + _BODY_SIZE),
            label,
            fontname="vnserif",
            fontfile=regular,
            fontsize=_BODY_SIZE,
        )


def _font_setup() -> tuple[pymupdf.Archive, str]:
    """An archive holding the Vietnamese-capable serif faces, and CSS naming them."""
    faces = {
        "normal normal": Path(font_file("serif")),
        "bold normal": Path(font_file("serif-bold")),
        "normal italic": Path(font_file("serif-italic")),
        "bold italic": _bold_italic_face(),
    }
    archive = pymupdf.Archive()
    for folder in sorted({path.parent for path in faces.values()}):
        archive.add(str(folder))
    font_faces = "\n".join(
        f"@font-face {{font-family: vn; font-weight: {key.split()[0]}; "
        f"font-style: {key.split()[1]}; src: url({path.name});}}"
        for key, path in faces.items()
    )
    return archive, font_faces + _CSS


def _bold_italic_face() -> Path:
    """The bold italic face beside the bold one; the bold face when none is installed."""
    bold = Path(font_file("serif-bold"))
    for name in (bold.name.replace("Bold", "BoldItalic"), bold.name.replace("Bold", "BoldOblique")):
        candidate = bold.with_name(name)
        if candidate != bold and candidate.is_file():
            return candidate
    # Never fall back to MuPDF's built-in fonts: they may lack Vietnamese letters.
    return bold


_CSS = f"""
body {{font-family: vn; font-size: {_BODY_SIZE}pt; margin: 0; padding: 0;}}
p {{margin: 0; padding: 0;}}
span.whole {{white-space: nowrap;}}
table.header {{width: 100%; border-collapse: collapse;}}
table.header td {{vertical-align: top; padding: 0; text-align: center;}}
p.parent {{font-size: {_HEADER_SIZE}pt; text-transform: none;}}
p.issuer {{font-size: {_HEADER_SIZE}pt; font-weight: bold;}}
p.nation {{font-size: {_HEADER_SIZE}pt; font-weight: bold;}}
p.motto {{font-size: {_HEADER_SIZE + 1}pt; font-weight: bold;}}
p.number, p.date {{margin-top: 8pt;}}
p.number {{font-size: {_BODY_SIZE}pt;}}
p.date {{font-size: {_BODY_SIZE}pt; font-style: italic;}}
p.kind {{margin-top: 22pt; text-align: center; font-weight: bold; font-size: 14pt;}}
p.summary {{text-align: center; font-weight: bold; font-size: 14pt;}}
div.gap {{height: 16pt;}}
p.heading {{font-weight: bold; text-align: justify; text-indent: 1cm; margin: 6pt 0 0 0;}}
p.body {{text-align: justify; text-indent: 1cm; margin: 6pt 0 0 0; line-height: 1.2;}}
table.grid {{width: 100%; border-collapse: collapse; margin-top: 6pt;}}
table.grid td, table.grid th {{border: 0.5pt solid black; padding: 2pt 3pt;
  font-size: {_BODY_SIZE - 1}pt; vertical-align: top;}}
table.grid th {{font-weight: bold; text-align: center;}}
table.signatures {{width: 100%; border-collapse: collapse; margin-top: 10pt;}}
table.signatures td {{vertical-align: top; padding: 0;}}
p.recipients-head {{font-weight: bold; font-style: italic; font-size: 12pt;}}
p.recipient {{font-size: 11pt;}}
p.signer-title {{font-weight: bold; text-align: center;}}
div.signature-box {{height: {_SIGNATURE_BOX_HEIGHT}pt;}}
p.signer-name {{font-weight: bold; text-align: center;}}
div.recipients-below {{margin-top: 12pt;}}
"""


_INNER_PUNCTUATION = re.compile(r"\S*[^\w\s]\S+")
_LONGEST_UNBROKEN = 40


def _nfc(text: str) -> str:
    """NFC form: what a PDF text extractor returns, whatever the caller typed in."""
    return unicodedata.normalize("NFC", text)


def _text(text: str) -> str:
    """Escaped, NFC-normalised text for the HTML story, breakable only at spaces.

    MuPDF breaks lines after "-" and "/", so "12/TB-UBND" could come back from an
    extractor as "12/TB- UBND"; tokens with inner punctuation are kept whole.
    """
    text = _nfc(text)
    parts: list[str] = []
    last = 0
    for match in _INNER_PUNCTUATION.finditer(text):
        token = match.group()
        parts.append(html.escape(text[last : match.start()]))
        if len(token) <= _LONGEST_UNBROKEN:
            parts.append(f'<span class="whole">{html.escape(token)}</span>')
        else:  # a long URL may break rather than run off the page
            parts.append(html.escape(token))
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)


def _body_html(document: OfficialDocument) -> str:
    """The page-1 header, the title block and the body sections as HTML."""
    left, right = _column_widths((40, 60), _PLAIN_CELL_OVERHEAD)
    parts = [
        '<table class="header"><tr>',
        f'<td style="width: {left:.1f}pt">',
        f'<p class="parent">{_text(document.issuer_parent)}</p>' if document.issuer_parent else "",
        f'<p class="issuer" id="issuer">{_text(document.issuer)}</p>',
        "</td>",
        f'<td style="width: {right:.1f}pt">',
        '<p class="nation">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</p>',
        '<p class="motto" id="motto">Độc lập - Tự do - Hạnh phúc</p>',
        "</td></tr><tr>",
        # A ballot paper has no number; an unnumbered document prints no "Số:".
        '<td class="second">'
        + (f'<p class="number">Số: {_text(document.number)}</p>' if document.number else "")
        + "</td>",
        '<td class="second"><p class="date">'
        f"{_text(format_place_date(document.place, document.date))}</p></td>",
        "</tr></table>",
        f'<p class="kind">{_text(document.kind_title)}</p>',
        (
            f'<p class="summary" id="summary">{_text(document.summary)}</p>'
            if document.summary
            else ""
        ),
        '<div class="gap"></div>',
    ]
    for section in document.sections:
        if section.heading:
            parts.append(f'<p class="heading">{_text(section.heading)}</p>')
        parts.extend(f'<p class="body">{_text(paragraph)}</p>' for paragraph in section.paragraphs)
        if section.table is not None:
            parts.append(_table_html(section.table))
    return "".join(parts)


def _column_widths(weights: Sequence[float], overhead: float) -> list[float]:
    """Cell widths in points sharing the text width by `weights`.

    MuPDF's HTML tables ignore percentage widths once content is long, so every
    column gets an absolute width; `overhead` is what each cell adds around it.
    """
    total = sum(weights)
    usable = _BODY.width - overhead * len(weights)
    return [usable * weight / total for weight in weights]


def _table_html(table: Table) -> str:
    """A ruled table whose columns share the text width by `table.widths`."""
    columns = len(table.headers)
    if any(len(row) != columns for row in table.rows):
        raise ValueError("every table row needs as many cells as the header")
    weights = list(table.widths) if table.widths else [1.0] * columns
    if len(weights) != columns:
        raise ValueError("table widths must match the number of columns")
    widths = _column_widths(weights, _GRID_CELL_OVERHEAD)
    head = "".join(
        f'<th style="width: {width:.1f}pt">{_text(cell)}</th>'
        for cell, width in zip(table.headers, widths, strict=True)
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{_text(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    return f'<table class="grid"><tr>{head}</tr>{body}</table>'


def _signer_html(block: SignerBlock, title_lines: int = 0) -> str:
    """Position lines (padded to `title_lines` so boxes align), the empty box, the name."""
    titles = "".join(f'<p class="signer-title">{_text(title)}</p>' for title in block.titles)
    titles += '<p class="signer-title">&#160;</p>' * (title_lines - len(block.titles))
    return (
        f'{titles}<div class="signature-box" id="sig-{html.escape(block.role)}"></div>'
        f'<p class="signer-name">{_text(block.name)}</p>'
    )


def _recipients_html(recipients: Sequence[str]) -> str:
    """The "Nơi nhận:" list."""
    if not recipients:
        return ""
    lines = "".join(f'<p class="recipient">- {_text(entry)}</p>' for entry in recipients)
    return f'<p class="recipients-head">Nơi nhận:</p>{lines}'


def _signature_html(document: OfficialDocument) -> str:
    """The closing block: recipients bottom-left and the signer(s), kept on one page."""
    signers = list(document.signers)
    if len(signers) == 1:
        left, right = _column_widths((48, 52), _PLAIN_CELL_OVERHEAD)
        return (
            '<table class="signatures"><tr>'
            f'<td style="width: {left:.1f}pt">{_recipients_html(document.recipients)}</td>'
            f'<td style="width: {right:.1f}pt">{_signer_html(signers[0])}</td>'
            "</tr></table>"
        )
    widths = _column_widths([1.0] * len(signers), _PLAIN_CELL_OVERHEAD)
    lines = max(len(block.titles) for block in signers)
    cells = "".join(
        f'<td style="width: {width:.1f}pt">{_signer_html(block, lines)}</td>'
        for block, width in zip(signers, widths, strict=True)
    )
    below = (
        f'<div class="recipients-below">{_recipients_html(document.recipients)}</div>'
        if document.recipients
        else ""
    )
    return f'<table class="signatures"><tr>{cells}</tr></table>{below}'
