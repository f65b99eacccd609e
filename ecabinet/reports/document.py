"""The report as an administrative report (báo cáo) in the layout of Decree 30/2020/NĐ-CP:
the unit's letterhead, an unnumbered "Số:   /BC-…" for the clerk to register, one section
per group of figures with its table, the detail tables, and a block for the signature."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import signatures
from ecabinet.errors import NotFound
from ecabinet.models import Unit, User
from ecabinet.pdf.official import ROLE_SIGNER, OfficialDocument, Section, SignerBlock, Table
from ecabinet.reports.figures import DETAILS, SECTION_TITLES, SUMMARY, cell_text, dmy

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
# The number is left blank: the clerk registers the report when it is issued (Decree 30,
# art. 15), as the office does for any draft it prints.
BLANK_NUMBER = "\u00a0" * 8 + "/BC-{symbol}"


def summary_line(report: dict[str, Any]) -> str:
    """The trích yếu: what the report is about, and its period (each date kept with its
    "ngày" on one line)."""
    since, until = dmy(report["period"]["since"]), dmy(report["period"]["until"])
    return f"Tình hình tổ chức họp không giấy từ ngày\u00a0{since} đến ngày\u00a0{until}"


def signer_titles(committee: bool) -> tuple[str, ...]:
    """Who signs the unit's report: its head, for the body (Decree 30, art. 13)."""
    return ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH") if committee else ("THỦ TRƯỞNG ĐƠN VỊ",)


def initials(name: str) -> str:
    """ "Lê Thị Thu Hà" as LTTH, as "Lưu: VT, LTTH." names who drafted a document."""
    return "".join(word[0] for word in name.split() if word).upper()


def report_document(report: dict[str, Any], *, issuer: str, symbol: str, place: str,
                    scope: str, author: str, on: dt.date, committee: bool = True
                    ) -> OfficialDocument:
    """The report laid out for the head of the unit to sign (always in Vietnamese, as the
    administrative document it is); `author` drafted it, as its "Lưu" line says."""
    sections = [Section(paragraphs=(
        f"{scope} báo cáo tình hình tổ chức các cuộc họp trên hệ thống phòng họp không giấy "
        f"(eCabinet) từ ngày {dmy(report['period']['since'])} đến ngày "
        f"{dmy(report['period']['until'])}, số liệu tính đến ngày "
        f"{dmy(report['as_of'])}, như sau:",))]
    number = 0
    for section, (title, _) in SECTION_TITLES.items():
        rows = [(vi, cell_text(report[section][key]))
                for s, key, vi, _ in SUMMARY if s == section]
        sections.append(Section(heading=f"{ROMAN[number]}. {title.upper()}", table=Table(
            headers=("Chỉ tiêu", "Số liệu"), rows=rows, widths=(4, 1))))
        number += 1
    sections.append(Section(heading=f"{ROMAN[number]}. SỐ LIỆU CHI TIẾT"))
    for index, detail in enumerate(DETAILS, start=1):
        body = [[cell_text(v) for v in row] for row in detail.body(report)]
        sections.append(Section(
            heading=f"{index}. {detail.vi}",
            paragraphs=() if body else ("Không có số liệu trong kỳ.",),
            table=Table(headers=[c.vi for c in detail.columns], rows=body,
                        widths=[3 if c.key in ("unit", "name", "title") else 1.4
                                for c in detail.columns]) if body else None))
    sections.append(Section(paragraphs=(
        "Giấy tiết kiệm được ước tính: mỗi tài liệu in một bản cho mỗi đại biểu được mời "
        "(tài liệu mật: cho mỗi người được đọc), in hai mặt, giấy A4 80 g/m², 500 tờ một ram.",)))
    return OfficialDocument(
        issuer_parent="", issuer=issuer, number=BLANK_NUMBER.format(symbol=symbol),
        place=place, date=on, kind_title="BÁO CÁO", summary=summary_line(report),
        # The name is left for whoever signs: the head, or a deputy signing for them (KT.).
        sections=sections, signers=(SignerBlock(ROLE_SIGNER, signer_titles(committee), ""),),
        recipients=("Lãnh đạo đơn vị (để báo cáo);", f"Lưu: VT, {initials(author)}."),
        title_metadata=f"Báo cáo {summary_line(report)}")



async def letterhead(session: AsyncSession, user: User, report: dict[str, Any]
                     ) -> signatures.Letterhead:
    """The letterhead of the unit the report covers: the one asked for, else the user's own,
    else (an administrator without one) the top unit's."""
    unit_id = (report["unit"] or {}).get("id") or user.unit_id or await session.scalar(
        select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))
    if unit_id is None:
        raise NotFound("unit_not_found")
    return await signatures.letterhead(session, unit_id)


async def printed(report: dict[str, Any], head: signatures.Letterhead, *, author: str,
                  on: dt.date) -> bytes:
    """The report's PDF, laid out in the PDF worker."""
    document = report_document(report, issuer=head.issuer, symbol=head.symbol,
                               place=head.place, scope=head.name, author=author, on=on,
                               committee=head.committee)
    return (await signatures.compose(document)).pdf
