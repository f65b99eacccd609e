"""Every CSV export is safe to open in a spreadsheet: no cell runs as a formula."""

from __future__ import annotations

import csv
import io
from typing import Any

from ecabinet.models import MeetingStatus
from ecabinet.spreadsheet import csv_text
from tests.conftest import World
from tests.test_meetings import make_meeting

FORMULAS = ['=HYPERLINK("http://example.invalid","Bấm vào đây")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def cells(text: str) -> list[list[str]]:
    """The CSV as a spreadsheet reads it (after the byte-order mark)."""
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_a_cell_that_would_run_as_a_formula_is_written_as_text() -> None:
    rows = cells(csv_text(["STT", "=Tiêu đề"], [[1, f] for f in FORMULAS] + [[2, "Bình thường"]]))
    assert rows[0] == ["STT", "'=Tiêu đề"]
    assert [r[1] for r in rows[1:-1]] == ["'" + f for f in FORMULAS]
    assert rows[-1] == ["2", "Bình thường"]


async def test_the_questions_export_neutralises_a_delegates_formula(
        client_factory: Any, world: World, sessions: Any) -> None:
    meeting_id = await make_meeting(sessions, world, MeetingStatus.published)
    delegate = await client_factory("delegate")
    for text in FORMULAS[:2]:
        sent = await delegate.post(f"/api/meetings/{meeting_id}/questions",
                                   json={"text": text, "kind": "question"})
        assert sent.status_code == 201, sent.text
    chair = await client_factory("chair")
    response = await chair.get(f"/api/meetings/{meeting_id}/questions/export.csv",
                               params={"item": "general"})
    assert response.status_code == 200, response.text
    texts = [row[2] for row in cells(response.text)[1:]]
    assert sorted(texts) == sorted("'" + t for t in FORMULAS[:2])
