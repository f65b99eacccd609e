"""Text of PDF pages: plain text for search and word boxes for the tablet reader's text layer.

Word boxes are normalised to [0, 1] of the page as it is displayed (after its
/Rotate and crop box), i.e. of the rendered page image, so a client places them
by multiplying with the image size. Extraction runs on the page's display list,
whose coordinates already are the displayed page's; the same list can then be
rendered without interpreting the page a second time.
"""

from __future__ import annotations

import unicodedata

import pymupdf

# (x0, y0, x1, y1, word): fractions of the displayed page's width and height.
Word = tuple[float, float, float, float, str]

_DIGITS = 4  # 1/10,000 of a page: under a pixel on any screen, and compact JSON


def clean_text(text: str) -> str:
    """NFC-normalise extracted text and drop NUL characters (PostgreSQL refuses them in text)."""
    return unicodedata.normalize("NFC", text).replace("\x00", "")


def text_and_words(display_list: pymupdf.DisplayList) -> tuple[str, list[Word]]:
    """Plain text and normalised word boxes of the page a display list was made from."""
    textpage = pymupdf.TextPage(display_list.get_textpage(flags=pymupdf.TEXTFLAGS_WORDS))
    bounds = display_list.rect
    text = clean_text(textpage.extractText())
    words: list[Word] = []
    if bounds.width <= 0 or bounds.height <= 0:
        return text, words
    # Hot loop (hundreds of words per page): locals, no helper calls per value.
    sx, sy, ox, oy = 1.0 / bounds.width, 1.0 / bounds.height, bounds.x0, bounds.y0
    is_nfc, append = unicodedata.is_normalized, words.append
    for x0, y0, x1, y1, word, *_ in textpage.extractWORDS():
        if not is_nfc("NFC", word) or "\x00" in word:
            word = clean_text(word)
            if not word:
                continue
        append(
            (
                round(min(1.0, max(0.0, (x0 - ox) * sx)), _DIGITS),
                round(min(1.0, max(0.0, (y0 - oy) * sy)), _DIGITS),
                round(min(1.0, max(0.0, (x1 - ox) * sx)), _DIGITS),
                round(min(1.0, max(0.0, (y1 - oy) * sy)), _DIGITS),
                word,
            )
        )
    return text, words


def page_text(page: pymupdf.Page) -> str:
    """Plain text of one page, NFC-normalised."""
    return text_and_words(page.get_displaylist())[0]


def page_words(page: pymupdf.Page) -> list[Word]:
    """Words of one page with boxes normalised to the displayed page ([0, 1] both axes)."""
    return text_and_words(page.get_displaylist())[1]


def document_texts(doc: pymupdf.Document) -> list[str]:
    """Plain text of every page, index = 0-based page number."""
    return [page_text(doc.load_page(n)) for n in range(doc.page_count)]
