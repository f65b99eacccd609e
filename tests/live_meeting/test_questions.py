"""Questions: support, the chair's order, merging duplicates, answering, export."""

from __future__ import annotations

import csv
import io

import pytest

from ecabinet import questions
from ecabinet.errors import Conflict, Forbidden, Invalid
from tests.live_meeting.conftest import Hall, codes


async def ask(hall: Hall, who: str, text: str, item: int | None) -> int:
    q = await hall.run(who, lambda s, u: questions.ask(s, u, hall.meeting_id, text=text,
                                                       item_id=item))
    return q.id


async def plus_one(hall: Hall, who: str, qid: int, on: bool = True) -> int:
    q = await hall.run(who, lambda s, u: questions.support(s, u, qid, on))
    return q.support_count


async def gathered(hall: Hall, item: int | None) -> list[dict[str, object]]:
    return await hall.run("chair", lambda s, u: questions.gathered(s, u, hall.meeting_id, item))


async def test_support_orders_the_chairs_list(hall: Hall) -> None:
    flood, evac = hall.items
    a = await ask(hall, "delegate", "Kinh phí hỗ trợ hộ dân bị ngập lấy từ nguồn nào?", flood)
    b = await ask(hall, "delegate2", "Bao giờ hoàn thành sửa chữa đê bao?", flood)
    c = await ask(hall, "delegate3", "Số hộ cần di dời trước 18 giờ?", evac)
    general = await ask(hall, "room", "Xã Lộc An đề nghị hỗ trợ xuồng cứu hộ.", None)

    assert await plus_one(hall, "chair", b) == 1
    assert await plus_one(hall, "delegate3", b) == 2
    assert await plus_one(hall, "delegate3", b) == 2  # a resent +1 counts once
    assert await plus_one(hall, "room", a) == 1
    # Per item, most supported first; the other item's and general questions apart.
    assert [q["id"] for q in await gathered(hall, flood)] == [b, a]
    assert [q["id"] for q in await gathered(hall, evac)] == [c]
    assert [q["id"] for q in await gathered(hall, None)] == [general]
    # Taking a +1 back reorders; equal support keeps the older first.
    assert await plus_one(hall, "chair", b, on=False) == 1
    assert await plus_one(hall, "delegate3", b, on=False) == 0
    assert [q["id"] for q in await gathered(hall, flood)] == [a, b]
    assert await plus_one(hall, "delegate4", b) == 1
    assert [q["id"] for q in await gathered(hall, flood)] == [a, b]
    # Answered questions go to the end of the list.
    await hall.run("chair", lambda s, u: questions.set_answered(s, u, a, True, "Ngân sách tỉnh"))
    listed = await gathered(hall, flood)
    assert [q["id"] for q in listed] == [b, a]
    assert listed[1]["status"] == "answered" and listed[1]["answer_note"] == "Ngân sách tỉnh"

    with pytest.raises(Invalid) as err:
        await plus_one(hall, "delegate", a)
    assert codes(err) == "own_question"
    with pytest.raises(Forbidden):
        await plus_one(hall, "observer", a)
    with pytest.raises(Forbidden):
        await ask(hall, "observer", "Màn hình không hỏi", flood)

    # Each change reached the screens as the question's full new state.
    last = (await hall.events("question."))[-1]
    assert last.data["question"]["id"] == a and last.data["question"]["status"] == "answered"
    assert last.data["question"]["support_count"] == 1


async def test_merge_folds_duplicates_and_their_supporters(hall: Hall) -> None:
    flood, evac = hall.items
    target = await ask(hall, "delegate", "Đề nghị làm rõ phương án sơ tán.", flood)
    dup = await ask(hall, "delegate2", "Phương án sơ tán cụ thể thế nào?", evac)
    dup2 = await ask(hall, "delegate3", "Sơ tán dân đi đâu?", flood)
    await plus_one(hall, "chair", target)
    await plus_one(hall, "chair", dup)  # already supports the target: counted once
    await plus_one(hall, "delegate4", dup)
    await plus_one(hall, "delegate", dup2)  # the target's own author: never a supporter of it
    await plus_one(hall, "room", dup2)

    # dup2 into dup first, then dup into target: the chain flattens under target.
    await hall.run("secretary", lambda s, u: questions.merge(s, u, dup2, dup))
    merged = await hall.run("secretary", lambda s, u: questions.merge(s, u, dup, target))
    # Supporters: chair, delegate4 (from dup), delegate2 (dup's author),
    # delegate3 (dup2's author), room (from dup2). Not delegate, the author.
    assert merged.support_count == 5
    listed = await gathered(hall, flood)
    assert [q["id"] for q in listed] == [target]
    assert sorted(listed[0]["merged"]) == sorted([dup, dup2])  # type: ignore[type-var]
    assert set(listed[0]["supporters"]) == {  # type: ignore[arg-type]
        hall[n].id for n in ("chair", "delegate4", "delegate2", "delegate3", "room")}
    assert await gathered(hall, evac) == []

    with pytest.raises(Conflict):
        await plus_one(hall, "delegate4", dup)
    with pytest.raises(Invalid):
        await hall.run("secretary", lambda s, u: questions.merge(s, u, target, target))
    with pytest.raises(Forbidden):
        await hall.run("chair", lambda s, u: questions.merge(s, u, target, dup))
    with pytest.raises(Forbidden):
        await hall.run("delegate", lambda s, u: questions.set_answered(s, u, target))


async def test_secretary_files_questions_and_exports_an_item(hall: Hall) -> None:
    evac = hall.items[1]
    qid = await ask(hall, "delegate", "Số liệu thiệt hại, có ký tự \"ngoặc\", dấu phẩy?", None)
    await hall.run("secretary", lambda s, u: questions.move(s, u, qid, evac))
    assert [q["id"] for q in await gathered(hall, evac)] == [qid]
    text = await hall.run("secretary", lambda s, u: questions.export_csv(
        s, u, hall.meeting_id, evac))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["STT", "Loại", "Nội dung"]
    assert rows[1][2] == "Số liệu thiệt hại, có ký tự \"ngoặc\", dấu phẩy?"
    assert rows[1][3] == hall["delegate"].full_name
    with pytest.raises(Forbidden):
        await hall.run("delegate", lambda s, u: questions.export_csv(
            s, u, hall.meeting_id, evac))
    with pytest.raises(Invalid):
        await hall.run("secretary", lambda s, u: questions.move(s, u, qid, 999999))
