"""Diacritic-insensitive folding and snippets that map matches back to the original text."""

from __future__ import annotations

import unicodedata
from typing import Literal

import pytest

from ecabinet.vntext import find, fold, fold_with_map, snippet

ARTICLE = (
    "Đầu năm 2020, Văn phòng UBND tỉnh Thừa Thiên Huế đã tham mưu UBND tỉnh triển khai áp dụng "
    "“Phòng họp không giấy - eCabinet”. Với eCabinet, trước các cuộc họp của UBND tỉnh, nội dung "
    "chương trình và các tài liệu sổ của cuộc họp được chuẩn bị, đơn vị xem xét, phê duyệt và "
    "chuyển đến các đại biểu nghiên cứu trước.\n\nCác câu hỏi,   ý kiến của đại biểu sẽ được "
    "tổng hợp để thảo luận trong cuộc họp. Kế hoạch năm 2026 được thông qua."
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Kế hoạch", "ke hoach"),
        ("ĐẦU TƯ CÔNG", "dau tu cong"),
        ("đường Đông", "duong dong"),
        ("  Ủy ban\n\tnhân   dân  ", "uy ban nhan dan"),
        ("Nghị quyết số 15/NQ-HĐND", "nghi quyet so 15/nq-hdnd"),
        ("ﬁle", "file"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_ignores_normalisation_form() -> None:
    nfc = unicodedata.normalize("NFC", ARTICLE)
    nfd = unicodedata.normalize("NFD", ARTICLE)
    assert nfc != nfd
    assert fold(nfc) == fold(nfd)


def test_fold_is_idempotent() -> None:
    assert fold(fold(ARTICLE)) == fold(ARTICLE)


def test_map_points_each_folded_char_at_its_source() -> None:
    text = "Ấp  Đông\u00a0Hòa"
    folded, index = fold_with_map(text)
    assert folded == "ap dong hoa"
    assert len(index) == len(folded)
    for f, i in zip(folded, index, strict=True):
        assert fold(text[i]) in (f, "") or text[i].isspace()


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_find_maps_back_to_original_span(form: Literal["NFC", "NFD"]) -> None:
    text = unicodedata.normalize(form, ARTICLE)
    span = find(text, "ke hoach nam 2026")
    assert span is not None
    found = text[span[0] : span[1]]
    assert unicodedata.normalize("NFC", found) == "Kế hoạch năm 2026"


def test_find_spans_whitespace_runs() -> None:
    span = find(ARTICLE, "cau hoi, y kien")
    assert span is not None
    assert ARTICLE[span[0] : span[1]] == "câu hỏi,   ý kiến"


def test_find_from_position_and_missing() -> None:
    first = find(ARTICLE, "ubnd")
    assert first is not None
    second = find(ARTICLE, "ubnd", start=first[1])
    assert second is not None and second[0] > first[0]
    assert find(ARTICLE, "ngan sach") is None
    assert find(ARTICLE, "   ") is None


def test_every_substring_is_found_where_it_is() -> None:
    # Any slice of the original folds to a query that maps back onto a span
    # whose folding is that query (diacritics and lengths notwithstanding).
    text = unicodedata.normalize("NFD", ARTICLE)
    for begin in range(0, len(text) - 12, 7):
        piece = text[begin : begin + 12]
        query = fold(piece)
        if not query.strip():
            continue
        span = find(text, query)
        assert span is not None
        assert fold(text[span[0] : span[1]]) == query


def test_snippet_keeps_diacritics_and_marks_cuts() -> None:
    result = snippet(ARTICLE, "pho?ng hop khong giay", radius=30)
    assert result == ""  # a "?" is not a wildcard
    result = snippet(ARTICLE, "phong hop khong giay", radius=30)
    assert "Phòng họp không giấy" in result
    assert result.startswith("…") and result.endswith("…")
    # cuts fall between words, never inside one
    inner = result.strip("…")
    assert inner in " ".join(ARTICLE.split())
    assert len(inner) <= len("Phòng họp không giấy") + 2 * 30


def test_snippet_collapses_whitespace_and_reaches_text_ends() -> None:
    result = snippet(ARTICLE, "ke hoach nam 2026", radius=500)
    assert not result.startswith("…") and not result.endswith("…")
    assert "\n" not in result and "  " not in result
    assert result.endswith("Kế hoạch năm 2026 được thông qua.")


def test_snippet_of_decomposed_text_includes_final_marks() -> None:
    text = unicodedata.normalize("NFD", "Báo cáo tình hình thực hiện dự án")
    result = snippet(text, "thuc hien", radius=0)
    assert unicodedata.normalize("NFC", result).strip("…") == "thực hiện"
