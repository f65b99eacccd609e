"""Search finds Vietnamese words with or without their diacritics, only where the user may look."""

from __future__ import annotations

from typing import Any

import pytest

from ecabinet import search
from ecabinet.errors import Invalid
from ecabinet.models import MeetingStatus, User
from tests.conftest import World
from tests.documents import pdfs
from tests.documents.conftest import add_item, add_pdf, advance
from tests.test_meetings import make_meeting


@pytest.mark.parametrize("query", ["ke hoach", "KẾ HOẠCH", "Kế hoạch", "kê hoach", "ke  hoach"])
def test_queries_fold_like_the_stored_text(query: str) -> None:
    assert search.folded_query(query) == "ke hoach"


async def test_search_is_diacritic_insensitive_across_the_meeting(
    app: Any, world: World, sessions: Any
) -> None:
    meeting_id = await make_meeting(sessions, world)
    first = await add_item(sessions, world, meeting_id, "Kế hoạch")
    second = await add_item(sessions, world, meeting_id, "Phòng chống lụt bão")
    doc_a, _ = await add_pdf(app, sessions, world, first, pdfs.agenda_pdf(2))
    doc_b, _ = await add_pdf(app, sessions, world, second, pdfs.agenda_pdf(
        1, extra="Phương án sơ tán dân vùng ngập lụt huyện Phú Lộc"))
    await advance(sessions, world, meeting_id, MeetingStatus.published)
    async with sessions() as s:
        delegate = await s.get_one(User, world["delegate"].id)
        for query in ("ke hoach", "Kế Hoạch", "KE HOACH"):
            hits = await search.search_meeting(s, delegate, meeting_id, query)
            assert [(h.document_id, h.page) for h in hits] == [
                (doc_a, 1), (doc_a, 2), (doc_b, 1)], query
            assert "KẾ HOẠCH" in hits[0].snippet
        flood = await search.search_meeting(s, delegate, meeting_id, "so tan dan vung ngap lut")
        assert [(h.document_id, h.page) for h in flood] == [(doc_b, 1)]
        assert "sơ tán dân vùng ngập lụt" in flood[0].snippet
        assert await search.search_meeting(s, delegate, meeting_id, "thua thien hue")
        assert await search.search_meeting(s, delegate, meeting_id, "đê điều") == []
        inside = await search.search_document(s, delegate, doc_a, "trang 2")
        assert [h.page for h in inside] == [2]
        percent = await search.search_document(s, delegate, doc_a, "100%")
        assert percent == []
        with pytest.raises(Invalid) as short:
            await search.search_meeting(s, delegate, meeting_id, " á ")
        assert short.value.code == "search_query_short"
