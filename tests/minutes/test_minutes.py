"""Minutes: drafted from what the meeting recorded, edited, reviewed, signed twice, then close."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import Any

import pymupdf
import pytest
from sqlalchemy import select

from ecabinet import conclusions, db, meetings, minutes, signatures
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.models import (
    AgendaItem,
    AuditEntry,
    MeetingStatus,
    MinutesStatus,
    Participant,
    ParticipantRole,
    User,
)
from ecabinet.models.attendance import Attendance, AttendanceResponse
from ecabinet.models.base import utcnow
from ecabinet.models.questions import Question, QuestionKind
from ecabinet.models.speakers import SpeakerRequest, SpeakerStatus
from ecabinet.models.voting import MajorityRule, Poll, PollKind, PollStatus
from ecabinet.voting import compute_result
from tests.conftest import World
from tests.minutes.conftest import PASSPHRASE, Pki, give_keys

QUESTION = "Đề nghị làm rõ tiến độ giải ngân vốn đầu tư công của huyện Phú Lộc?"
ANSWER = "Sở Tài chính sẽ báo cáo bằng văn bản trước ngày 30/11"
REASON = "Đi công tác tại Hà Nội theo Quyết định số 215/QĐ-UBND"
POLL = "Thông qua dự thảo Kế hoạch chuyển đổi số năm 2027"


async def record_meeting(sessions: Any, world: World, meeting_id: int) -> None:
    """What a real meeting leaves behind: agenda, attendance, a question, a speech, a poll."""
    now = utcnow()
    async with db.transaction(sessions) as s:
        first, second = (await s.scalars(select(AgendaItem).where(
            AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position))).all()
        s.add_all([
            Participant(meeting_id=meeting_id, user_id=world["delegate2"].id,
                        role=ParticipantRole.delegate),
            Participant(meeting_id=meeting_id, user_id=world["outsider"].id,
                        role=ParticipantRole.invited, voting=False),
        ])
        await s.flush()
        s.add_all([
            Attendance(meeting_id=meeting_id, user_id=world["chair"].id,
                       response=AttendanceResponse.attend, checked_in_at=now),
            Attendance(meeting_id=meeting_id, user_id=world["delegate"].id,
                       response=AttendanceResponse.attend, checked_in_at=now, remote=True),
            Attendance(meeting_id=meeting_id, user_id=world["delegate2"].id,
                       response=AttendanceResponse.absent, reason=REASON),
            Question(meeting_id=meeting_id, agenda_item_id=first.id,
                     author_id=world["delegate"].id, kind=QuestionKind.question, text=QUESTION,
                     answer_note=ANSWER, support_count=2),
            SpeakerRequest(meeting_id=meeting_id, agenda_item_id=first.id,
                           user_id=world["delegate"].id, status=SpeakerStatus.done,
                           started_at=now - timedelta(minutes=5), ended_at=now),
            Poll(meeting_id=meeting_id, agenda_item_id=second.id, question=POLL,
                 options=["Tán thành", "Không tán thành", "Không biểu quyết"],
                 kind=PollKind.approval, status=PollStatus.closed, closed_at=now,
                 result=compute_result(kind=PollKind.approval, rule=MajorityRule.present,
                                       counts=[2, 0, 0], members=3, present=2)),
        ])


async def as_user(s: Any, world: World, name: str) -> User:
    user = await s.get(User, world[name].id)
    assert user is not None
    return user


def section(sections: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return next(x for x in sections if x["key"] == key)


def text_of(pdf: bytes) -> str:
    with pymupdf.open("pdf", pdf) as document:
        return " ".join(" ".join(page.get_text().split()) for page in document)


async def test_draft_is_drawn_from_the_meeting_record(sessions: Any, world: World,
                                                      adjourned: int) -> None:
    await record_meeting(sessions, world, adjourned)
    async with db.transaction(sessions) as s:
        drafted = await minutes.draft(s, await as_user(s, world, "secretary"), adjourned)
        sections = drafted.sections

    opening = " ".join(section(sections, "opening")["paragraphs"])
    assert f"Chủ trì: {world['chair'].full_name}." in opening
    assert f"Thư ký: {world['secretary'].full_name}." in opening
    assert "UBND xã Lộc An" in opening  # the remote site
    attendance = section(sections, "attendance")["paragraphs"]
    # The headline is the attendance screen's count (voting members, the chair among them:
    # chair and delegate of chair, delegate, delegate2); the chair and the secretary are
    # named above, the lines list delegates and guests.
    assert attendance[0] == "Có mặt: 2/3 thành viên."
    assert f"- {world['delegate'].full_name} (trực tuyến)." in attendance
    assert f"- {world['delegate2'].full_name}: vắng mặt, lý do: {REASON}." in attendance
    assert f"- {world['outsider'].full_name}: vắng mặt không báo lý do." in attendance

    items = [x for x in sections if x["key"].startswith("item:")]
    assert [x["heading"] for x in items] == ["1. Tình hình giải ngân vốn đầu tư công",
                                              "2. Kế hoạch chuyển đổi số năm 2027"]
    first, second = items[0]["paragraphs"], items[1]["paragraphs"]
    assert first[0] == "Trình bày: Giám đốc Sở Tài chính (UBND tỉnh Thừa Thiên Huế)."
    assert (f"- Câu hỏi của {world['delegate'].full_name}: {QUESTION} "
            f"(2 đại biểu cùng ý kiến). Trả lời: {ANSWER}.") in first
    assert f"Phát biểu thảo luận: {world['delegate'].full_name}." in first
    assert second[-1] == (f"Biểu quyết: {POLL} — Tán thành: 2; Không tán thành: 0; "
                          "Không biểu quyết: 0 (2/3 thành viên đã biểu quyết). "
                          "Kết quả: thông qua.")


async def test_secretary_edits_and_redraft_keeps_her_summary(sessions: Any, world: World,
                                                              adjourned: int) -> None:
    async with db.transaction(sessions) as s:
        secretary = await as_user(s, world, "secretary")
        drafted = await minutes.draft(s, secretary, adjourned)
        version = drafted.version
        # Nobody checked in or answered: the invited are listed, nobody is called absent.
        invited = section(drafted.sections, "attendance")["paragraphs"]
        assert invited[0] == "Thành phần mời: 1 đại biểu."
        assert not any("vắng mặt" in line for line in invited)
        edited = [dict(x) for x in drafted.sections]
        section(edited, "summary")["summary"] = "Chủ trì kết luận: giao Sở Tài chính tổng hợp."
        edited.insert(-1, {"key": "custom:1", "heading": "V. Ý KIẾN KHÁC",
                           "paragraphs": ["Không có."], "summary": ""})
        await minutes.update(s, secretary, adjourned, edited, version=version)
    async with db.transaction(sessions) as s:
        secretary = await as_user(s, world, "secretary")
        # A save based on the old version is refused rather than silently overwriting.
        with pytest.raises(Conflict) as stale:
            await minutes.update(s, secretary, adjourned, edited, version=version)
        assert stale.value.code == "minutes_changed"
    async with db.transaction(sessions) as s:
        redrafted = await minutes.draft(s, await as_user(s, world, "secretary"), adjourned)
        keys = [x["key"] for x in redrafted.sections]
        assert section(redrafted.sections, "summary")["summary"].startswith("Chủ trì kết luận")
        assert keys[-2:] == ["custom:1", "closing"]
    async with db.transaction(sessions) as s:
        for name in ("delegate", "chair", "district_secretary", "observer"):
            with pytest.raises((Forbidden, NotFound)):
                await minutes.update(s, await as_user(s, world, name), adjourned, edited)
        with pytest.raises(Invalid):
            await minutes.update(s, await as_user(s, world, "secretary"), adjourned,
                                 [{"key": "x", "heading": 5, "paragraphs": []}])


async def test_review_sign_twice_then_close(sessions: Any, world: World, adjourned: int,
                                            pki: Pki) -> None:
    await record_meeting(sessions, world, adjourned)
    await give_keys(sessions, world, pki)
    async with db.transaction(sessions) as s:
        secretary = await as_user(s, world, "secretary")
        await minutes.draft(s, secretary, adjourned)
        await minutes.submit(s, secretary, adjourned)
    async with db.transaction(sessions) as s:
        # Drafts are for the office and the chair; a delegate learns nothing yet.
        _, hidden = await minutes.get_minutes(s, await as_user(s, world, "delegate"), adjourned)
        assert hidden is None
        with pytest.raises(NotFound):  # not a member: the meeting does not exist for them
            await minutes.approve(s, await as_user(s, world, "chair2"), adjourned)
        with pytest.raises(Forbidden):
            await minutes.approve(s, await as_user(s, world, "secretary"), adjourned)
        with pytest.raises(Forbidden):
            await minutes.approve(s, await as_user(s, world, "delegate"), adjourned)
    async with db.transaction(sessions) as s:
        approved = await minutes.approve(s, await as_user(s, world, "chair"), adjourned)
        assert approved.status == MinutesStatus.approved
        assert approved.number == "01/BB-UBND"
        sections = approved.sections
    async with db.transaction(sessions) as s:
        with pytest.raises(Conflict) as early:
            await minutes.sign(s, await as_user(s, world, "chair"), adjourned,
                               secret=PASSPHRASE)
        assert early.value.code == "not_your_turn"
        with pytest.raises(Invalid) as wrong:
            await minutes.sign(s, await as_user(s, world, "secretary"), adjourned,
                               secret="sai mật khẩu")
        assert wrong.value.code == "wrong_passphrase"
    async with db.transaction(sessions) as s:
        meeting = await meetings.get_meeting(s, await as_user(s, world, "secretary"), adjourned)
        with pytest.raises(Conflict) as guard:
            await meetings.transition(s, await as_user(s, world, "secretary"), adjourned,
                                      "close")
        assert guard.value.code == "minutes_not_signed"
        assert meeting.status == MeetingStatus.adjourned
    async with db.transaction(sessions) as s:
        half = await minutes.sign(s, await as_user(s, world, "secretary"), adjourned,
                                  secret=PASSPHRASE)
        assert half.status == MinutesStatus.approved
    async with db.transaction(sessions) as s:
        done = await minutes.sign(s, await as_user(s, world, "chair"), adjourned,
                                  secret=PASSPHRASE)
        assert done.status == MinutesStatus.signed
    async with db.transaction(sessions) as s:
        delegate = await as_user(s, world, "delegate")
        _, visible = await minutes.get_minutes(s, delegate, adjourned)
        assert visible is not None  # signed minutes are for every member
        _, pdf = await minutes.pdf_of(s, delegate, adjourned)
        roots = await signatures.trust_root_pems(s)
        closed = await meetings.transition(s, await as_user(s, world, "secretary"), adjourned,
                                           "close")
        assert closed.status == MeetingStatus.closed
        actions = (await s.scalars(select(AuditEntry.action)
                                   .where(AuditEntry.meeting_id == adjourned))).all()
        assert actions.count("document.sign") == 2

    report = await signatures.check_pdf(pdf, roots)
    assert report.verdict.value == "valid"
    assert [(r.field_name, r.signer_common_name, r.valid) for r in report.signatures] == [
        ("secretary", world["secretary"].full_name, True),
        ("chair", world["chair"].full_name, True),
    ]
    # Every paragraph of the minutes comes back exactly from the signed PDF.
    extracted = text_of(pdf)
    for part in sections:
        for paragraph in [part["heading"], *part["paragraphs"]]:
            if paragraph:
                expected = " ".join(unicodedata.normalize("NFC", paragraph).split())
                assert expected in extracted, paragraph
    assert "BIÊN BẢN" in extracted and "Số: 01/BB-UBND" in extracted


async def test_chair_returns_half_signed_minutes_and_the_signed_copy_is_kept(
        sessions: Any, world: World, adjourned: int, pki: Pki) -> None:
    await give_keys(sessions, world, pki)
    async with db.transaction(sessions) as s:
        secretary = await as_user(s, world, "secretary")
        await minutes.draft(s, secretary, adjourned)
        await minutes.submit(s, secretary, adjourned)
        await minutes.approve(s, await as_user(s, world, "chair"), adjourned)
    async with db.transaction(sessions) as s:
        signed_once = await minutes.sign(s, await as_user(s, world, "secretary"), adjourned,
                                         secret=PASSPHRASE)
        first_pdf = signed_once.pdf_id
    async with db.transaction(sessions) as s:
        chair = await as_user(s, world, "chair")
        with pytest.raises(Invalid):
            await minutes.send_back(s, chair, adjourned, " ")
        back = await minutes.send_back(s, chair, adjourned, "Bổ sung ý kiến của Sở Xây dựng")
        assert back.status == MinutesStatus.draft and back.pdf_id is None
        assert back.review_comment == "Bổ sung ý kiến của Sở Xây dựng"
    async with db.transaction(sessions) as s:
        from ecabinet.models import OfficialPdf, OfficialPdfVersion

        old = await s.get(OfficialPdf, first_pdf)
        assert old is not None and old.status.value == "superseded"
        versions = (await s.scalars(select(OfficialPdfVersion)
                                    .where(OfficialPdfVersion.pdf_id == first_pdf))).all()
        assert [v.role for v in versions] == ["", "secretary"]
        # A stored version can never be rewritten.
        versions[1].signer_name = "Người khác"
        with pytest.raises(RuntimeError, match="immutable"):
            await s.flush()


async def test_the_chairs_conclusions_reach_section_four(sessions: Any, world: World,
                                                         adjourned: int) -> None:
    async with db.transaction(sessions) as s:
        secretary = await as_user(s, world, "secretary")
        empty = await minutes.draft(s, secretary, adjourned)
        assert section(empty.sections, "summary")["paragraphs"] == []
        created = await conclusions.create(s, secretary, adjourned)
        draft = await conclusions.view(s, created)
        items = [conclusions.ItemInput(
            id=item["id"], agenda_item_id=item["agenda_item_id"], title=item["title"],
            text=text) for item, text in zip(draft["items"], (
                "Cơ bản thống nhất báo cáo;\nyêu cầu đẩy nhanh giải ngân.", ""), strict=True)]
        await conclusions.save(s, secretary, adjourned, conclusions.ConclusionInput(
            summary=draft["summary"], opening=draft["opening"], closing=draft["closing"],
            items=items, recipient_unit_ids=[world.district], version=draft["version"]))
    async with db.transaction(sessions) as s:
        redrafted = await minutes.draft(s, await as_user(s, world, "secretary"), adjourned)
    # One line per item that has a conclusion; an item without one is left out.
    assert section(redrafted.sections, "summary")["paragraphs"] == [
        "- Tình hình giải ngân vốn đầu tư công: Cơ bản thống nhất báo cáo; yêu cầu đẩy nhanh "
        "giải ngân."]
