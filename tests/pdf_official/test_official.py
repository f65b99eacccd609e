"""Decree 30 layout of minutes and notices: exact Vietnamese text, boxes, pagination."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pymupdf
import pytest

from ecabinet.pdf.official import (
    ROLE_CHAIR,
    ROLE_SECRETARY,
    ROLE_SIGNER,
    ComposedDocument,
    OfficialDocument,
    Section,
    SignerBlock,
    Table,
    compose_official_document,
    conclusion_notice,
    format_place_date,
    meeting_minutes,
)

A4 = pymupdf.paper_rect("a4")

PARAGRAPHS = (
    "Ngày 20 tháng 11 năm 2026, đồng chí Nguyễn Văn Phương, Chủ tịch Ủy ban nhân dân tỉnh, "
    "chủ trì cuộc họp nghe báo cáo tình hình thực hiện nhiệm vụ kinh tế - xã hội.",
    "Tham dự cuộc họp có đại diện lãnh đạo các sở, ban, ngành; ủy ban nhân dân các huyện "
    "Phong Điền, Quảng Điền, Phú Vang và thành phố Đà Nẵng (đơn vị phối hợp).",
    "Sau khi nghe báo cáo và ý kiến của các đại biểu, Chủ tịch kết luận như sau: huyện "
    "Phú Lộc khẩn trương hoàn thành giải phóng mặt bằng; không để chậm trễ, kéo dài.",
    "Giao Sở Kế hoạch và Đầu tư tổng hợp, báo cáo kết quả trước ngày 15/12/2026; "
    "các đơn vị chịu trách nhiệm trước Ủy ban nhân dân tỉnh về tiến độ được giao.",
)

TASKS = Table(
    headers=("TT", "Nội dung nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Sản phẩm"),
    rows=(
        ("1", "Rà soát dự án chậm tiến độ", "Sở Kế hoạch và Đầu tư", "15/12/2026", "Báo cáo"),
        ("2", "Giải phóng mặt bằng quốc lộ 49", "UBND huyện Phú Vang", "31/12/2026", "Biên bản"),
        ("3", "Kết nối hạ tầng với Đà Nẵng", "Sở Giao thông vận tải", "30/01/2027", "Đề án"),
    ),
    widths=(0.5, 3, 2.2, 1.4, 1.3),
)

SECTIONS = (
    Section(paragraphs=PARAGRAPHS[:2]),
    Section(heading="I. ĐÁNH GIÁ CHUNG", paragraphs=PARAGRAPHS[2:3]),
    Section(heading="II. NHIỆM VỤ TRỌNG TÂM", paragraphs=PARAGRAPHS[3:], table=TASKS),
)

RECIPIENTS = ("Thường trực Tỉnh ủy;", "Các sở, ban, ngành;", "Lưu: VT, TH.")


def _notice(sections: tuple[Section, ...] = SECTIONS) -> OfficialDocument:
    return conclusion_notice(
        issuer_parent="UBND TỈNH THỪA THIÊN HUẾ",
        issuer="VĂN PHÒNG",
        number="12/TB-UBND",
        place="Huế",
        date=dt.date(2026, 11, 23),
        summary="Kết luận của Chủ tịch Ủy ban nhân dân tỉnh tại cuộc họp về kinh tế - xã hội",
        sections=sections,
        recipients=RECIPIENTS,
        signer_titles=("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"),
        signer_name="Lê Thị Huyền Trang",
    )


def _minutes(sections: tuple[Section, ...] = SECTIONS) -> OfficialDocument:
    return meeting_minutes(
        issuer_parent="UBND TỈNH THỪA THIÊN HUẾ",
        issuer="VĂN PHÒNG",
        number="07/BB-VP",
        place="Huế",
        date=dt.date(2026, 2, 5),
        summary="Cuộc họp về tình hình kinh tế - xã hội",
        sections=sections,
        secretary_name="Trần Thị Đà Nẵng",
        chair_name="Nguyễn Văn Phương",
        recipients=("Lưu: VT.",),
    )


def _page_texts(composed: ComposedDocument) -> list[str]:
    with pymupdf.open("pdf", composed.pdf) as document:
        return [" ".join(page.get_text().split()) for page in document]


def _all_text(composed: ComposedDocument) -> str:
    return " ".join(_page_texts(composed))


def test_notice_text_extracts_exactly() -> None:
    composed = compose_official_document(_notice())
    text = _all_text(composed)

    expected = [
        *PARAGRAPHS,
        "UBND TỈNH THỪA THIÊN HUẾ",
        "VĂN PHÒNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 12/TB-UBND",
        "Huế, ngày 23 tháng 11 năm 2026",
        "THÔNG BÁO",
        "Kết luận của Chủ tịch Ủy ban nhân dân tỉnh tại cuộc họp về kinh tế - xã hội",
        "I. ĐÁNH GIÁ CHUNG",
        "II. NHIỆM VỤ TRỌNG TÂM",
        "Nơi nhận:",
        *(f"- {entry}" for entry in RECIPIENTS),
        "TL. CHỦ TỊCH",
        "CHÁNH VĂN PHÒNG",
        "Lê Thị Huyền Trang",
        *TASKS.headers,
        *(cell for row in TASKS.rows for cell in row),
    ]
    for source in expected:
        assert " ".join(source.split()) in text, source
    for word in ("Nguyễn", "kết luận", "Đà Nẵng", "huyện", "ủy ban"):
        assert word in text


def test_notice_page_one_layout_follows_decree_30() -> None:
    composed = compose_official_document(_notice())
    with pymupdf.open("pdf", composed.pdf) as document:
        page = document[0]
        assert page.rect == A4

        def where(text: str) -> pymupdf.Rect:
            [hit] = page.search_for(text)[:1]
            return hit

        issuer, motto = where("VĂN PHÒNG"), where("Độc lập - Tự do - Hạnh phúc")
        number, date = where("Số: 12/TB-UBND"), where("Huế, ngày 23 tháng 11 năm 2026")
        title = where("THÔNG BÁO")
        # Issuer and number top-left, motto and date top-right, the title centred below.
        assert issuer.x1 < A4.width / 2 < motto.x0 + motto.width
        assert number.x1 < date.x0 and abs(number.y0 - date.y0) < 3
        assert title.y0 > max(number.y1, date.y1)
        assert abs((title.x0 + title.x1) / 2 - (85 + A4.width - 42.5) / 2) < 15
        # Decree 30 margins: left 30 mm, right 15 mm.
        for block in page.get_text("blocks"):
            assert block[0] >= 30 * 72 / 25.4 - 1
            assert block[2] <= A4.width - 15 * 72 / 25.4 + 1
        # Rules under the issuer and under the motto.
        drawings = [d["rect"] for d in page.get_drawings() if d["rect"].height < 1.5]
        assert any(issuer.y1 < r.y0 < number.y0 and r.width < issuer.width for r in drawings)
        assert any(abs(r.width - motto.width) < 3 and r.y0 > motto.y1 for r in drawings)


def test_minutes_have_an_empty_box_for_secretary_and_chair() -> None:
    composed = compose_official_document(_minutes())

    assert set(composed.signature_boxes) == {ROLE_SECRETARY, ROLE_CHAIR}
    secretary = composed.signature_boxes[ROLE_SECRETARY]
    chair = composed.signature_boxes[ROLE_CHAIR]
    assert secretary.page == chair.page
    secretary_rect, chair_rect = pymupdf.Rect(secretary.rect), pymupdf.Rect(chair.rect)
    assert secretary_rect.x1 <= chair_rect.x0  # secretary left, chair right
    assert secretary_rect.height >= 80 and chair_rect.width >= 180
    with pymupdf.open("pdf", composed.pdf) as document:
        page = document[chair.page]
        for rect in (secretary_rect, chair_rect):
            assert A4.contains(rect)
            assert page.get_text(clip=rect).strip() == ""
            # Inset: the neighbouring lines' ascenders and descenders graze the edges.
            inset = pymupdf.Rect(rect.x0, rect.y0 + 3, rect.x1, rect.y1 - 3)
            pixmap = page.get_pixmap(clip=inset, dpi=50)
            assert set(pixmap.samples) == {255}  # nothing drawn where the signature goes
        # Position above the box, the name below it.
        assert page.search_for("THƯ KÝ")[0].y1 <= secretary_rect.y0 + 3
        assert page.search_for("Trần Thị Đà Nẵng")[0].y0 >= secretary_rect.y1 - 3
        assert page.search_for("CHỦ TRÌ")[0].y1 <= chair_rect.y0 + 3
        assert page.search_for("Nguyễn Văn Phương")[-1].y0 >= chair_rect.y1 - 3
    text = _all_text(composed)
    assert "BIÊN BẢN" in text
    assert "Huế, ngày 05 tháng 02 năm 2026" in text


def test_long_notice_paginates_with_page_numbers_and_loses_no_text() -> None:
    paragraphs = tuple(
        f"Mục {i}: Ủy ban nhân dân huyện Phong Điền báo cáo kết luận số {i}/KL-UBND về việc "
        "triển khai nhiệm vụ tại các xã, thị trấn; đề nghị Sở Nội vụ và thành phố Đà Nẵng "
        "phối hợp thực hiện đúng thời hạn."
        for i in range(1, 41)
    )
    composed = compose_official_document(_notice((Section(paragraphs=paragraphs),)))

    assert composed.page_count >= 3
    pages = _page_texts(composed)
    with pymupdf.open("pdf", composed.pdf) as document:
        for index in range(1, document.page_count):
            page = document[index]
            # The page number sits centred in the top margin, above the text.
            [label] = [w for w in page.get_text("words") if w[3] < 20 * 72 / 25.4]
            assert label[4] == str(index + 1)
            assert abs((label[0] + label[2]) / 2 - A4.width / 2) < 5
        assert not [w for w in document[0].get_text("words") if w[3] < 20 * 72 / 25.4]
    # Joining the pages without their numbers (drawn last, so extracted last) gives
    # back every paragraph whole, even those broken across a page.
    joined = " ".join(
        text.removesuffix(f" {index + 1}") if index else text for index, text in enumerate(pages)
    )
    for paragraph in paragraphs:
        assert paragraph in joined
    box = composed.signature_boxes[ROLE_SIGNER]
    assert box.page == composed.page_count - 1


@pytest.mark.parametrize("count", [9, 10, 11, 12, 13])
def test_signature_block_is_never_split_from_its_box(count: int) -> None:
    paragraphs = tuple(
        f"Đoạn {i}: nội dung kết luận về công tác cải cách hành chính tại huyện Phú Vang "
        "được trình bày đầy đủ để kiểm tra việc ngắt trang của khối chữ ký."
        for i in range(count)
    )
    composed = compose_official_document(_notice((Section(paragraphs=paragraphs),)))
    box = composed.signature_boxes[ROLE_SIGNER]
    rect = pymupdf.Rect(box.rect)
    with pymupdf.open("pdf", composed.pdf) as document:
        page = document[box.page]
        assert rect.y1 <= A4.height - 20 * 72 / 25.4 + 1
        [title] = page.search_for("CHÁNH VĂN PHÒNG")
        [name] = page.search_for("Lê Thị Huyền Trang")
        assert title.y1 <= rect.y0 + 3 and name.y0 >= rect.y1 - 3


def test_decomposed_input_is_normalised_to_what_extractors_return() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Dương, ủy viên, huyện Hương Trà")
    composed = compose_official_document(_notice((Section(paragraphs=(decomposed,)),)))
    assert "Nguyễn Thị Ánh Dương, ủy viên, huyện Hương Trà" in _all_text(composed)


def test_markup_in_text_is_printed_not_interpreted() -> None:
    tricky = 'Điều 5 <b>không</b> áp dụng & "ngoại lệ" <script>x</script>'
    composed = compose_official_document(_notice((Section(paragraphs=(tricky,)),)))
    assert tricky in _all_text(composed)


def test_place_and_date_follow_decree_30_padding() -> None:
    assert format_place_date("Huế", dt.date(2026, 2, 5)) == "Huế, ngày 05 tháng 02 năm 2026"
    assert format_place_date("Đà Nẵng", dt.date(2026, 11, 23)) == (
        "Đà Nẵng, ngày 23 tháng 11 năm 2026"
    )
    assert format_place_date("Huế", dt.date(2026, 3, 9)) == "Huế, ngày 09 tháng 3 năm 2026"


def test_invalid_documents_are_refused() -> None:
    with pytest.raises(ValueError, match="as many cells"):
        compose_official_document(
            _notice((Section(table=Table(headers=("A", "B"), rows=(("1",),))),))
        )
    base = _notice()
    twice = OfficialDocument(
        **{
            **base.__dict__,
            "signers": (SignerBlock("chair", ("A",), "X"), SignerBlock("chair", ("B",), "Y")),
        }
    )
    with pytest.raises(ValueError, match="distinct"):
        compose_official_document(twice)
