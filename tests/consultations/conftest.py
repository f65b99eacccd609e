"""A consultation of the small province's committee, ready to prepare, send and answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db
from ecabinet.consultations import approval, prepare
from ecabinet.consultations.prepare import ConsultationInput, QuestionInput
from ecabinet.consultations.replies import AnswerInput
from ecabinet.models import Consultation
from tests.conftest import World


def draft_input(world: World, **changes: object) -> ConsultationInput:
    """Two questions to the province's members (chair, chair2, delegate, delegate2)."""
    fields: dict[str, object] = {
        "title": "Lấy ý kiến về dự thảo Kế hoạch chuyển đổi số năm 2027",
        "unit_id": world.province, "chair_id": world["chair"].id,
        "matter": "Văn phòng xin ý kiến các thành viên UBND tỉnh về dự thảo kế hoạch.",
        "questions": [QuestionInput("Thông qua dự thảo Kế hoạch?"),
                      QuestionInput("Giao Sở KH&CN chủ trì?", ["Đồng ý", "Không đồng ý"])],
    }
    fields.update(changes)
    return ConsultationInput(**fields)  # type: ignore[arg-type]


async def sent(sessions: async_sessionmaker[AsyncSession], world: World, *,
               now: datetime | None = None, **changes: object) -> Consultation:
    """Prepared by the secretary, submitted, and approved (sent) by the chair."""
    async with db.transaction(sessions) as s:
        made = await prepare.create(s, world["secretary"], draft_input(world, **changes))
        await approval.submit(s, world["secretary"], made.id)
    async with db.transaction(sessions) as s:
        return await approval.approve(s, world["chair"], made.id, now=now)


def answers(consultation_questions: Sequence[int], *choices: int, opinion: str = ""
            ) -> list[AnswerInput]:
    """One answer per question, in order."""
    return [AnswerInput(q, c, opinion) for q, c in zip(consultation_questions, choices,
                                                        strict=True)]


async def question_ids(sessions: async_sessionmaker[AsyncSession], consultation_id: int
                       ) -> list[int]:
    """The consultation's questions, in order."""
    from sqlalchemy import select

    from ecabinet.models import ConsultationQuestion

    async with sessions() as s:
        return list((await s.scalars(select(ConsultationQuestion.id).where(
            ConsultationQuestion.consultation_id == consultation_id)
            .order_by(ConsultationQuestion.position))).all())
