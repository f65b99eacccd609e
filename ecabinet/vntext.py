"""Diacritic-insensitive Vietnamese text: folding for search, snippets mapped back to the original.

`fold("Kế hoạch  Đầu tư")` is ``"ke hoach dau tu"``, so a delegate typing without
a Vietnamese keyboard ("ke hoach") still finds "Kế hoạch". Folding works one
character at a time and keeps, for every folded character, the index of the
original character it came from: decomposition changes string lengths ("ế" is
three code points in NFD), so positions found in folded text cannot be used on
the original without that map.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

ELLIPSIS = "…"


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """Fold one character: casefold, compatibility-decompose, drop combining marks, đ → d."""
    if ch in ("đ", "Đ"):
        return "d"
    # NFKD rather than NFD also splits the ligatures (ﬁ) and full-width forms PDF
    # text extraction sometimes yields; for Vietnamese letters the two agree.
    decomposed = unicodedata.normalize("NFKD", ch.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """Fold `text` and return, for each folded character, the index of its source character."""
    out: list[str] = []
    index: list[int] = []
    pending_space = -1  # index of the whitespace run waiting to become one space
    for i, ch in enumerate(text):
        if ch.isspace():
            if pending_space < 0:
                pending_space = i
            continue
        folded = _fold_char(ch)
        if not folded:
            continue
        if pending_space >= 0:
            if out:
                out.append(" ")
                index.append(pending_space)
            pending_space = -1
        for f in folded:
            if f.isspace():
                # Some compatibility characters decompose into a space (U+00A8 → " " + mark).
                if out and out[-1] != " ":
                    out.append(" ")
                    index.append(i)
                continue
            out.append(f)
            index.append(i)
    return "".join(out), index


def fold(text: str) -> str:
    """Lowercase, strip Vietnamese diacritics (đ → d) and collapse whitespace, for searching."""
    return fold_with_map(text)[0]


def find(text: str, folded_query: str, start: int = 0) -> tuple[int, int] | None:
    """Span [begin, end) in the ORIGINAL `text` of the first match of the folded query, or None.

    `start` is a position in the original text from which to search.
    """
    query = fold(folded_query)
    if not query:
        return None
    folded, index = fold_with_map(text)
    # Translate the original start position into the folded text.
    fstart = 0
    while fstart < len(index) and index[fstart] < start:
        fstart += 1
    at = folded.find(query, fstart)
    if at < 0:
        return None
    begin = index[at]
    end = index[at + len(query) - 1] + 1
    # The last matched base letter may carry combining marks in decomposed input.
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return begin, end


def snippet(text: str, folded_query: str, radius: int = 60) -> str:
    """Original text (with its diacritics) around the first match, about `radius` chars each side.

    Whitespace is collapsed to single spaces, cuts fall on word boundaries and are
    marked with "…". Returns "" when the query does not occur.
    """
    span = find(text, folded_query)
    if span is None:
        return ""
    begin, end = span
    lo = max(0, begin - radius)
    hi = min(len(text), end + radius)
    if lo > 0:
        # Do not start in the middle of a word: move forward to the next gap,
        # unless that would swallow the match.
        gap = _next_space(text, lo, begin)
        lo = gap + 1 if gap >= 0 else lo
    if hi < len(text):
        gap = _prev_space(text, end, hi)
        hi = gap if gap >= 0 else hi
    body = " ".join(text[lo:hi].split())
    prefix = ELLIPSIS if lo > 0 else ""
    suffix = ELLIPSIS if hi < len(text) else ""
    return f"{prefix}{body}{suffix}"


def _next_space(text: str, lo: int, limit: int) -> int:
    """Index of the first whitespace in text[lo:limit], or -1."""
    for i in range(lo, limit):
        if text[i].isspace():
            return i
    return -1


def _prev_space(text: str, limit: int, hi: int) -> int:
    """Index of the last whitespace in text[limit:hi], or -1."""
    for i in range(hi, limit - 1, -1):
        if i < len(text) and text[i].isspace():
            return i
    return -1
