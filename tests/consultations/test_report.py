"""The synthesis report: drafted by the office once closed, with the counts against the rule
and every written opinion by choice and unit; signed by the chair, then read by members."""

from __future__ import annotations

import pymupdf
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db, demo, signatures
from ecabinet.consultations import closing, replies, report, views
from ecabinet.errors import Conflict, DomainError, Forbidden, Invalid
from ecabinet.models import Consultation, OfficialPdf, OfficialPdfStatus
from tests.conftest import World
from tests.consultations.conftest import answers, question_ids, sent
from tests.consultations.test_signed_replies import PASSPHRASE, demo_keys

PROPOSAL = "Văn phòng đề nghị Chủ tịch UBND tỉnh cho hoàn thiện dự thảo trước ngày 15/12."


async def _replied_and_closed(sessions: async_sessionmaker[AsyncSession], world: World
                              ) -> Consultation:
    """Four members asked; by hand: question 1 gets one each of Đồng ý, Không đồng ý and
    Ý kiến khác and one silence; question 2 two Đồng ý and one Không đồng ý."""
    consultation = await sent(sessions, world)
    ids = await question_ids(sessions, consultation.id)
    given = {"delegate": ((0, 0), "Nhất trí, đề nghị bổ sung kinh phí."),
             "delegate2": ((2, 1), "Đề nghị lùi thời hạn sang quý II."),
             "chair": ((1, 0), "")}
    async with db.transaction(sessions) as s:
        for who, (choices, opinion) in given.items():
            await replies.reply(s, world[who], consultation.id,
                                answers(ids, *choices, opinion=opinion), f"report-{who}")
    async with db.transaction(sessions) as s:
        return await closing.close_early(s, world["secretary"], consultation.id)


def _text(data: bytes) -> str:
    with pymupdf.open("pdf", data) as document:
        return " ".join(" ".join(page.get_text().split()) for page in document)


async def test_the_report_counts_against_all_members_and_groups_the_opinions(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await _replied_and_closed(sessions, world)
    async with db.transaction(sessions) as s:
        await report.draft(s, world["secretary"], consultation.id, PROPOSAL)
    async with sessions() as s:
        pdf, data = await report.pdf_of(s, world["secretary"], consultation.id)
    assert pdf.number == "01/BC-UBND" and pdf.status == OfficialPdfStatus.signing
    text = _text(data)
    assert "BÁO CÁO" in text and "Số: 01/BC-UBND" in text
    # The title's own "Lấy ý kiến về" is not said twice.
    assert "Tổng hợp ý kiến thành viên về dự thảo Kế hoạch chuyển đổi số năm 2027" in text
    assert "về Lấy ý kiến" not in text
    assert "đã nhận được 3/4 phiếu; 1 thành viên không gửi phiếu" in text
    assert "ít nhất 3/4" in text  # more than half of four
    # Question 1: 1 of 4 agree, so it fails; question 2: 2 of 4 is not more than half.
    assert text.count("không được thông qua") == 2
    assert ("Phương án Số thành viên Tỷ lệ Đồng ý 1 25,0% Không đồng ý 1 25,0% "
            "Ý kiến khác 1 25,0% Không gửi phiếu 1 25,0% Câu 2.") in text
    assert ("Tỷ lệ Đồng ý 2 50,0% Không đồng ý 1 25,0% Không gửi phiếu 1 25,0% "
            "II. Ý KIẾN CỤ THỂ") in text
    # By choice, then unit: the delegate's "Đồng ý" before delegate2's "Ý kiến khác".
    delegate, delegate2 = world["delegate"].full_name, world["delegate2"].full_name
    assert (f"Thành viên Ý kiến Đồng ý UBND tỉnh Thừa Thiên Huế {delegate} Nhất trí, đề nghị "
            f"bổ sung kinh phí. Ý kiến khác UBND tỉnh Thừa Thiên Huế {delegate2} Đề nghị lùi "
            "thời hạn sang quý II.") in text
    assert "III. ĐỀ XUẤT, KẾT LUẬN" in text and PROPOSAL in text


async def test_the_chair_signs_and_then_the_members_read_it(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    await demo_keys(sessions, world, "chair")
    consultation = await _replied_and_closed(sessions, world)
    with pytest.raises(Invalid) as empty:  # nothing proposed: nothing for the chair to sign
        async with db.transaction(sessions) as s:
            await report.draft(s, world["secretary"], consultation.id, "  ")
    assert empty.value.code == "consultation_report_needs_conclusions"
    async with db.transaction(sessions) as s:
        await report.draft(s, world["secretary"], consultation.id, "Bản đầu.")
    async with sessions() as s:
        with pytest.raises(DomainError) as unseen:
            await report.pdf_of(s, world["delegate"], consultation.id)
        assert unseen.value.code == "consultation_report_missing"
        assert (await views.detail(s, world["delegate"], consultation))["report"] is None
        assert "sign_report" in (await views.detail(s, world["chair"], consultation))["actions"]
        # The chair is told where it waits: in the list and in the reminders.
        assert [(w["id"], w["awaits"]) for w in await views.waiting(s, world["chair"])] == [
            (consultation.id, "report")]
        [line] = await views.listing(s, world["chair"])
        assert line["awaits_me"] == "report"
    # Redrafted before signing: the first draft is retired, the number kept.
    async with db.transaction(sessions) as s:
        await report.draft(s, world["secretary"], consultation.id, PROPOSAL)
    with pytest.raises(Forbidden):
        async with db.transaction(sessions) as s:
            await report.sign(s, world["delegate"], consultation.id, secret=PASSPHRASE)
    async with db.transaction(sessions) as s:
        await report.sign(s, world["chair"], consultation.id, secret=PASSPHRASE)
    async with sessions() as s:
        drafts = (await s.scalars(select(OfficialPdf).order_by(OfficialPdf.id))).all()
        _, data = await report.pdf_of(s, world["delegate"], consultation.id)
        seen = (await views.detail(s, world["delegate"], consultation))["report"]
    assert [(d.number, d.status) for d in drafts] == [
        ("01/BC-UBND", OfficialPdfStatus.superseded), ("01/BC-UBND", OfficialPdfStatus.signed)]
    assert seen["status"] == "signed" and seen["signed_by"] == world["chair"].full_name
    async with sessions() as s:
        assert await views.waiting(s, world["chair"]) == []
    root, _ = demo._authority()
    verdict = await signatures.check_pdf(data, [root.certificate.public_bytes(
        serialization.Encoding.PEM)])
    assert verdict.verdict.value == "valid"
    assert verdict.signatures[0].signer_common_name == world["chair"].full_name
    assert PROPOSAL in _text(data)
    # The verify page calls the signed report the latest, never the draft it replaced.
    async with sessions() as s:
        for pdf, latest in zip(drafts, (False, True), strict=True):
            stored = await signatures.content(s, pdf)
            checked = await signatures.check_pdf(stored, [])
            shown = await signatures.verification_view(s, world["delegate"], stored, checked)
            assert shown["issued_here"]["latest"] is latest
    with pytest.raises(Conflict) as again:
        async with db.transaction(sessions) as s:
            await report.draft(s, world["secretary"], consultation.id, "")
    assert again.value.code == "consultation_report_signed"


async def test_no_report_before_the_close_nor_by_a_member(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world)
    with pytest.raises(Conflict) as early:
        async with db.transaction(sessions) as s:
            await report.draft(s, world["secretary"], consultation.id, "")
    assert early.value.code == "consultation_not_closed"
    async with db.transaction(sessions) as s:
        await closing.close_early(s, world["secretary"], consultation.id)
    with pytest.raises(Forbidden):
        async with db.transaction(sessions) as s:
            await report.draft(s, world["delegate"], consultation.id, "")
    with pytest.raises(Conflict) as missing:
        async with db.transaction(sessions) as s:
            await report.sign(s, world["chair"], consultation.id, secret=PASSPHRASE)
    assert missing.value.code == "consultation_report_missing"
