"""A realistic demo province: units, an account for every role, a meeting in every state."""

from __future__ import annotations

import html
import io
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import (
    accounts,
    agenda,
    conclusions,
    demo_consultations,
    documents,
    meetings,
    minutes,
    signatures,
    tasks,
    units,
)
from ecabinet.models import (
    AgendaItem,
    Meeting,
    MeetingStatus,
    ParticipantRole,
    Role,
    Task,
    Unit,
    User,
)
from ecabinet.models.base import utcnow
from ecabinet.signing import ca
from ecabinet.signing.stamp import demo_seal_png
from ecabinet.workdays import VIETNAM, add_working_days

DEMO_MAIL_DOMAIN = "thuathienhue.example"
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
    ("daibieu1", "Phan Thiên Định", "Giám đốc Sở Tài chính", Role.delegate, "stc"),
    ("daibieu2", "Nguyễn Thanh Bình", "Giám đốc Sở Kế hoạch và Đầu tư", Role.delegate, "skhdt"),
    ("daibieu3", "Võ Thị Hồng Nhung", "Giám đốc Sở Thông tin và Truyền thông", Role.delegate,
     "stttt"),
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

# (key, name, kind, parent key, code). The provincial departments (sở, ban, ngành) are
# units like the districts: they present items, receive notices and are given tasks.
UNITS = [
    ("province", "UBND tỉnh Thừa Thiên Huế", "province", None, "TTH"),
    ("vanphong", "Văn phòng UBND tỉnh", "department", "province", "TTH-VP"),
    ("stc", "Sở Tài chính", "department", "province", "TTH-STC"),
    ("skhdt", "Sở Kế hoạch và Đầu tư", "department", "province", "TTH-SKHDT"),
    ("stttt", "Sở Thông tin và Truyền thông", "department", "province", "TTH-STTTT"),
    ("snv", "Sở Nội vụ", "department", "province", "TTH-SNV"),
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
            # A reserved domain (RFC 2606): with ECABINET_SMTP_URL set, nothing reaches anyone.
            # The hall screen's account is a screen, not a person: nobody reads its mail.
            email="" if role == Role.observer else f"{username}@{DEMO_MAIL_DOMAIN}",
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
        # A meeting of the past was held at its scheduled hours, as its minutes say; one of
        # today is held now. Only the preparation is back-dated, to before it was due.
        ends_at = starts_at + timedelta(hours=3)
        held = {"start": starts_at, "adjourn": ends_at, "close": ends_at} if days < 0 else {}
        for step in _PATH[status]:
            actor = meeting_chair if step == "approve" else secretary
            await before_transition(session, meeting.id, step)
            prepared = created - timedelta(days=1) if days < 5 else None
            await meetings.transition(
                session, actor, meeting.id, step,
                now=held.get(step) if step in ("start", "adjourn", "close") else prepared)
    await live_demo(session, people)
    await demo_consultations.load(session, people, unit_ids["province"])
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

    meeting = await meeting_by_status(session, MeetingStatus.in_session)
    if meeting is None:
        return
    items = await live_state.items(session, meeting.id)
    if not items:
        for position, (title, presenter, planned) in enumerate(LIVE_AGENDA, start=1):
            session.add(AgendaItem(meeting_id=meeting.id, position=position, title=title,
                                   presenter=presenter, planned_minutes=planned))
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

# The demo's papers are the texts shipped with the package, written for its agenda; an
# office may point ECABINET_SEEDS_DIR at a folder of its own .txt articles instead.
BUNDLED_TEXTS = Path(__file__).resolve().parent / "demo_texts"
SEEDS_DIR = Path(os.environ.get("ECABINET_SEEDS_DIR", BUNDLED_TEXTS))
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
# The unit that presents an item: the department whose director presents it.
PRESENTER_UNITS = {
    "Giám đốc Sở Thông tin và Truyền thông": "stttt",
    "Chánh Văn phòng UBND tỉnh": "vanphong",
    "Giám đốc Sở Kế hoạch và Đầu tư": "skhdt",
}


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
    for title, presenter, planned, papers in AGENDA:
        item = await agenda.add_item(session, secretary, meeting.id, agenda.ItemInput(
            title=title, presenter=presenter,
            presenter_unit_id=unit_ids[PRESENTER_UNITS.get(presenter, "province")],
            planned_minutes=planned))
        for seed, doc_title, restricted in papers:
            doc, _version = await documents.stage_document(
                session, secretary, item.id, document_pdf(seed, doc_title),
                filename=f"{doc_title[:60]}.pdf", title=doc_title)
            if restricted:
                await documents.update_document(
                    session, secretary, doc.id, restricted=True,
                    readers=[people[name].id for name in RESTRICTED_READERS])


# -- signing keys, minutes and the conclusion notice -----------------------------------

# Demo accounts that get a demo certificate; the chairs' keys also carry the unit's seal.
# The office and chairs sign minutes and notices; the members their ballot papers.
DEMO_SIGNERS = ("thuky", "chutich", "phochutich", "daibieu1", "daibieu2", "daibieu3",
                "daibieu4")
DEMO_PASSPHRASE = b"demo12345"
KEY_LABEL = "Khóa thử nghiệm (demo)"
# (item index, task, responsible unit code or username, days after the meeting, deliverable):
# a notice gives tasks to units (a department, a district), as the signed paper names them.
CONCLUSION_TASKS = (
    (0, "Hoàn thiện hạ tầng kết nối phòng họp trực tuyến đến 100% UBND cấp xã", "TTH-PL", 10,
     "Báo cáo kết quả kết nối"),
    (0, "Rà soát, cập nhật danh mục thủ tục hành chính thực hiện trực tuyến toàn trình",
     "TTH-STTTT", 20, "Danh mục thủ tục được cập nhật"),
    (1, "Xây dựng kế hoạch đào tạo kỹ năng số cho cán bộ, công chức cấp xã", "TTH-PD", 45,
     "Dự thảo Kế hoạch đào tạo"),
    (2, "Tham mưu kiện toàn Ban Chỉ đạo chuyển đổi số tỉnh", "TTH-SKHDT", 12,
     "Dự thảo Quyết định kiện toàn"),
)
MINUTES_SUMMARY = (
    "Chủ trì đánh giá cao sự chuẩn bị của các sở, ngành; yêu cầu các địa phương "
    "khẩn trương hoàn thành các nhiệm vụ chuyển đổi số được giao trong năm 2026.")
ITEM_TEXT = "Thống nhất với nội dung trình; giao các đơn vị triển khai như sau:"
# The unit secretary who reports on the notice's first task, and what they report.
REPORTER = "thukyphuloc"
PROGRESS_NOTE = "Đã kết nối 12/15 xã; 3 xã đang lắp đặt thiết bị."
DELIVERABLE_NOTE = "Đã hoàn thành kết nối 15/15 xã; gửi kèm báo cáo số 112/BC-UBND."


@cache
def _authority() -> tuple[ca.IssuedCertificate, ca.IssuedCertificate]:
    # One demo CA per process: every demo database then trusts the same root.
    root = ca.create_root_ca()
    return root, ca.create_intermediate_ca(root)


@cache
def _keystore(common_name: str, organization: str
              ) -> tuple[bytes, x509.Certificate, tuple[x509.Certificate, ...]]:
    root, intermediate = _authority()
    issued = ca.issue_signer_certificate(
        intermediate, common_name=common_name, organization=organization
    )
    chain = (intermediate.certificate, root.certificate)
    return ca.pkcs12_bytes(issued, DEMO_PASSPHRASE, chain=chain), issued.certificate, chain


@cache
def _seal(organization: str) -> bytes:
    return demo_seal_png(organization.upper())


async def create_signing_keys(session: AsyncSession, unit_names: dict[int, str]) -> None:
    """A demo CA (trusted) and a PKCS#12 for each demo signer; passphrase demo12345."""
    root, _ = _authority()
    if not await signatures.is_trusted_root(session, root.certificate):
        await signatures.add_trust_root(session, None, root.certificate.public_bytes(
            serialization.Encoding.PEM))
    users = (await session.scalars(select(User).where(User.username.in_(DEMO_SIGNERS)))).all()
    for user in users:
        if await signatures.active_key(session, user.id) is not None:
            continue
        organization = unit_names.get(user.unit_id or 0, "")
        store, certificate, chain = _keystore(user.full_name, organization)
        await signatures.configure_issued_pkcs12(
            session, None, user.id, store, certificate, chain, label=KEY_LABEL,
            seal_png=_seal(organization) if user.role == Role.chair else None, demo=True)


async def before_transition(session: AsyncSession, meeting_id: int, step: str) -> None:
    """Called before each transition the demo takes: keys first, and what closing needs.

    The first call creates the demo signing keys and trusts the demo CA; before "close"
    the meeting gets its signed minutes and its conclusion notice.
    """
    names = {u.id: u.name for u in (await session.scalars(select(Unit))).all()}
    await create_signing_keys(session, names)
    if step == "close":
        await minutes_and_notice(session, meeting_id)


async def minutes_and_notice(session: AsyncSession, meeting_id: int) -> None:
    """What closing a demo meeting needs: signed minutes and an issued notice with tasks.

    The minutes are drafted, approved and signed by secretary and chair; the notice's
    tasks are some handed in, some overdue.
    """
    meeting = await session.get(Meeting, meeting_id)
    assert meeting is not None
    secretary = await session.get(User, meeting.created_by_id)
    chair = await session.get(User, meeting.chair_id)
    assert secretary is not None and chair is not None
    secret = DEMO_PASSPHRASE.decode()
    drafted = await minutes.draft(session, secretary, meeting_id)
    await minutes.update(session, secretary, meeting_id, [
        {**s, "summary": MINUTES_SUMMARY} if s["key"] == "summary" else dict(s)
        for s in drafted.sections])
    await minutes.submit(session, secretary, meeting_id)
    await minutes.approve(session, chair, meeting_id)
    await minutes.sign(session, secretary, meeting_id, secret=secret)
    await minutes.sign(session, chair, meeting_id, secret=secret)

    notice = await conclusions.create(session, secretary, meeting_id)
    draft = await conclusions.view(session, notice)
    all_units = (await session.scalars(select(Unit))).all()
    codes = {u.code: u.id for u in all_units if u.code}
    people = {u.username: u.id for u in (await session.scalars(select(User))).all()}
    day = await meetings.held_day(session, meeting)
    items = [conclusions.ItemInput(id=i["id"], agenda_item_id=i["agenda_item_id"],
                                   title=i["title"], text=ITEM_TEXT)
             for i in draft["items"]]
    # The notice goes to the invited localities and to the departments concerned: those
    # that presented an item and those given a task.
    departments = {u.id for u in all_units if u.kind == units.UnitKind.department}
    presenting = await session.scalars(select(AgendaItem.presenter_unit_id).where(
        AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position))
    recipients = [r["id"] for r in draft["recipients"]]
    recipients += [u for u in presenting if u in departments]
    for index, content, who, days, deliverable in CONCLUSION_TASKS:
        items[min(index, len(items) - 1)].tasks.append(conclusions.TaskInput(
            content=content, deadline=add_working_days(day, days), deliverable=deliverable,
            responsible_unit_id=codes.get(who), responsible_user_id=people.get(who)))
        recipients += [codes[who]] if codes.get(who) in departments else []
    await conclusions.save(session, secretary, meeting_id, conclusions.ConclusionInput(
        summary=draft["summary"], opening=draft["opening"], closing=draft["closing"],
        items=items, recipient_unit_ids=list(dict.fromkeys(recipients))))
    await conclusions.submit(session, secretary, meeting_id)
    issued = await conclusions.sign(session, chair, meeting_id, secret=secret)
    first = await session.scalar(select(Task).where(Task.conclusion_id == issued.id)
                                 .order_by(Task.id).limit(1))
    reporter = await session.scalar(select(User).where(User.username == REPORTER))
    if first is not None and reporter is not None:
        await tasks.report_progress(session, reporter, first.id, progress=70,
                                    note=PROGRESS_NOTE)
        await tasks.submit_deliverable(session, reporter, first.id, note=DELIVERABLE_NOTE)
