"""The demo province shows each step of a consultation: one closed with its tally and its
report waiting for the chair's signature, one being answered, one waiting for the chair
whose replies will be signed; each with its draft."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db, demo, documents, reminders
from ecabinet.consultations import report, views
from ecabinet.document_owners import ConsultationOwner
from ecabinet.models import Consultation, OfficialPdfStatus, User


async def test_the_demo_has_a_consultation_at_each_step(
        database_url: str, sessions: async_sessionmaker[AsyncSession]) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the demo is the same on both backends, and costly to load")
    async with db.transaction(sessions) as s:
        await demo.load(s)
    async with sessions() as s:
        found = {c.status.value: c for c in (await s.scalars(select(Consultation))).all()}
        daibieu3 = await s.scalar(select(User).where(User.username == "daibieu3"))
        assert daibieu3 is not None
        waiting = await reminders.reminders(s, daibieu3)
        drafted = await report.current(s, found["closed"].id)
        chair = await s.get(User, found["closed"].chair_id)
        assert chair is not None
        seen = await views.detail(s, chair, found["closed"])
        to_sign = seen["actions"]
        drafts = {status: await documents.snapshot(s, daibieu3, ConsultationOwner(c))
                  for status, c in found.items()}
    assert set(found) == {"closed", "sent", "submitted"}
    # Its report gives the Department of Finance a task, assigned once the chair signs.
    assert [(t["responsible"], t["status"]) for t in seen["report"]["tasks"]] == [
        ("Sở Tài chính", "planned")]
    # Closed at its deadline, as a running node would have closed it.
    assert found["closed"].closed_at == found["closed"].deadline
    result = found["closed"].result
    assert result is not None and result["asked"] == 6
    # Four of six agreed: more than half. One chose "Ý kiến khác", one never replied.
    assert result["questions"][0]["counts"] == [4, 0, 1] and result["questions"][0]["passed"]
    assert [c["id"] for c in waiting["consultations"]] == [found["sent"].id]
    # The closed one's report waits for the chair; the submitted one asks for signatures.
    assert drafted is not None and drafted.status == OfficialPdfStatus.signing
    assert to_sign == ["sign_report"]
    assert found["submitted"].signed_replies and not found["sent"].signed_replies
    # Each has its draft, processed when the node starts; a member sees it once sent.
    assert [d["title"] for d in drafts["sent"]] == [
        "Dự thảo Quy chế quản lý, vận hành hệ thống phòng họp không giấy"]
    assert drafts["sent"][0]["version"]["status"] == "pending"
    # Sent (back-dated) after its draft was made, yet a draft is never "updated": it is
    # fixed from the submission on.
    assert drafts["sent"][0]["updated"] is False
    assert len(drafts["closed"]) == 1 and drafts["submitted"] == []
