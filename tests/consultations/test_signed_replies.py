"""Signed replies: each reply is a ballot paper (phiếu lấy ý kiến) signed with the member's
own key, which pyHanko verifies against the demo CA; nothing is kept when signing fails."""

from __future__ import annotations

import hashlib
import io

import pymupdf
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db, demo, signatures
from ecabinet.consultations import paper, replies, views
from ecabinet.errors import Conflict, Invalid
from ecabinet.models import (
    AuditEntry,
    ConsultationAnswer,
    ConsultationMember,
    OfficialPdf,
    OfficialPdfStatus,
    User,
)
from tests.conftest import World
from tests.consultations.conftest import answers, question_ids, sent

PASSPHRASE = demo.DEMO_PASSPHRASE.decode()
OPINION = "Đề nghị bổ sung lộ trình cho các xã miền núi."


async def demo_keys(sessions: async_sessionmaker[AsyncSession], world: World,
                    *names: str) -> None:
    """Trust the demo CA and give each named account a key it issued."""
    root, _ = demo._authority()
    async with db.transaction(sessions) as s:
        admin = await s.get(User, world["admin"].id)
        assert admin is not None
        if not await signatures.is_trusted_root(s, root.certificate):
            await signatures.add_trust_root(s, admin, root.certificate.public_bytes(
                serialization.Encoding.PEM))
        for name in names:
            store, certificate, chain = demo._keystore(world[name].full_name, "UBND tỉnh")
            await signatures.configure_issued_pkcs12(s, None, world[name].id, store,
                                                     certificate, chain)


async def signed_reply(sessions: async_sessionmaker[AsyncSession], world: World, who: str,
                       consultation_id: int, *choices: int, secret: str = PASSPHRASE,
                       client_id: str = "signed-0001") -> replies.ReplyOutcome:
    ids = await question_ids(sessions, consultation_id)
    given = answers(ids, *choices, opinion=OPINION)
    async with db.transaction(sessions) as s:
        made = await replies.sign_paper(s, world[who], consultation_id, given, client_id,
                                        secret)
        return await replies.reply(s, world[who], consultation_id, given, client_id,
                                   signed=made)


async def stored_paper(sessions: async_sessionmaker[AsyncSession], world: World, who: str,
                       consultation_id: int) -> bytes:
    async with sessions() as s:
        return await paper.pdf_of(s, world[who], consultation_id, world[who].id)


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_signed_reply_is_a_ballot_paper_that_pyhanko_verifies(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    await demo_keys(sessions, world, "delegate")
    consultation = await sent(sessions, world, signed_replies=True)
    outcome = await signed_reply(sessions, world, "delegate", consultation.id, 0, 1)
    assert not outcome.already

    data = await stored_paper(sessions, world, "delegate", consultation.id)
    root, _ = demo._authority()
    anchor = asn1_x509.Certificate.load(root.certificate.public_bytes(
        serialization.Encoding.DER))
    [embedded] = PdfFileReader(io.BytesIO(data)).embedded_signatures
    status = await async_validate_pdf_signature(
        embedded, ValidationContext(trust_roots=[anchor], allow_fetching=False))
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == world["delegate"].full_name

    with pymupdf.open("pdf", data) as document:
        text = " ".join(" ".join(page.get_text().split()) for page in document)
    assert "PHIẾU LẤY Ý KIẾN THÀNH VIÊN" in text
    assert world["delegate"].full_name in text and OPINION in text
    assert "Thông qua dự thảo Kế hoạch?" in text and "Giao Sở KH&CN chủ trì?" in text

    async with sessions() as s:
        entry = await s.scalar(select(AuditEntry).where(
            AuditEntry.action == "consultation.reply"))
        assert entry is not None
        assert entry.data["paper_sha256"] == hashlib.sha256(data).hexdigest()
        report = await signatures.check_pdf(data, [root.certificate.public_bytes(
            serialization.Encoding.PEM)])
        assert report.verdict.value == "valid"
        seen = await signatures.verification_view(s, world["secretary"], data, report)
        assert seen["issued_here"]["kind"] == paper.KIND and seen["issued_here"]["latest"]
        # The office sees who signed; the member sees their own paper is kept.
        office = await views.detail(s, world["secretary"], consultation)
        mine = (await views.detail(s, world["delegate"], consultation))["mine"]
    by_user = {m["user_id"]: m for m in office["members"]}
    assert by_user[world["delegate"].id]["paper"] is True
    assert by_user[world["delegate"].id]["has_key"] is True
    assert by_user[world["delegate2"].id]["has_key"] is False
    assert mine["paper"] is True


async def test_a_failed_signature_stores_nothing(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    await demo_keys(sessions, world, "delegate")
    consultation = await sent(sessions, world, signed_replies=True)
    with pytest.raises(Invalid) as wrong:
        await signed_reply(sessions, world, "delegate", consultation.id, 0, 0,
                           secret="not-the-passphrase")
    assert wrong.value.code == "wrong_passphrase"
    with pytest.raises(Invalid) as empty:
        await signed_reply(sessions, world, "delegate", consultation.id, 0, 0, secret="")
    assert empty.value.code == "passphrase_required"
    with pytest.raises(Conflict) as keyless:
        await signed_reply(sessions, world, "delegate2", consultation.id, 0, 0)
    assert keyless.value.code == "no_signing_key"
    assert await _count(sessions, ConsultationAnswer) == 0
    assert await _count(sessions, OfficialPdf) == 0
    async with sessions() as s:
        assert (await s.scalars(select(ConsultationMember.replied_at))).all() == [None] * 4


async def test_an_unsigned_reply_is_refused_where_replies_are_signed(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world, signed_replies=True)
    ids = await question_ids(sessions, consultation.id)
    with pytest.raises(Conflict) as refused:
        async with db.transaction(sessions) as s:
            await replies.reply(s, world["delegate"], consultation.id, answers(ids, 0, 0),
                                "unsigned-0001")
    assert refused.value.code == "consultation_reply_needs_signature"
    assert await _count(sessions, ConsultationAnswer) == 0


async def test_a_resend_is_not_signed_again_and_a_change_supersedes_the_paper(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    await demo_keys(sessions, world, "delegate")
    consultation = await sent(sessions, world, signed_replies=True)
    await signed_reply(sessions, world, "delegate", consultation.id, 0, 0)
    again = await signed_reply(sessions, world, "delegate", consultation.id, 0, 0)
    assert again.already
    assert await _count(sessions, OfficialPdf) == 1
    changed = await signed_reply(sessions, world, "delegate", consultation.id, 1, 0,
                                 client_id="signed-0002")
    assert changed.changed
    async with sessions() as s:
        papers = (await s.scalars(select(OfficialPdf).order_by(OfficialPdf.id))).all()
    assert [p.status for p in papers] == [OfficialPdfStatus.superseded,
                                          OfficialPdfStatus.signed]
    # The paper kept is the new one: the second option is marked on the first question.
    with pymupdf.open("pdf", await stored_paper(sessions, world, "delegate",
                                                consultation.id)) as document:
        table = document[0].find_tables().tables[0].extract()
    assert [row[2] for row in table[1:]] == ["", "X", ""]


async def test_only_the_member_and_the_office_read_a_paper(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    await demo_keys(sessions, world, "delegate")
    consultation = await sent(sessions, world, signed_replies=True, open_replies=True)
    await signed_reply(sessions, world, "delegate", consultation.id, 0, 0)
    async with sessions() as s:
        for reader in ("delegate", "secretary", "chair"):
            assert await paper.pdf_of(s, world[reader], consultation.id,
                                      world["delegate"].id)
        with pytest.raises(Exception) as other:
            await paper.pdf_of(s, world["delegate2"], consultation.id, world["delegate"].id)
    assert getattr(other.value, "code", "") == "consultation_paper_missing"
