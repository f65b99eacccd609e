"""The demo province's written consultations: one answered and closed, its synthesis report
(which gives the Department of Finance a task) waiting for the chair's signature; one the
members are answering now; one waiting for the chair's approval, whose replies are to be
signed. Each comes with its draft as a PDF."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import documents, workdays
from ecabinet.consultations import approval, closing, prepare, replies, report
from ecabinet.consultations.prepare import ConsultationInput, QuestionInput
from ecabinet.consultations.replies import AnswerInput
from ecabinet.models import ConsultationQuestion, Unit, User
from ecabinet.models.base import utcnow
from ecabinet.tasks import TaskInput

MEMBERS = ("chutich", "phochutich", "daibieu1", "daibieu2", "daibieu3", "daibieu4")
PROPOSAL = ("Văn phòng UBND tỉnh đề nghị Chủ tịch UBND tỉnh thống nhất ban hành Kế hoạch; "
            "giao Sở Công Thương tiếp thu ý kiến về thời gian tổ chức hội chợ.")

# The draft each consultation puts to the members, in the same order.
DRAFTS = ("Dự thảo Kế hoạch tổ chức Hội chợ nông sản tỉnh năm 2026",
          "Dự thảo Quy chế quản lý, vận hành hệ thống phòng họp không giấy",
          "Tờ trình của Sở Tài chính về mức hỗ trợ hộ dân vùng sạt lở")

# (title, matter, questions, stage, replies: username -> (choices, opinion))
CONSULTATIONS: list[tuple[str, str, list[QuestionInput], str,
                          dict[str, tuple[tuple[int, ...], str]]]] = [
    ("Lấy ý kiến về Kế hoạch tổ chức Hội chợ nông sản tỉnh năm 2026",
     "Sở Công Thương trình dự thảo Kế hoạch; Văn phòng UBND tỉnh xin ý kiến các thành viên.",
     [QuestionInput("Thông qua dự thảo Kế hoạch tổ chức Hội chợ?")], "closed",
     {"chutich": ((0,), ""), "phochutich": ((0,), ""), "daibieu1": ((0,), ""),
      "daibieu2": ((2,), "Đề nghị rút ngắn thời gian hội chợ còn 4 ngày để tiết kiệm kinh phí."),
      "daibieu3": ((0,), "")}),
    ("Lấy ý kiến về dự thảo Quy chế vận hành hệ thống phòng họp không giấy",
     "Dự thảo Quyết định ban hành Quy chế quản lý, vận hành hệ thống phòng họp không giấy "
     "(eCabinet) của tỉnh. Đề nghị các thành viên cho ý kiến trước thời hạn.",
     [QuestionInput("Thông qua dự thảo Quy chế?"),
      QuestionInput("Áp dụng cho cấp xã từ ngày 01/01/2027?", ["Đồng ý", "Không đồng ý"])],
     "sent",
     {"daibieu1": ((0, 0), ""),
      "daibieu2": ((2, 0), "Đề nghị bổ sung quy định về lưu trữ tài liệu mật sau cuộc họp.")}),
    ("Lấy ý kiến về phương án hỗ trợ hộ dân vùng sạt lở huyện Phú Lộc",
     "Sở Tài chính đề xuất mức hỗ trợ 40 triệu đồng/hộ phải di dời khẩn cấp.",
     [QuestionInput("Thống nhất mức hỗ trợ đề xuất?")], "submitted", {}),
]


async def load(session: AsyncSession, people: dict[str, User], unit_id: int) -> None:
    """Create the demo consultations of the province's committee."""
    from ecabinet.demo import document_pdf  # demo loads this module: imported when run

    secretary, chair = people["thuky"], people["chutich"]
    for n, (title, matter, questions, stage, answered) in enumerate(CONSULTATIONS):
        made = await prepare.create(session, secretary, ConsultationInput(
            title=title, matter=matter, unit_id=unit_id, chair_id=chair.id,
            questions=questions, member_ids=[people[u].id for u in MEMBERS], working_days=5,
            signed_replies=stage == "submitted"))
        await documents.stage_document(
            session, secretary, made.id, document_pdf(20 + n, DRAFTS[n]),
            filename=f"{DRAFTS[n][:60]}.pdf", title=DRAFTS[n], add=documents.add_draft)
        await approval.submit(session, secretary, made.id)
        if stage == "submitted":
            continue
        # The closed one was sent three weeks ago and ran to its deadline.
        sent_at = utcnow() - timedelta(days=21 if stage == "closed" else 1)
        await approval.approve(session, chair, made.id, now=sent_at)
        ids = list((await session.scalars(select(ConsultationQuestion.id).where(
            ConsultationQuestion.consultation_id == made.id)
            .order_by(ConsultationQuestion.position))).all())
        for r, (username, (choices, opinion)) in enumerate(answered.items()):
            await replies.reply(
                session, people[username], made.id,
                [AnswerInput(q, c, opinion if i == 0 else "")
                 for i, (q, c) in enumerate(zip(ids, choices, strict=True))],
                f"demo-reply-{made.id}-{r:04d}", now=sent_at + timedelta(hours=2 + r))
        if stage == "closed" and made.deadline is not None:
            # Closed at its deadline, as a running node would have closed it.
            await closing.close_due(session, made.deadline)
            finance = await session.scalar(select(Unit.id).where(Unit.name == "Sở Tài chính"))
            due = workdays.add_working_days(workdays.local_date(utcnow()), 10)
            await report.draft(session, secretary, made.id, PROPOSAL, [TaskInput(
                "Thẩm định dự toán kinh phí tổ chức Hội chợ theo Kế hoạch được ban hành", due,
                "Văn bản thẩm định dự toán kinh phí", responsible_unit_id=finance)])
