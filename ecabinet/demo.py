"""A realistic demo province: units, an account for every role, a meeting in every state."""

from __future__ import annotations

import html
import io
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import accounts, agenda, conclusions, documents, meetings, units
from ecabinet.models import Meeting, MeetingStatus, ParticipantRole, Role, User
from ecabinet.models.base import utcnow
from ecabinet.workdays import VIETNAM

DEMO_PASSWORD = "demo12345"


@dataclass(frozen=True)
class DemoLogin:
    """One demo account to print for the person trying eCabinet."""

    username: str
    role: str
    full_name: str


# (username, full name, title, role, unit key)
PEOPLE = [
    ("admin", "Trần Quốc Bảo", "Trung tâm CNTT tỉnh", Role.admin, "province"),
    ("thuky", "Lê Thị Thu Hà", "Chuyên viên Văn phòng UBND tỉnh", Role.secretary, "province"),
    ("chutich", "Nguyễn Văn Phương", "Chủ tịch UBND tỉnh", Role.chair, "province"),
    ("phochutich", "Hoàng Hải Minh", "Phó Chủ tịch UBND tỉnh", Role.chair, "province"),
    ("daibieu1", "Phan Thiên Định", "Giám đốc Sở Tài chính", Role.delegate, "province"),
    ("daibieu2", "Nguyễn Thanh Bình", "Giám đốc Sở Kế hoạch và Đầu tư", Role.delegate, "province"),
    ("daibieu3", "Võ Thị Hồng Nhung", "Giám đốc Sở Thông tin và Truyền thông", Role.delegate,
     "province"),
    ("daibieu4", "Đặng Văn Hòa", "Chủ tịch UBND huyện Phú Lộc", Role.delegate, "phuloc"),
    ("thukyphuloc", "Trương Thị Lan", "Chánh Văn phòng UBND huyện Phú Lộc", Role.secretary,
     "phuloc"),
    ("phongphuloc", "Phòng họp UBND huyện Phú Lộc", "Điểm cầu huyện", Role.remote_room, "phuloc"),
    ("phongphongdien", "Phòng họp UBND huyện Phong Điền", "Điểm cầu huyện", Role.remote_room,
     "phongdien"),
    ("phonglocan", "Phòng họp UBND xã Lộc An", "Điểm cầu xã", Role.remote_room, "locan"),
    ("phongloctri", "Phòng họp UBND xã Lộc Trì", "Điểm cầu xã", Role.remote_room, "loctri"),
    ("manhinh", "Màn hình hội trường", "Hội trường tầng 3", Role.observer, "province"),
]

UNITS = [
    ("province", "UBND tỉnh Thừa Thiên Huế", "province", None, "TTH"),
    ("phuloc", "UBND huyện Phú Lộc", "district", "province", "TTH-PL"),
    ("phongdien", "UBND huyện Phong Điền", "district", "province", "TTH-PD"),
    ("locan", "UBND xã Lộc An", "commune", "phuloc", "TTH-PL-LA"),
    ("loctri", "UBND xã Lộc Trì", "commune", "phuloc", "TTH-PL-LT"),
    ("phongan", "UBND xã Phong An", "commune", "phongdien", "TTH-PD-PA"),
]

# (title, days from today, hour, target status, urgent)
MEETINGS = [
    ("Phiên họp thường kỳ UBND tỉnh tháng 12/2026", 10, 8, MeetingStatus.draft, False),
    ("Họp bàn kế hoạch chuyển đổi số năm 2027", 12, 14, MeetingStatus.submitted, False),
    ("Họp về dự toán ngân sách và đầu tư công năm 2027", 8, 8, MeetingStatus.approved, False),
    ("Hội nghị trực tuyến triển khai Chính quyền điện tử 3 cấp", 6, 8, MeetingStatus.published,
     False),
    ("Họp khẩn về phòng chống lụt bão", 0, 14, MeetingStatus.in_session, True),
    ("Họp giao ban kinh tế - xã hội tháng 11/2026", -1, 8, MeetingStatus.adjourned, False),
    ("Phiên họp thường kỳ UBND tỉnh tháng 10/2026", -30, 8, MeetingStatus.closed, False),
]

_PATH = {
    MeetingStatus.draft: [],
    MeetingStatus.submitted: ["submit"],
    MeetingStatus.approved: ["submit", "approve"],
    MeetingStatus.published: ["submit", "approve", "publish"],
    MeetingStatus.in_session: ["submit", "approve", "publish", "start"],
    MeetingStatus.adjourned: ["submit", "approve", "publish", "start", "adjourn"],
    MeetingStatus.closed: ["submit", "approve", "publish", "start", "adjourn", "close"],
}


async def has_demo(session: AsyncSession) -> bool:
    """Whether the demo was already loaded."""
    return await session.scalar(select(User.id).where(User.username == "thuky")) is not None


async def load(session: AsyncSession) -> list[DemoLogin]:
    """Create the demo province, people and meetings (once)."""
    if await has_demo(session):
        return logins()
    unit_ids: dict[str, int] = {}
    for key, name, kind, parent, code in UNITS:
        unit = await units.create_unit(
            session, name=name, kind=kind, parent_id=unit_ids.get(parent or ""), code=code
        )
        unit_ids[key] = unit.id
    people: dict[str, User] = {}
    for username, full_name, title, role, unit_key in PEOPLE:
        people[username] = await accounts.create_user(
            session, username=username, full_name=full_name, password=DEMO_PASSWORD, role=role,
            unit_id=unit_ids[unit_key], title=title,
        )
    secretary, chair = people["thuky"], people["chutich"]
    today = datetime.now(VIETNAM).replace(minute=0, second=0, microsecond=0)
    for index, (title, days, hour, status, urgent) in enumerate(MEETINGS):
        starts_at = (today + timedelta(days=days)).replace(hour=hour)
        # Past meetings were created when they were still ahead.
        created = min(utcnow(), starts_at - timedelta(days=14)) if days < 5 else utcnow()
        meeting = await meetings.create_meeting(
            session, secretary,
            meetings.MeetingInput(
                title=title, unit_id=unit_ids["province"],
                chair_id=chair.id if index % 3 else people["phochutich"].id,
                starts_at=starts_at, ends_at=starts_at + timedelta(hours=3),
                place="Phòng họp số 1, trụ sở UBND tỉnh, 16 Lê Lợi, TP Huế",
                description="Cuộc họp không giấy: tài liệu được gửi trên hệ thống eCabinet.",
                urgent=urgent,
                participants=[
                    (people[u].id, ParticipantRole.delegate)
                    for u in ("phochutich", "daibieu1", "daibieu2", "daibieu3", "daibieu4")
                    if not (u == "phochutich" and index % 3 == 0)
                ] + [(secretary.id, ParticipantRole.secretary),
                     (people["manhinh"].id, ParticipantRole.observer)],
                invited_units=[(unit_ids[k], True) for k in ("phuloc", "phongdien", "locan",
                                                              "loctri")],
            ),
            now=created - timedelta(days=1) if days < 5 else None,
        )
        await add_agenda(session, meeting, people, unit_ids)
        meeting_chair = await session.get(User, meeting.chair_id)
        assert meeting_chair is not None
        for step in _PATH[status]:
            actor = meeting_chair if step == "approve" else secretary
            await conclusions.demo_follow_up(session, meeting.id, step)
            await meetings.transition(session, actor, meeting.id, step,
                                      now=created - timedelta(days=1) if days < 5 else None)
    await live_demo(session, people)
    return logins()


# (title, presenter, minutes) for the urgent meeting, if the agenda has none yet
LIVE_AGENDA = [
    ("Báo cáo nhanh tình hình mưa lũ và công tác ứng phó", "Sở Nông nghiệp và Môi trường", 20),
    ("Phương án sơ tán dân cư vùng trũng thấp, ven biển", "Bộ Chỉ huy Quân sự tỉnh", 30),
    ("Đề xuất hỗ trợ kinh phí khắc phục hậu quả", "Sở Tài chính", 20),
]


async def live_demo(session: AsyncSession, people: dict[str, User]) -> None:
    """The urgent meeting under way: an item on the floor, some present, questions sent."""
    from ecabinet import attendance, live_state, questions
    from ecabinet.models import AgendaItem

    meeting = await meeting_by_status(session, MeetingStatus.in_session)
    if meeting is None:
        return
    items = await live_state.items(session, meeting.id)
    if not items:
        for position, (title, presenter, minutes) in enumerate(LIVE_AGENDA, start=1):
            session.add(AgendaItem(meeting_id=meeting.id, position=position, title=title,
                                   presenter=presenter, planned_minutes=minutes))
        await session.flush()
        items = await live_state.items(session, meeting.id)
    chair = await session.get(User, meeting.chair_id)
    assert chair is not None
    await live_state.set_current_item(session, chair, meeting.id, items[0].id)
    await attendance.check_in(session, people["daibieu3"], meeting.id)
    await attendance.check_in(session, people["phongphuloc"], meeting.id)
    await attendance.respond(session, people["daibieu4"], meeting.id, response="substitute",
                             substitute_name="Lê Văn Tâm",
                             substitute_title="Phó Chủ tịch UBND huyện Phú Lộc")
    asked = await questions.ask(
        session, people["daibieu3"], meeting.id, item_id=items[0].id,
        text="Đề nghị báo cáo rõ số hộ dân bị ngập và số hộ cần di dời khẩn cấp.")
    await questions.support(session, people["phongphuloc"], asked.id)
    await questions.ask(
        session, people["phongphuloc"], meeting.id, item_id=items[-1].id, kind="opinion",
        text="Huyện Phú Lộc đề nghị tỉnh hỗ trợ thêm 02 xuồng cứu hộ cho các xã ven phá Tam Giang.")


def logins() -> list[DemoLogin]:
    """The demo accounts worth printing."""
    return [DemoLogin(u, r.value, n) for u, n, _t, r, _k in PEOPLE]


async def meeting_by_status(session: AsyncSession, status: MeetingStatus) -> Meeting | None:
    """A demo meeting in the given state."""
    return await session.scalar(select(Meeting).where(Meeting.status == status).limit(1))


# -- agenda and documents -------------------------------------------------------------

# The articles the project grew from, where this checkout has them beside it; otherwise
# the texts shipped with the package, written for the demo's agenda.
SEEDS_DIR = Path(os.environ.get("ECABINET_SEEDS_DIR",
                                Path(__file__).resolve().parents[2] / "shared" / "seeds"))
BUNDLED_TEXTS = Path(__file__).resolve().parent / "demo_texts"
# (item title, presenter, minutes, [(seed article, document title, restricted)])
AGENDA = [
    ("Tờ trình về Kế hoạch ứng dụng công nghệ thông tin, phát triển Chính quyền số năm 2027",
     "Giám đốc Sở Thông tin và Truyền thông", 30,
     [(0, "Tờ trình số 215/TTr-STTTT về ứng dụng CNTT phục vụ người dân, doanh nghiệp", False)]),
    ("Báo cáo kinh nghiệm triển khai Chính quyền điện tử liên thông 3 cấp",
     "Chánh Văn phòng UBND tỉnh", 20,
     [(1, "Báo cáo số 87/BC-VP: Chính quyền điện tử liên thông 3 cấp", False),
      (2, "Tài liệu tham khảo: kinh nghiệm huyện Thuận Nam", False)]),
    ("Đề án chuyển đổi số giai đoạn 2026–2030 và kiện toàn Ban Chỉ đạo",
     "Giám đốc Sở Kế hoạch và Đầu tư", 45,
     [(3, "Dự thảo Đề án chuyển đổi số giai đoạn 2026–2030", False),
      (4, "Phương án nhân sự Ban Chỉ đạo chuyển đổi số (tài liệu mật)", True)]),
]
RESTRICTED_READERS = ("daibieu1", "daibieu2")


def _article(index: int) -> tuple[str, list[str]]:
    paths = sorted(SEEDS_DIR.glob("*.txt")) if SEEDS_DIR.is_dir() else []
    paths = paths or sorted(BUNDLED_TEXTS.glob("*.txt"))
    lines = [line.strip() for line in paths[index % len(paths)].read_text("utf-8").splitlines()]
    lines = [line for line in lines if line and not line[:2].isdigit()]
    return lines[0], lines[1:]


@cache
def document_pdf(index: int, title: str) -> bytes:
    """An official-looking Vietnamese PDF (letterhead, title, justified text) from a seed."""
    import pymupdf

    from ecabinet.pdf.fonts import font_file

    heading, paragraphs = _article(index)
    serif, bold = Path(font_file("serif")), Path(font_file("serif-bold"))
    archive = pymupdf.Archive(str(serif.parent))
    if bold.parent != serif.parent:
        archive.add(str(bold.parent))
    css = (f"@font-face {{font-family: vn; src: url({serif.name});}}"
           f"@font-face {{font-family: vn; src: url({bold.name}); font-weight: bold;}}"
           "* {font-family: vn; font-size: 12.5pt; line-height: 1.45;}"
           "p {text-align: justify; text-indent: 1.2cm; margin: 0 0 6pt 0;}"
           "h1 {font-size: 14pt; text-align: center; font-weight: bold; margin: 16pt 0 4pt 0;}"
           "h2 {font-size: 12.5pt; text-align: center; font-weight: bold; margin: 0 0 12pt 0;}"
           ".hdr {font-size: 10.5pt; text-align: center; font-weight: bold;}"
           ".date {text-align: right; font-style: italic; margin: 6pt 0 0 0;}")
    body = (
        "<table width='100%'><tr><td class='hdr'>UBND TỈNH THỪA THIÊN HUẾ<br>"
        "VĂN PHÒNG UBND TỈNH</td><td class='hdr'>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>"
        "Độc lập - Tự do - Hạnh phúc</td></tr></table>"
        "<p class='date'>Thừa Thiên Huế, ngày 16 tháng 11 năm 2026</p>"
        f"<h1>{html.escape(title.upper())}</h1><h2>{html.escape(heading)}</h2>"
        + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    )
    story = pymupdf.Story(html=body, user_css=css, archive=archive)
    out = io.BytesIO()
    writer = pymupdf.DocumentWriter(out)
    page_box = pymupdf.paper_rect("a4")
    frame = pymupdf.Rect(70, 60, page_box.width - 60, page_box.height - 60)
    more = 1
    while more:
        device = writer.begin_page(page_box)
        more, _ = story.place(frame)
        story.draw(device)
        writer.end_page()
    writer.close()
    doc = pymupdf.open("pdf", out.getvalue())
    font = pymupdf.Font(fontfile=str(serif))
    for number in range(1, doc.page_count + 1):
        page = doc[number - 1]
        # Story pages leave their transformation open: balance it before adding text.
        page.wrap_contents()
        text = pymupdf.TextWriter(page.rect)
        text.append((page.rect.width / 2 - 8, page.rect.height - 30), str(number), font=font,
                    fontsize=10)
        text.write_text(page)
    doc.set_metadata({"title": title, "author": "Văn phòng UBND tỉnh Thừa Thiên Huế"})
    doc.subset_fonts()
    data = bytes(doc.tobytes(garbage=3, deflate=True))
    doc.close()
    return data


async def add_agenda(session: AsyncSession, meeting: Meeting, people: dict[str, User],
                     unit_ids: dict[str, int]) -> None:
    """Give a demo meeting its agenda and documents (processed when the node starts)."""
    secretary = people["thuky"]
    for title, presenter, minutes, papers in AGENDA:
        item = await agenda.add_item(session, secretary, meeting.id, agenda.ItemInput(
            title=title, presenter=presenter, presenter_unit_id=unit_ids["province"],
            planned_minutes=minutes))
        for seed, doc_title, restricted in papers:
            doc, _version = await documents.stage_document(
                session, secretary, item.id, document_pdf(seed, doc_title),
                filename=f"{doc_title[:60]}.pdf", title=doc_title)
            if restricted:
                await documents.update_document(
                    session, secretary, doc.id, restricted=True,
                    readers=[people[name].id for name in RESTRICTED_READERS])

