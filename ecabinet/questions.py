"""Questions and opinions on agenda items: sent, supported, merged, answered, exported."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit, eventlog, live_state, meetings
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.models import Meeting, Question, QuestionSupport, Unit, User
from ecabinet.models.base import utcnow
from ecabinet.models.questions import QuestionKind, QuestionStatus
from ecabinet.spreadsheet import csv_text

MAX_TEXT = 4000


async def _meeting_for(session: AsyncSession, user: User, question_id: int
                       ) -> tuple[Question, Meeting]:
    question = await session.get(Question, question_id, with_for_update=True)
    if question is None:
        raise NotFound("question_not_found")
    try:
        meeting = await meetings.get_meeting(session, user, question.meeting_id)
    except NotFound as exc:
        raise NotFound("question_not_found") from exc
    return question, meeting


async def _supporters(session: AsyncSession, question_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(question_ids)
    found: dict[int, list[int]] = {qid: [] for qid in ids}
    if not ids:
        return found
    rows = await session.execute(
        select(QuestionSupport.question_id, QuestionSupport.user_id)
        .where(QuestionSupport.question_id.in_(ids)).order_by(QuestionSupport.id)
    )
    for qid, uid in rows:
        found[qid].append(uid)
    return found


async def _views(session: AsyncSession, questions: list[Question]) -> list[dict[str, Any]]:
    supporters = await _supporters(session, [q.id for q in questions])
    author_ids = {q.author_id for q in questions}
    authors = {u.id: u for u in (await session.scalars(
        select(User).where(User.id.in_(author_ids)))).all()} if author_ids else {}
    unit_ids = {u.unit_id for u in authors.values() if u.unit_id is not None}
    units = {u.id: u.name for u in (await session.scalars(
        select(Unit).where(Unit.id.in_(unit_ids)))).all()} if unit_ids else {}
    merged: dict[int, list[int]] = {}
    meeting_ids = {q.meeting_id for q in questions}
    if meeting_ids:
        rows = await session.execute(
            select(Question.merged_into_id, Question.id)
            .where(Question.meeting_id.in_(meeting_ids), Question.merged_into_id.is_not(None))
            .order_by(Question.id)
        )
        for target, source in rows:
            if target is not None:
                merged.setdefault(target, []).append(source)
    views = []
    for q in questions:
        author = authors.get(q.author_id)
        views.append({
            "id": q.id, "meeting_id": q.meeting_id, "item_id": q.agenda_item_id,
            "kind": q.kind.value, "text": q.text, "status": q.status.value,
            "answer_note": q.answer_note,
            "answered_at": q.answered_at.isoformat() if q.answered_at else None,
            "merged_into": q.merged_into_id, "merged": merged.get(q.id, []),
            "support_count": q.support_count, "supporters": supporters.get(q.id, []),
            "author": {
                "id": q.author_id, "name": author.full_name if author else "",
                "title": author.title if author else "",
                "unit": units.get(author.unit_id) if author and author.unit_id else None,
            },
            "created_at": q.created_at.isoformat(),
        })
    return views


async def view(session: AsyncSession, question: Question) -> dict[str, Any]:
    """One question as every member's screen shows it."""
    return (await _views(session, [question]))[0]


async def _emit(session: AsyncSession, questions: list[Question]) -> None:
    await session.flush()
    for item in await _views(session, questions):
        await eventlog.append(session, item["meeting_id"], "question.updated", {"question": item})


def order_key(question: Question | dict[str, Any]) -> tuple[int, int, datetime | str, int]:
    """Open before answered, then most supported, then oldest first."""
    if isinstance(question, dict):
        return (0 if question["status"] == "open" else 1, -question["support_count"],
                question["created_at"], question["id"])
    return (0 if question.status == QuestionStatus.open else 1, -question.support_count,
            question.created_at, question.id)


async def ask(
    session: AsyncSession, user: User, meeting_id: int, *, text: str, item_id: int | None,
    kind: str = "question",
) -> Question:
    """Send a question or opinion on an agenda item, before or during the meeting."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    live_state.require_open_for_members(meeting)
    if not await live_state.takes_part(session, user, meeting):
        raise Forbidden("forbidden")
    text = text.strip()
    if not text:
        raise Invalid("field_required", field="text")
    if len(text) > MAX_TEXT:
        raise Invalid("field_too_long", field="text", max=MAX_TEXT)
    try:
        question_kind = QuestionKind(kind)
    except ValueError as exc:
        raise Invalid("field_invalid", field="kind") from exc
    item = await live_state.item_of(session, meeting.id, item_id)
    question = Question(meeting_id=meeting.id, agenda_item_id=item.id if item else None,
                        author_id=user.id, kind=question_kind, text=text,
                        status=QuestionStatus.open, answer_note="", support_count=0)
    session.add(question)
    await session.flush()
    await _emit(session, [question])
    await audit.record(session, "question.ask", actor_id=user.id, object_type="question",
                       object_id=question.id, meeting_id=meeting.id,
                       data={"item_id": question.agenda_item_id, "kind": question_kind.value})
    return question


async def _recount(session: AsyncSession, question: Question) -> None:
    question.support_count = int(await session.scalar(
        select(func.count(QuestionSupport.id)).where(QuestionSupport.question_id == question.id)
    ) or 0)


async def support(session: AsyncSession, user: User, question_id: int, on: bool = True
                  ) -> Question:
    """+1 a question (or take the +1 back); one per member, never one's own."""
    question, meeting = await _meeting_for(session, user, question_id)
    live_state.require_open_for_members(meeting)
    if not await live_state.takes_part(session, user, meeting):
        raise Forbidden("forbidden")
    if question.merged_into_id is not None:
        raise Conflict("question_merged")
    if question.author_id == user.id:
        raise Invalid("own_question")
    existing = await session.scalar(
        select(QuestionSupport.id).where(QuestionSupport.question_id == question.id,
                                         QuestionSupport.user_id == user.id)
    )
    if on and existing is None:
        session.add(QuestionSupport(question_id=question.id, user_id=user.id))
    elif not on and existing is not None:
        await session.execute(delete(QuestionSupport).where(QuestionSupport.id == existing))
    else:
        return question  # already so: a resent +1 changes nothing
    await session.flush()
    await _recount(session, question)
    await _emit(session, [question])
    return question


async def _managed(session: AsyncSession, user: User, question_id: int, *, chair_too: bool = False
                   ) -> tuple[Question, Meeting]:
    question, meeting = await _meeting_for(session, user, question_id)
    allowed = await meetings.can_manage(session, user, meeting) or (
        chair_too and meetings.is_chair(user, meeting))
    if not allowed:
        raise Forbidden("forbidden")
    return question, meeting


async def merge(session: AsyncSession, actor: User, question_id: int, into_id: int) -> Question:
    """Fold a duplicate into another question: its author and supporters now support that one."""
    source, meeting = await _managed(session, actor, question_id)
    target = await session.get(Question, into_id, with_for_update=True)
    if target is None or target.meeting_id != meeting.id:
        raise NotFound("question_not_found")
    if source.id == target.id or target.merged_into_id is not None:
        raise Invalid("merge_target_invalid")
    if source.merged_into_id is not None:
        raise Conflict("question_merged")
    present = set((await _supporters(session, [target.id]))[target.id])
    incoming = (await _supporters(session, [source.id]))[source.id] + [source.author_id]
    for user_id in incoming:
        if user_id != target.author_id and user_id not in present:
            session.add(QuestionSupport(question_id=target.id, user_id=user_id))
            present.add(user_id)
    # Anything merged into the duplicate before now hangs under the target directly.
    chained = list((await session.scalars(
        select(Question).where(Question.merged_into_id == source.id))).all())
    await session.execute(
        update(Question).where(Question.merged_into_id == source.id)
        .values(merged_into_id=target.id).execution_options(synchronize_session=False)
    )
    for q in chained:
        q.merged_into_id = target.id
    source.merged_into_id = target.id
    if target.agenda_item_id is None and source.agenda_item_id is not None:
        target.agenda_item_id = source.agenda_item_id
    await session.flush()
    await _recount(session, target)
    await _emit(session, [target, source, *chained])
    await audit.record(session, "question.merge", actor_id=actor.id, object_type="question",
                       object_id=source.id, meeting_id=meeting.id, data={"into": target.id})
    return target


async def set_answered(session: AsyncSession, actor: User, question_id: int, answered: bool = True,
                       note: str = "") -> Question:
    """Mark a question answered (with an optional note) or open again (secretary or chair)."""
    question, meeting = await _managed(session, actor, question_id, chair_too=True)
    if question.merged_into_id is not None:
        raise Conflict("question_merged")
    question.status = QuestionStatus.answered if answered else QuestionStatus.open
    question.answered_at = utcnow() if answered else None
    question.answer_note = note.strip()[:MAX_TEXT] if answered else ""
    await _emit(session, [question])
    await audit.record(session, "question.answer" if answered else "question.reopen",
                       actor_id=actor.id, object_type="question", object_id=question.id,
                       meeting_id=meeting.id)
    return question


async def move(session: AsyncSession, actor: User, question_id: int, item_id: int | None
               ) -> Question:
    """File a question under another agenda item (or none: general)."""
    question, meeting = await _managed(session, actor, question_id)
    item = await live_state.item_of(session, meeting.id, item_id)
    question.agenda_item_id = item.id if item else None
    await _emit(session, [question])
    await audit.record(session, "question.move", actor_id=actor.id, object_type="question",
                       object_id=question.id, meeting_id=meeting.id, data={"item_id": item_id})
    return question


async def _meeting_questions(session: AsyncSession, meeting_id: int) -> list[Question]:
    rows = await session.scalars(
        select(Question).where(Question.meeting_id == meeting_id).order_by(Question.id)
    )
    return list(rows.all())


async def gathered(session: AsyncSession, user: User, meeting_id: int, item_id: int | None
                   ) -> list[dict[str, Any]]:
    """The questions of one item (None: not filed under an item), merged ones left out,
    in the order the chair takes them."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    chosen = [q for q in await _meeting_questions(session, meeting.id)
              if q.agenda_item_id == item_id and q.merged_into_id is None]
    return await _views(session, sorted(chosen, key=order_key))


async def export_csv(session: AsyncSession, user: User, meeting_id: int, item_id: int | None
                     ) -> str:
    """The gathered questions of one item as CSV (UTF-8 with BOM, so spreadsheets read it)."""
    meeting = await meetings.get_meeting(session, user, meeting_id)
    if not await live_state.presides(session, user, meeting):
        raise Forbidden("forbidden")
    rows = await gathered(session, user, meeting_id, item_id)
    texts = {q.id: q.text for q in await _meeting_questions(session, meeting.id)}
    return csv_text(
        ["STT", "Loại", "Nội dung", "Người gửi", "Chức vụ", "Đơn vị", "Ủng hộ", "Trạng thái",
         "Trả lời", "Câu hỏi trùng đã gộp"],
        ([number, "Câu hỏi" if q["kind"] == "question" else "Ý kiến", q["text"],
          q["author"]["name"], q["author"]["title"], q["author"]["unit"] or "",
          q["support_count"], "Đã trả lời" if q["status"] == "answered" else "Chưa trả lời",
          q["answer_note"], " | ".join(texts[m] for m in q["merged"] if m in texts)]
         for number, q in enumerate(rows, start=1)))


async def snapshot(session: AsyncSession, user: User, meeting: Meeting) -> dict[str, Any]:
    """Every question of the meeting (merged ones too, marked) and what the user may do."""
    manages = await meetings.can_manage(session, user, meeting)
    return {
        "questions": await _views(session, await _meeting_questions(session, meeting.id)),
        "manages": manages,
        "answers": manages or meetings.is_chair(user, meeting),
        "may_ask": meeting.status in live_state.OPEN_FOR_MEMBERS
        and await live_state.takes_part(session, user, meeting),
    }
