"""Who may call each HTTP route: the app's router against a table of who may do what.

`ROUTES` holds one entry per (method, path template) exactly as the app's router holds them
(Mounts with sub-routes are listed route by route, others as ("MOUNT", path)). A route the
router has and the table lacks, or an entry naming a route that is gone, fails
`test_every_route_has_an_entry`: a new route cannot ship without someone writing down who may
call it.

Every route is then called by every actor, with its path filled with the ids of one small
province's objects (a meeting in session with its agenda, documents, annotations, questions,
speaker queue, polls and recording; an adjourned meeting with minutes and a conclusion notice
awaiting signatures; an issued task with a handed-in file; signing keys, units, accounts):

* an actor not in the entry's `who` is refused: 401, 403 or 404, never a success, never a
  server error; the anonymous visitor gets 401 on every route that needs a login;
* an actor in `hidden` (who may not know the object exists: by default the two outsiders,
  a delegate of another meeting and a secretary of another unit) gets exactly the status and
  error code of the same request with the object's id replaced by one that names nothing:
  "not found" alike for absent and not-yours;
* an actor in `who` is not refused: no 401 or 403, no server error, and not the answer an
  absent id gets (it may still get 404/409/422 for reasons of state or body).

All refusals are checked first (`test_refused`, for every route), then what the allowed actors
do (`test_allowed`), so a change an allowed actor makes cannot hide a later refusal; routes
whose allowed call destroys or moves its object (`fresh=`) get a new object per actor.

To add a route: add `(METHOD, "/path/{with:converters}"): case(WHO, params, send, ...)` in the
feature's block of ROUTES. `WHO` is one of the sets below (or a union); `params` fills the path
from the fixture (`Fx`); `send` gives the body (JSON, multipart, query) a caller would send.
Routes whose object only some members may see name them in `hidden=`.

One app and one SQLite database serve the whole module (authorisation does not depend on the
backend; the domain tests run on both).
"""

from __future__ import annotations

import inspect
import itertools
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.routing import Mount, Route

from ecabinet import (
    accounts,
    agenda,
    api_tokens,
    attendance,
    calendar_feed,
    conclusions,
    db,
    documents,
    meetings,
    minutes,
    questions,
    signatures,
    speakers,
    tasks,
    units,
    voting,
    webhooks,
)
from ecabinet import annotations as overlays
from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.consultations import approval, closing, prepare, replies
from ecabinet.models import (
    AgendaItem,
    Conclusion,
    ConclusionItem,
    ConclusionStatus,
    ConsultationQuestion,
    DeliveryStatus,
    Meeting,
    MeetingStatus,
    ParticipantRole,
    Task,
    TaskReport,
    TaskStatus,
    User,
    WebhookDelivery,
)
from ecabinet.models.base import utcnow
from ecabinet.signing import ca
from tests.conftest import (
    PASSWORD,
    TEST_ARGON2,
    Client,
    World,
    build_world,
    create_database,
    future,
)
from tests.documents.office import docx
from tests.documents.pdfs import agenda_pdf
from tests.live_meeting.conftest import build_hall

pytestmark = pytest.mark.asyncio(loop_scope="module")

# -- who is who ------------------------------------------------------------------------

# The accounts of tests.conftest.build_world; "anonymous" has no login at all.
ACTORS = ("anonymous", "outsider", "district_secretary", "admin", "observer", "room",
          "delegate2", "delegate", "chair", "secretary")
PUBLIC = frozenset(ACTORS)
LOGGED_IN = PUBLIC - {"anonymous"}
# The meeting's own people: "secretary" made it and manages it (its unit is the province).
MEMBERS = frozenset({"secretary", "chair", "delegate", "delegate2", "room", "observer"})
# meetings.can_view: members, managing secretaries and admins see a meeting.
VIEWERS = MEMBERS | {"admin"}
PRESIDING = frozenset({"secretary", "chair"})  # live_state.presides
MANAGING = frozenset({"secretary"})  # meetings.can_manage
CHAIR = frozenset({"chair"})
TAKE_PART = frozenset({"chair", "delegate", "delegate2", "room"})  # live_state.takes_part
VOTERS = frozenset({"chair", "delegate", "delegate2"})  # voting members, checked in
ADMIN = frozenset({"admin"})
SECRETARIES = frozenset({"secretary", "district_secretary"})
# A consultation of the province: asked are its chairs and delegates; its office (the
# province's secretary), its chair and admins see it from the draft on.
CONSULTED = frozenset({"chair", "delegate", "delegate2"})
OFFICE = frozenset({"secretary", "chair", "admin"})
REPORTERS = frozenset({"admin", "secretary", "district_secretary", "chair"})
NOBODY: frozenset[str] = frozenset()
# A delegate of another meeting and a secretary of another unit: they may not know that
# the meeting, or anything in it, exists.
OUTSIDERS = frozenset({"outsider", "district_secretary"})
# The issued task's followers: the responsible person, the meeting's office and chair, admins.
TASK_VIEW = frozenset({"delegate", "secretary", "chair", "admin"})
# The restricted document: its office and its one named reader know it exists.
READERS = frozenset({"secretary", "delegate"})
NOT_READERS = LOGGED_IN - READERS

ABSENT = 999_999
ABSENT_RECORDING = "20000101T000000Z.mkv"
RECORDING = "20261130T010203Z.mkv"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
REFUSED = (401, 403, 404)


# -- the province ----------------------------------------------------------------------


@dataclass
class Fx:
    """The app, one logged-in client per actor, and the ids every route is filled with."""

    app: Any
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    world: World
    clients: dict[str, Client] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=itertools.count)
    pdf: bytes = b""

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["ids"][name]
        except KeyError:
            raise AttributeError(name) from None

    def user(self, name: str) -> User:
        return self.world[name]

    def n(self) -> int:
        return next(self.counter)

    async def run(self, name: str, action: Callable[[AsyncSession, User], Awaitable[Any]]) -> Any:
        """`action(session, user)` as that user, in one transaction."""
        async with db.transaction(self.sessions) as session:
            user = await session.get(User, self.world[name].id)
            assert user is not None
            return await action(session, user)

    async def client(self, actor: str) -> Client:
        """A new client, logged in as `actor` unless anonymous."""
        client = Client(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver")
        if actor != "anonymous":
            response = await client.login(actor)
            assert response.status_code == 200, response.text
        return client

    # -- fresh objects, for calls that destroy or move the one they act on ---------------

    async def new_item(self) -> int:
        item = await self.run("secretary", lambda s, u: agenda.add_item(
            s, u, self.m, agenda.ItemInput(title=f"Mục bổ sung {self.n()}")))
        return int(item.id)

    async def new_document(self, item_id: int | None = None) -> tuple[int, int]:
        library = self.app.starlette.state.library
        temp = library.incoming()
        temp.write_bytes(self.pdf)
        accepted = await library.accept(temp, "to-trinh.pdf")
        doc, version = await self.run("secretary", lambda s, u: documents.add_document(
            s, u, item_id or self.items[0], accepted))
        library.submit(version.id)
        await library.drain()
        return int(doc.id), int(version.id)

    async def new_note(self, *, shared: bool = False) -> int:
        note = await self.run("delegate", lambda s, u: overlays.add_annotation(
            s, u, self.doc, version_id=self.version, page=1, kind="note",
            data={"x": 0.2, "y": 0.3, "text": f"Ghi chú {self.n()}"}, shared=shared))
        return int(note.id)

    async def new_unit(self) -> int:
        unit = await self.run("admin", lambda s, u: units.create_unit(
            s, name=f"Phòng thử {self.n()}", kind="department", parent_id=self.world.province))
        return int(unit.id)

    async def new_meeting(self) -> int:
        hall = await build_hall(self.sessions, self.world, extra_voters=0)
        return hall.meeting_id

    async def new_published_meeting(self) -> int:
        """A hall meeting set back to published, three days ahead: one to postpone."""
        meeting_id = await self.new_meeting()
        async with db.transaction(self.sessions) as s:
            found = await s.get(Meeting, meeting_id)
            assert found is not None
            found.status = MeetingStatus.published
            found.starts_at = utcnow() + timedelta(days=3)
        return meeting_id

    async def new_draft_poll(self) -> int:
        poll = await self.run("secretary", lambda s, u: voting.create_poll(
            s, u, self.m, voting.PollInput(question=f"Biểu quyết thử {self.n()}")))
        return int(poll.id)

    async def new_question(self) -> int:
        question = await self.run("delegate2", lambda s, u: questions.ask(
            s, u, self.m, text=f"Đề nghị làm rõ số liệu {self.n()}", item_id=self.items[0]))
        return int(question.id)

    async def new_task(self, status: TaskStatus = TaskStatus.assigned) -> int:
        async with db.transaction(self.sessions) as s:
            task = Task(meeting_id=self.t, conclusion_id=self.notice, item_id=self.notice_item,
                        position=self.n(), content="Báo cáo tiến độ giải ngân",
                        deadline=date.today() + timedelta(days=30), status=status,
                        deliverable="Báo cáo", responsible_user_id=self.world["delegate"].id)
            s.add(task)
            await s.flush()
            return int(task.id)

    async def new_consultation(self, stage: str = "draft", *, signed: bool = False) -> int:
        """A consultation of the province to its members: a draft, or submitted, sent or
        closed; `signed`: its replies are signed ballot papers."""
        made = await self.run("secretary", lambda s, u: prepare.create(
            s, u, prepare.ConsultationInput(
                title=f"Lấy ý kiến thử {self.n()}", unit_id=self.world.province,
                chair_id=self.world["chair"].id, signed_replies=signed,
                questions=[prepare.QuestionInput("Thông qua dự thảo?")])))
        if stage in ("submitted", "sent", "closed"):
            await self.run("secretary", lambda s, u: approval.submit(s, u, made.id))
        if stage in ("sent", "closed"):
            await self.run("chair", lambda s, u: approval.approve(s, u, made.id))
        if stage == "closed":
            await self.run("secretary", lambda s, u: closing.close_early(s, u, made.id))
        return int(made.id)

    async def new_webhook(self) -> int:
        # task.overdue: a webhook only the hourly sweep would ever send to.
        made = await self.run("admin", lambda s, u: webhooks.register(
            s, u, "http://127.0.0.1:9/ma-tran", ["task.overdue"]))
        return int(made.id)

    async def waiting_order(self) -> list[int]:
        state = await self.run("chair", lambda s, u: speakers.state(s, self.m))
        return [r["id"] for r in state["queue"]]

    async def agenda_order(self) -> list[int]:
        async with self.sessions() as s:
            return list((await s.scalars(
                select(AgendaItem.id).where(AgendaItem.meeting_id == self.m)
                .order_by(AgendaItem.position, AgendaItem.id))).all())


def _settings(url: str, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=url,
                    secret_key="matrix-secret-" + secrets.token_hex(8), render_widths=(480,),
                    pdf_workers=1, login_rate_per_minute=10_000, **TEST_ARGON2)


async def _build(fx: Fx) -> None:
    """Every object the routes act on."""
    w, ids, sessions = fx.world, fx.ids, fx.sessions
    fx.pdf = agenda_pdf(2, marker="ma-tran")

    # The meeting in session: chair, two delegates, an observer, a remote room (the commune).
    hall = await build_hall(sessions, w, extra_voters=0)
    ids["m"], ids["items"] = hall.meeting_id, hall.items
    # Another meeting, where "outsider" is a delegate.
    other = await fx.run("secretary", lambda s, u: meetings.create_meeting(
        s, u, meetings.MeetingInput(
            title="Họp giao ban huyện Phong Điền", unit_id=w.province, chair_id=w["chair2"].id,
            starts_at=future(12), participants=[(w["outsider"].id, ParticipantRole.delegate)])))
    ids["o"] = other.id
    for name in ("chair", "delegate", "delegate2"):
        await fx.run(name, lambda s, u: attendance.check_in(s, u, fx.m))
    await fx.run("room", lambda s, u: attendance.check_in(s, u, fx.m, remote=True))

    # Documents: one for everyone, one restricted to "delegate"; annotations of "delegate".
    ids["doc"], ids["version"] = await fx.new_document()
    library = fx.app.starlette.state.library
    temp = library.incoming()
    temp.write_bytes(agenda_pdf(1, marker="mat"))
    accepted = await library.accept(temp, "mat.pdf")
    rdoc, rversion = await fx.run("secretary", lambda s, u: documents.add_document(
        s, u, fx.items[0], accepted, restricted=True, readers=[w["delegate"].id]))
    library.submit(rversion.id)
    await library.drain()
    ids["rdoc"], ids["rversion"] = rdoc.id, rversion.id
    # A Word draft, converted to PDF: its kept original has a route of its own.
    temp = library.incoming()
    temp.write_bytes(docx("Kế hoạch phát triển kinh tế – xã hội năm 2027"))
    accepted = await library.accept(temp, "ke-hoach.docx")
    sdoc, sversion = await fx.run("secretary", lambda s, u: documents.add_document(
        s, u, fx.items[0], accepted))
    library.submit(sversion.id)
    await library.drain()
    ids["sdoc"], ids["sversion"] = sdoc.id, sversion.id
    ids["note"] = await fx.new_note()
    ids["shared_note"] = await fx.new_note(shared=True)
    ids["spare_note"] = await fx.new_note()
    ids["spare_doc"], _ = await fx.new_document()
    ids["spare_item"] = await fx.new_item()

    # A calendar feed address of someone no actor is: renewing one's own leaves it alive.
    ids["feed_token"] = await fx.run("chair2", calendar_feed.renew)

    # A service account of the province office with a token, for the admin's routes.
    service = await fx.run("admin", lambda s, u: api_tokens.create_account(
        s, u, username="eoffice", full_name="Hệ thống eOffice", role="secretary",
        unit_id=w.province))
    ids["service"] = service.id
    token, _secret = await fx.run("admin", lambda s, u: api_tokens.issue(
        s, u, service.id, name="Đồng bộ", scopes=["meetings:read"],
        expires_on=date.today() + timedelta(days=30)))
    ids["api_token"] = token.id

    # Questions and the speaker queue.
    ids["q"] = await fx.new_question()
    ids["q2"] = await fx.new_question()
    hand = await fx.run("delegate2", lambda s, u: speakers.request(s, u, fx.m))
    ids["sr"] = hand.id

    # Polls: closed named and secret ones, a draft, and the open one.
    for key, visibility in (("pc", "named"), ("ps", "secret")):
        poll = await fx.run("secretary", lambda s, u, v=visibility: voting.create_poll(
            s, u, fx.m, voting.PollInput(question=f"Thông qua tờ trình ({v})?", visibility=v)))
        await fx.run("secretary", lambda s, u, p=poll.id: voting.open_poll(s, u, p))
        for n, name in enumerate(("chair", "delegate")):
            await fx.run(name, lambda s, u, p=poll.id, n=n, k=key: voting.cast(
                s, u, p, n, f"matrix-{k}-{u.id:06d}-ballot"))
        await fx.run("secretary", lambda s, u, p=poll.id: voting.close_poll(s, u, p))
        ids[key] = poll.id
    ids["pd"] = await fx.new_draft_poll()
    ids["po"] = await fx.new_draft_poll()
    await fx.run("secretary", lambda s, u: voting.open_poll(s, u, fx.po))

    # A recording of the floor stream.
    folder = fx.settings.data_dir / "recordings" / str(fx.m)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RECORDING).write_bytes(b"\x1aE\xdf\xa3 matroska")
    ids["recording"] = RECORDING

    # An adjourned meeting: minutes approved, conclusion notice sent for signature.
    record = await build_hall(sessions, w, extra_voters=0)
    ids["r"] = record.meeting_id
    await fx.run("secretary", lambda s, u: meetings.transition(s, u, fx.r, "adjourn"))
    await fx.run("secretary", lambda s, u: minutes.draft(s, u, fx.r))
    await fx.run("secretary", lambda s, u: minutes.submit(s, u, fx.r))
    await fx.run("chair", lambda s, u: minutes.approve(s, u, fx.r))
    await fx.run("secretary", lambda s, u: conclusions.create(s, u, fx.r))
    await fx.run("secretary", lambda s, u: conclusions.save(s, u, fx.r, conclusions.ConclusionInput(
        summary="Kết luận của Chủ tịch", opening="", closing="",
        items=[conclusions.ItemInput(title="Phương án sơ tán", text="Giao Sở chủ trì.")])))
    await fx.run("secretary", lambda s, u: conclusions.submit(s, u, fx.r))

    # An issued notice with a task for "delegate": one open, one handed in with a file.
    follow = await build_hall(sessions, w, extra_voters=0)
    ids["t"] = follow.meeting_id
    await fx.run("secretary", lambda s, u: meetings.transition(s, u, fx.t, "adjourn"))
    async with db.transaction(sessions) as s:
        notice = Conclusion(meeting_id=fx.t, unit_id=w.province, status=ConclusionStatus.issued,
                            number="07/TB-UBND", summary="Kết luận", due_date=date.today())
        s.add(notice)
        await s.flush()
        item = ConclusionItem(conclusion_id=notice.id, title="Giải ngân vốn đầu tư công")
        s.add(item)
        await s.flush()
        ids["notice"], ids["notice_item"] = notice.id, item.id
    ids["task"] = await fx.new_task()
    ids["done_task"] = await fx.new_task()
    await fx.run("delegate", lambda s, u: tasks.submit_deliverable(
        s, u, fx.done_task, note="Đã nộp", upload=tasks.Upload("bao-cao.txt", "text/plain",
                                                               b"Bao cao tien do"),
        files_dir=fx.settings.data_dir / "task_files", max_bytes=1_000_000))
    async with fx.sessions() as s:
        ids["report"] = await s.scalar(select(TaskReport.id).where(
            TaskReport.task_id == fx.done_task, TaskReport.file_sha != ""))

    # A trusted root and a signing key (of "chair2", who is in none of these meetings).
    root = ca.create_root_ca(key_size=2048)
    issued = ca.issue_signer_certificate(root, common_name=w["chair2"].full_name,
                                         organization="UBND tỉnh Thừa Thiên Huế")
    store = ca.pkcs12_bytes(issued, b"khoa-thu", chain=(root.certificate,))
    async with db.transaction(sessions) as s:
        admin = await s.get(User, w["admin"].id)
        trusted = await signatures.add_trust_root(s, admin, ca.certificate_pem(root.certificate))
        signer = await signatures.configure_pkcs12(s, admin, w["chair2"].id, store, "khoa-thu")
        ids["root"], ids["key"] = trusted.id, signer.id
        member = ca.issue_signer_certificate(root, common_name=w["delegate"].full_name,
                                             organization="UBND tỉnh Thừa Thiên Huế")
        await signatures.configure_pkcs12(
            s, admin, w["delegate"].id,
            ca.pkcs12_bytes(member, b"khoa-thu", chain=(root.certificate,)), "khoa-thu")

    # Written consultations: a draft, one waiting for the chair, one the members answer.
    ids["cd"] = await fx.new_consultation()
    ids["cs"] = await fx.new_consultation("submitted")
    ids["co"] = await fx.new_consultation("sent")
    async with sessions() as s:
        ids["co_question"] = await s.scalar(select(ConsultationQuestion.id).where(
            ConsultationQuestion.consultation_id == fx.co))
    # One closed, to report on; one whose replies are signed, with the delegate's paper.
    ids["cc"] = await fx.new_consultation("closed")
    ids["csig"] = await fx.new_consultation("sent", signed=True)
    async with sessions() as s:
        question = await s.scalar(select(ConsultationQuestion.id).where(
            ConsultationQuestion.consultation_id == fx.csig))
    given = [replies.AnswerInput(question, 0)]

    async def signed_reply(s: AsyncSession, u: User) -> None:
        made = await replies.sign_paper(s, u, fx.csig, given, "route-matrix-signed",
                                        "khoa-thu")
        await replies.reply(s, u, fx.csig, given, "route-matrix-signed", signed=made)

    await fx.run("delegate", signed_reply)

    # Accounts and units to change.
    ids["spare_unit"] = await fx.new_unit()
    async with db.transaction(sessions) as s:
        spare = await accounts.create_user(s, username="spare", full_name="Trần Thị Dự Phòng",
                                           password=PASSWORD, role="delegate",
                                           unit_id=w.province)
        ids["spare_user"] = spare.id

    # A webhook with one delivery, given up long ago (so nothing sends it).
    ids["webhook"] = await fx.new_webhook()
    async with db.transaction(sessions) as s:
        given_up = WebhookDelivery(webhook_id=fx.webhook, event="task.overdue", key="ma-tran",
                                   body="{}", status=DeliveryStatus.failed, attempts=1)
        s.add(given_up)
        await s.flush()
        ids["delivery"] = given_up.id


@pytest.fixture(scope="module")
def matrix_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    tmp = tmp_path_factory.mktemp("matrix")
    url, _ = create_database("sqlite", tmp)
    return url, tmp


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fx(matrix_db: tuple[str, Path]) -> AsyncIterator[Fx]:
    url, tmp = matrix_db
    settings = _settings(url, tmp / "data")
    app = create_app(settings)
    starlette = app.starlette
    async with starlette.router.lifespan_context(starlette):
        sessions = starlette.state.sessions
        world = await build_world(sessions)
        fx = Fx(app, settings, sessions, world)
        await _build(fx)
        for actor in ACTORS:
            fx.clients[actor] = await fx.client(actor)
        try:
            yield fx
        finally:
            for client in fx.clients.values():
                await client.aclose()
            signatures.shutdown_worker()


# -- the table -------------------------------------------------------------------------

Params = Callable[[Fx], dict[str, Any]]
Fresh = Callable[[Fx, str], Awaitable[dict[str, Any]]]
Send = Callable[[Fx, str], Any]  # -> httpx keyword arguments (or an awaitable of them)
After = Callable[[Fx, str], Awaitable[Any]]
FIRST_INT = "<first int>"


@dataclass(frozen=True)
class Case:
    """Who may make one request, and how to make it."""

    who: frozenset[str]
    params: Params
    send: Send | None = None
    hidden: frozenset[str] = OUTSIDERS
    probe: str | Callable[[Fx], dict[str, Any]] | None = FIRST_INT
    fresh: Fresh | None = None  # path params for an allowed actor (a new object each)
    after: After | None = None  # undo what an allowed actor's call changed
    label: str = ""
    client: str = ""  # "login": a fresh client logged in as the actor; "anonymous": none
    url: str = ""  # a fixed URL (mounts without routes)


def case(who: frozenset[str] | set[str], params: Params | None = None, send: Send | None = None,
         *, hidden: frozenset[str] | set[str] | None = None, **kwargs: Any) -> Case:
    """An entry: `who` may; `hidden` (default: the outsiders not in `who`) may not know
    the object exists."""
    who = frozenset(who)
    return Case(who, params or (lambda fx: {}), send,
                OUTSIDERS - who if hidden is None else frozenset(hidden), **kwargs)


def meeting(fx: Fx) -> dict[str, Any]:
    return {"id": fx.m}


def record(fx: Fx) -> dict[str, Any]:
    return {"id": fx.r}


def body(data: dict[str, Any] | Callable[[Fx], dict[str, Any]]) -> Send:
    return lambda fx, actor: {"json": data(fx) if callable(data) else data}


def query(**values: Any) -> Send:
    return lambda fx, actor: {"params": {k: v(fx) if callable(v) else v
                                         for k, v in values.items()}}


def pdf_upload(fx: Fx, actor: str) -> dict[str, Any]:
    return {"files": {"file": ("to-trinh.pdf", fx.pdf, "application/pdf")}}


def meeting_body(fx: Fx, actor: str) -> dict[str, Any]:
    unit = fx.world.district if actor == "district_secretary" else fx.world.province
    return {"json": {
        "title": "Kỳ họp chuyên đề về phòng chống thiên tai", "unit_id": unit,
        "chair_id": fx.user("chair").id, "starts_at": future(10).isoformat(),
        "place": "Hội trường tầng 3",
        "participants": [{"user_id": fx.user(n).id, "role": r} for n, r in (
            ("delegate", "delegate"), ("delegate2", "delegate"), ("observer", "observer"))],
        "invited_units": [{"unit_id": fx.world.commune, "remote": True}],
    }}


def page(fx: Fx) -> dict[str, Any]:
    return {"doc_id": fx.doc, "version_id": fx.version, "page": 1}


def restricted(fx: Fx) -> dict[str, Any]:
    return {"doc_id": fx.rdoc}


def restricted_page(fx: Fx) -> dict[str, Any]:
    return {"doc_id": fx.rdoc, "version_id": fx.rversion, "page": 1}


def checkin_token(fx: Fx, meeting_id: int) -> dict[str, Any]:
    token = attendance._qr_serializer(fx.settings.secret_key).dumps({"m": meeting_id})
    return {"json": {"token": token}}


async def check_in_again(fx: Fx, actor: str) -> None:
    await fx.run(actor, lambda s, u: attendance.check_in(s, u, fx.m, remote=actor == "room"))


def fresh(make: Callable[[Fx], Awaitable[Any]], name: str) -> Fresh:
    async def params(fx: Fx, actor: str) -> dict[str, Any]:
        return {name: await make(fx)}
    return params


async def fresh_meeting(fx: Fx, actor: str) -> dict[str, Any]:
    return {"id": await fx.new_meeting(), "name": "adjourn"}


async def fresh_question_pair(fx: Fx, actor: str) -> dict[str, Any]:
    return {"qid": await fx.new_question()}


async def fresh_doc(fx: Fx) -> int:
    doc, _ = await fx.new_document()
    return doc


MINUTES_SECTIONS = {"sections": [{"heading": "Nội dung", "paragraphs": ["Đoạn một."]}]}
CONCLUSION_BODY = {"summary": "Kết luận của Chủ tịch",
                   "items": [{"title": "Phương án sơ tán", "text": "Giao Sở chủ trì."}]}
POLL_BODY = {"question": "Thông qua phương án sơ tán dân cư?"}

ROUTES: dict[tuple[str, str], Case | list[Case]] = {
    # -- health, the UI, routes that are not routes -----------------------------------
    ("GET", "/healthz"): case(PUBLIC),
    # -- calendar feeds ------------------------------------------------------------------
    ("GET", "/api/calendar/feed"): case(LOGGED_IN),
    ("POST", "/api/calendar/feed"): case(LOGGED_IN),
    ("DELETE", "/api/calendar/feed"): case(LOGGED_IN),
    # The address is the secret: anyone holding it reads it; a wrong one finds nothing.
    ("GET", "/calendar/{token}.ics"): case(PUBLIC, lambda fx: {"token": fx.feed_token}),
    # -- accounts from a spreadsheet -------------------------------------------------------
    ("POST", "/api/import/accounts"): case(ADMIN, send=lambda fx, a: {
        "params": {"dry_run": "true"},
        "files": {"file": ("tk.csv", "Tên đăng nhập,Họ và tên,Vai trò\nmoi1,Lê Mới,Đại biểu\n",
                           "text/csv")}}),
    ("GET", "/api/import/template.xlsx"): case(ADMIN),
    # -- the audit log --------------------------------------------------------------------
    ("GET", "/api/audit"): case(ADMIN),
    ("GET", "/api/audit/check"): case(ADMIN),
    ("GET", "/api/audit.csv"): case(ADMIN),
    # Statistics: administrators, and each unit's secretaries and chairs for their own.
    ("GET", "/api/reports/statistics"): case(REPORTERS),
    ("GET", "/api/reports/statistics.xlsx"): case(REPORTERS),
    ("GET", "/api/reports/statistics.pdf"): case(REPORTERS),
    # -- a person's email ----------------------------------------------------------------
    ("GET", "/api/me/mail"): case(LOGGED_IN),
    ("PUT", "/api/me/mail"): case(LOGGED_IN, send=lambda fx, a: {"json": {"off": ["tasks"]}}),
    # Everyone may change their own password; a wrong current one (422) proves the way in
    # without changing anybody's.
    ("POST", "/api/me/password"): case(LOGGED_IN, send=body(
        {"current_password": "khong-dung", "new_password": "mat-khau-moi-2027"})),
    # -- service accounts and API tokens -------------------------------------------------
    ("GET", "/api/service-accounts"): case(ADMIN),
    ("POST", "/api/service-accounts"): case(ADMIN, send=lambda fx, a: {"json": {
        "username": f"lgsp{fx.n()}", "full_name": "Trục LGSP", "role": "observer"}}),
    ("POST", "/api/service-accounts/{id:int}/tokens"): case(
        ADMIN, lambda fx: {"id": fx.service}, body({
            "name": "Thử", "scopes": ["tasks:read"],
            "expires_on": (date.today() + timedelta(days=10)).isoformat()}), hidden=NOBODY),
    ("DELETE", "/api/api-tokens/{id:int}"): case(
        ADMIN, lambda fx: {"id": fx.api_token}, hidden=NOBODY),
    ("GET", "/openapi.json"): case(PUBLIC),
    # Open to loopback and ECABINET_METRICS_ALLOW only (tests/operations/test_metrics.py).
    ("GET", "/metrics"): case(PUBLIC),
    ("GET", "/sw.js"): case(PUBLIC),
    ("GET", "/manifest.webmanifest"): case(PUBLIC),
    ("GET", "/"): case(PUBLIC),
    ("GET", "/{path:path}"): case(PUBLIC, lambda fx: {"path": f"meetings/{fx.m}"}),
    ("MOUNT", "/static"): case(PUBLIC, url="/static/js/live.js"),
    **{(method, "/api/{path:path}"): case(NOBODY, lambda fx: {"path": "khong-co"})
       for method in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    # Node-to-node SFU signalling: the nodes' shared token, never a login.
    ("POST", "/sfu/cascade/{meeting_id:int}"): case(NOBODY, lambda fx: {"meeting_id": fx.m},
                                                    hidden=NOBODY),
    ("POST", "/sfu/join/{meeting_id:int}"): case(NOBODY, lambda fx: {"meeting_id": fx.m},
                                                 hidden=NOBODY),
    ("POST", "/sfu/leave/{meeting_id:int}"): case(NOBODY, lambda fx: {"meeting_id": fx.m},
                                                  hidden=NOBODY),
    # -- login -------------------------------------------------------------------------
    ("POST", "/api/login"): case(PUBLIC, send=body({"username": "spare", "password": PASSWORD}),
                                 client="anonymous"),
    ("POST", "/api/logout"): case(LOGGED_IN, client="login"),
    # Everyone gets an answer: the user, or {user: null} without a session.
    ("GET", "/api/session"): case(PUBLIC),
    ("POST", "/api/language"): case(PUBLIC, send=body({"language": "vi"})),
    # -- units and accounts ------------------------------------------------------------
    ("GET", "/api/units"): case(LOGGED_IN),
    ("POST", "/api/units"): case(ADMIN, send=lambda fx, a: {"json": {
        "name": f"Sở thử {fx.n()}", "kind": "department", "parent_id": fx.world.province}}),
    ("PUT", "/api/units/{unit_id:int}"): case(
        ADMIN, lambda fx: {"unit_id": fx.spare_unit}, body({"name": "Phòng thử (đổi tên)"}),
        hidden=NOBODY),
    ("DELETE", "/api/units/{unit_id:int}"): case(
        ADMIN, lambda fx: {"unit_id": fx.spare_unit}, hidden=NOBODY,
        fresh=fresh(Fx.new_unit, "unit_id")),
    ("GET", "/api/users"): case(ADMIN | SECRETARIES),
    ("POST", "/api/users"): case(ADMIN, send=lambda fx, a: {"json": {
        "username": f"moi{fx.n()}", "full_name": "Lê Văn Mới", "password": PASSWORD,
        "role": "delegate", "unit_id": fx.world.province}}),
    ("PUT", "/api/users/{user_id:int}"): case(
        ADMIN, lambda fx: {"user_id": fx.spare_user}, body({"title": "Chuyên viên"}),
        hidden=NOBODY),
    # -- meetings ----------------------------------------------------------------------
    ("GET", "/api/meetings"): case(LOGGED_IN),
    ("POST", "/api/meetings"): case(SECRETARIES, send=meeting_body),
    ("GET", "/api/meetings/{id:int}"): case(VIEWERS, meeting),
    ("PUT", "/api/meetings/{id:int}"): case(MANAGING, meeting, meeting_body),
    ("POST", "/api/meetings/{id:int}/transitions/{name}"): case(
        PRESIDING, lambda fx: {"id": fx.m, "name": "adjourn"}, body({}), fresh=fresh_meeting),
    ("POST", "/api/meetings/{id:int}/postpone"): case(
        PRESIDING, meeting, body(lambda fx: {
            "starts_at": (utcnow() + timedelta(days=10)).isoformat(), "reason": "Trùng lịch"}),
        fresh=fresh(Fx.new_published_meeting, "id")),
    ("GET", "/api/meetings/{id:int}/events"): case(VIEWERS, meeting, query(after=0)),
    # -- agenda ------------------------------------------------------------------------
    ("GET", "/api/meetings/{id:int}/agenda"): case(VIEWERS, meeting),
    ("POST", "/api/meetings/{id:int}/agenda/items"): case(
        MANAGING, meeting, body({"title": "Tờ trình bổ sung"})),
    ("PUT", "/api/meetings/{id:int}/agenda/order"): case(
        MANAGING, meeting, lambda fx, a: _json_of(fx.agenda_order(), "item_ids")),
    ("PUT", "/api/agenda/items/{item_id:int}"): case(
        MANAGING, lambda fx: {"item_id": fx.items[1]},
        body({"title": "Phương án sơ tán dân cư vùng trũng"})),
    ("DELETE", "/api/agenda/items/{item_id:int}"): case(
        MANAGING, lambda fx: {"item_id": fx.spare_item}, fresh=fresh(Fx.new_item, "item_id")),
    ("GET", "/api/agenda/items/{item_id:int}/revisions"): case(
        VIEWERS, lambda fx: {"item_id": fx.items[0]}),
    # -- documents ---------------------------------------------------------------------
    ("POST", "/api/agenda/items/{item_id:int}/documents"): case(
        MANAGING, lambda fx: {"item_id": fx.items[1]}, pdf_upload),
    ("GET", "/api/documents/{doc_id:int}"): [
        case(VIEWERS, lambda fx: {"doc_id": fx.doc}),
        case(READERS, restricted, hidden=NOT_READERS, label="restricted"),
    ],
    ("PUT", "/api/documents/{doc_id:int}"): [
        case(MANAGING, lambda fx: {"doc_id": fx.doc}, body({"title": "Tờ trình kế hoạch"})),
        case(MANAGING, restricted, body({"title": "Tài liệu mật"}), hidden=NOT_READERS,
             label="restricted"),
    ],
    ("DELETE", "/api/documents/{doc_id:int}"): case(
        MANAGING, lambda fx: {"doc_id": fx.spare_doc}, fresh=fresh(fresh_doc, "doc_id")),
    ("POST", "/api/documents/{doc_id:int}/versions"): case(
        MANAGING, lambda fx: {"doc_id": fx.doc}, pdf_upload),
    ("GET", "/api/documents/{doc_id:int}/versions/{version_id:int}/pages/{page:int}/image"): [
        case(VIEWERS, page, query(w=480)),
        case(READERS, restricted_page, query(w=480), hidden=NOT_READERS, label="restricted"),
    ],
    # Restricted documents have no thumbnails, no download, no annotated copy (view only).
    ("GET", "/api/documents/{doc_id:int}/versions/{version_id:int}/pages/{page:int}/thumbnail"): [
        case(VIEWERS, page),
        case(NOBODY, restricted_page, hidden=NOT_READERS, label="restricted"),
    ],
    ("GET", "/api/documents/{doc_id:int}/versions/{version_id:int}/pages/{page:int}/words"): [
        case(VIEWERS, page),
        case(READERS, restricted_page, hidden=NOT_READERS, label="restricted"),
    ],
    ("GET", "/api/documents/{doc_id:int}/versions/{version_id:int}/original"): [
        case(VIEWERS, lambda fx: {"doc_id": fx.doc, "version_id": fx.version}),
        case(NOBODY, lambda fx: {"doc_id": fx.rdoc, "version_id": fx.rversion},
             hidden=NOT_READERS, label="restricted"),
    ],
    # The Word/Excel draft a PDF was converted from: to whoever may download the PDF.
    ("GET", "/api/documents/{doc_id:int}/versions/{version_id:int}/source"): [
        case(VIEWERS, lambda fx: {"doc_id": fx.sdoc, "version_id": fx.sversion}),
        case(NOBODY, lambda fx: {"doc_id": fx.rdoc, "version_id": fx.rversion},
             hidden=NOT_READERS, label="restricted"),
    ],
    # The PDF a tablet draws itself: like the original, never for a restricted document.
    ("GET", "/api/documents/{doc_id:int}/versions/{version_id:int}/pdf"): [
        case(VIEWERS, lambda fx: {"doc_id": fx.doc, "version_id": fx.version}),
        case(NOBODY, lambda fx: {"doc_id": fx.rdoc, "version_id": fx.rversion},
             hidden=NOT_READERS, label="restricted"),
    ],
    ("GET", "/api/documents/{doc_id:int}/search"): [
        case(VIEWERS, lambda fx: {"doc_id": fx.doc}, query(q="ke hoach")),
        case(READERS, restricted, query(q="ke hoach"), hidden=NOT_READERS, label="restricted"),
    ],
    ("GET", "/api/meetings/{id:int}/search"): case(VIEWERS, meeting, query(q="ke hoach")),
    ("GET", "/api/meetings/{id:int}/briefcase"): case(VIEWERS, meeting, query(w=480)),
    # -- annotations -------------------------------------------------------------------
    ("GET", "/api/documents/{doc_id:int}/annotations"): [
        case(VIEWERS, lambda fx: {"doc_id": fx.doc}, query(version=lambda fx: fx.version)),
        case(READERS, restricted, query(version=lambda fx: fx.rversion), hidden=NOT_READERS,
             label="restricted"),
    ],
    ("POST", "/api/documents/{doc_id:int}/annotations"): [
        case(VIEWERS, lambda fx: {"doc_id": fx.doc}, body(lambda fx: {
            "version_id": fx.version, "page": 1, "kind": "note",
            "data": {"x": 0.5, "y": 0.5, "text": "Cần bổ sung số liệu"}})),
        case(READERS, restricted, body(lambda fx: {
            "version_id": fx.rversion, "page": 1, "kind": "note",
            "data": {"x": 0.5, "y": 0.5, "text": "Ghi chú riêng"}}), hidden=NOT_READERS,
             label="restricted"),
    ],
    ("GET", "/api/documents/{doc_id:int}/annotated-copy"): [
        case(VIEWERS, lambda fx: {"doc_id": fx.doc}),
        case(NOBODY, restricted, hidden=NOT_READERS, label="restricted"),
    ],
    ("PUT", "/api/annotations/{annotation_id:int}"): [
        case({"delegate"}, lambda fx: {"annotation_id": fx.note}, body({"colour": "#ffc107"}),
             hidden=LOGGED_IN - {"delegate"}, label="private note of delegate"),
        case({"delegate"}, lambda fx: {"annotation_id": fx.shared_note},
             body({"colour": "#ffc107"}), label="shared note of delegate"),
    ],
    ("DELETE", "/api/annotations/{annotation_id:int}"): case(
        {"delegate"}, lambda fx: {"annotation_id": fx.spare_note},
        hidden=LOGGED_IN - {"delegate"}, fresh=fresh(Fx.new_note, "annotation_id")),
    # -- attendance --------------------------------------------------------------------
    ("GET", "/api/meetings/{id:int}/attendance"): case(VIEWERS, meeting),
    ("GET", "/api/meetings/{id:int}/participants"): case(VIEWERS, meeting),
    ("PUT", "/api/meetings/{id:int}/attendance/response"): case(
        TAKE_PART, meeting, body({"response": "attend"})),
    ("POST", "/api/meetings/{id:int}/attendance/checkin"): [
        case(TAKE_PART, meeting, body({}), label="oneself"),
        case(MANAGING, meeting, lambda fx, a: {"json": {"user_id": fx.user(
            "delegate" if a == "delegate2" else "delegate2").id}}, label="another invitee"),
    ],
    ("POST", "/api/meetings/{id:int}/attendance/checkout"): case(
        TAKE_PART, meeting, body({}), after=check_in_again),
    ("PUT", "/api/meetings/{id:int}/attendance/quorum"): case(
        PRESIDING, meeting, body({"rule": "majority"})),
    ("GET", "/api/meetings/{id:int}/attendance/entrance-code"): case(
        PRESIDING | {"observer"}, meeting),
    ("POST", "/api/checkin"): case(
        TAKE_PART, send=lambda fx, a: checkin_token(fx, fx.m),
        probe=lambda fx: checkin_token(fx, ABSENT)),
    # -- questions ---------------------------------------------------------------------
    ("GET", "/api/meetings/{id:int}/questions"): case(VIEWERS, meeting),
    ("POST", "/api/meetings/{id:int}/questions"): case(
        TAKE_PART, meeting, body(lambda fx: {"text": "Đề nghị làm rõ kinh phí",
                                             "item_id": fx.items[0]})),
    ("GET", "/api/meetings/{id:int}/questions/gathered"): case(
        VIEWERS, meeting, query(item=lambda fx: fx.items[0])),
    ("GET", "/api/meetings/{id:int}/questions/export.csv"): case(
        PRESIDING, meeting, query(item=lambda fx: fx.items[0])),
    ("POST", "/api/questions/{qid:int}/support"): case(
        TAKE_PART, lambda fx: {"qid": fx.q}, body({"on": True})),
    ("POST", "/api/questions/{qid:int}/merge"): case(
        MANAGING, lambda fx: {"qid": fx.q}, body(lambda fx: {"into": fx.q2}),
        fresh=fresh_question_pair),
    ("POST", "/api/questions/{qid:int}/answer"): case(
        PRESIDING, lambda fx: {"qid": fx.q}, body({"answered": True, "note": "Đã trả lời"})),
    ("PUT", "/api/questions/{qid:int}/item"): case(
        MANAGING, lambda fx: {"qid": fx.q}, body(lambda fx: {"item_id": fx.items[0]})),
    # -- speakers and the floor --------------------------------------------------------
    ("GET", "/api/meetings/{id:int}/speakers"): case(VIEWERS, meeting),
    ("POST", "/api/meetings/{id:int}/speakers"): case(TAKE_PART, meeting, body({})),
    ("PUT", "/api/meetings/{id:int}/speakers/order"): case(
        PRESIDING, meeting, lambda fx, a: _json_of(fx.waiting_order(), "order")),
    ("POST", "/api/meetings/{id:int}/speakers/{rid:int}/withdraw"): case(
        PRESIDING | {"delegate2"}, lambda fx: {"id": fx.m, "rid": fx.sr}, body({})),
    ("POST", "/api/meetings/{id:int}/floor"): case(
        PRESIDING, meeting, body(lambda fx: {"user_id": fx.user("delegate").id})),
    ("DELETE", "/api/meetings/{id:int}/floor"): case(PRESIDING, meeting),
    ("PUT", "/api/meetings/{id:int}/live/item"): case(
        PRESIDING, meeting, body(lambda fx: {"item_id": fx.items[0]})),
    ("PUT", "/api/meetings/{id:int}/live/settings"): case(
        PRESIDING, meeting, body({"speaking_limit_seconds": 300})),
    # -- voting (ballots before the open poll is closed) -------------------------------
    ("GET", "/api/meetings/{id:int}/polls"): case(VIEWERS, meeting),
    ("POST", "/api/meetings/{id:int}/polls"): case(PRESIDING, meeting, body(POLL_BODY)),
    ("PUT", "/api/polls/{pid:int}"): case(PRESIDING, lambda fx: {"pid": fx.pd}, body(POLL_BODY)),
    ("POST", "/api/polls/{pid:int}/ballots"): case(
        VOTERS, lambda fx: {"pid": fx.po},
        lambda fx, a: {"json": {"choice": 0, "client_ballot_id": f"route-matrix-{fx.n():08d}"}}),
    ("GET", "/api/polls/{pid:int}/ballots"): [
        case(VIEWERS, lambda fx: {"pid": fx.pc}, label="named"),
        case(VIEWERS, lambda fx: {"pid": fx.ps}, label="secret"),
    ],
    ("GET", "/api/polls/{pid:int}/verify"): case(PRESIDING | ADMIN, lambda fx: {"pid": fx.pc}),
    ("POST", "/api/polls/{pid:int}/close"): case(PRESIDING, lambda fx: {"pid": fx.po}, body({})),
    ("POST", "/api/polls/{pid:int}/open"): case(PRESIDING, lambda fx: {"pid": fx.pd}, body({})),
    ("POST", "/api/polls/{pid:int}/cancel"): case(
        PRESIDING, lambda fx: {"pid": fx.pd}, body({}), fresh=fresh(Fx.new_draft_poll, "pid")),
    # -- minutes (the adjourned meeting; approved, awaiting signatures) ----------------
    ("GET", "/api/meetings/{id:int}/minutes"): case(VIEWERS, record),
    ("PUT", "/api/meetings/{id:int}/minutes"): case(MANAGING, record, body(MINUTES_SECTIONS)),
    ("POST", "/api/meetings/{id:int}/minutes/draft"): case(MANAGING, record, body({})),
    ("POST", "/api/meetings/{id:int}/minutes/submit"): case(MANAGING, record, body({})),
    ("POST", "/api/meetings/{id:int}/minutes/approve"): case(CHAIR, record, body({})),
    ("POST", "/api/meetings/{id:int}/minutes/sign"): case(
        PRESIDING, record, body({"passphrase": "sai-mat-khau"})),
    # Drafts (not yet signed) are for the office, the chair and admins.
    ("GET", "/api/meetings/{id:int}/minutes/pdf"): case(PRESIDING | ADMIN, record),
    ("POST", "/api/meetings/{id:int}/minutes/return"): case(
        CHAIR, record, body({"comment": "Bổ sung ý kiến thảo luận"})),
    # -- the conclusion notice (awaiting the chair's signature) ------------------------
    ("GET", "/api/meetings/{id:int}/conclusion"): case(VIEWERS, record),
    ("POST", "/api/meetings/{id:int}/conclusion"): case(MANAGING, record, body({})),
    ("PUT", "/api/meetings/{id:int}/conclusion"): case(MANAGING, record, body(CONCLUSION_BODY)),
    ("POST", "/api/meetings/{id:int}/conclusion/submit"): case(MANAGING, record, body({})),
    ("POST", "/api/meetings/{id:int}/conclusion/sign"): case(
        CHAIR, record, body({"passphrase": "sai-mat-khau"})),
    ("GET", "/api/meetings/{id:int}/conclusion/pdf"): case(PRESIDING | ADMIN, record),
    ("POST", "/api/meetings/{id:int}/conclusion/return"): case(
        CHAIR, record, body({"comment": "Sửa lại thời hạn"})),
    # -- tasks -------------------------------------------------------------------------
    ("GET", "/api/tasks"): case(LOGGED_IN),
    ("GET", "/api/reminders"): case(LOGGED_IN),
    ("GET", "/api/tasks.csv"): case(LOGGED_IN),
    ("GET", "/api/tasks/{task_id:int}"): case(
        TASK_VIEW, lambda fx: {"task_id": fx.task}, hidden=LOGGED_IN - TASK_VIEW),
    ("POST", "/api/tasks/{task_id:int}/progress"): case(
        {"delegate"}, lambda fx: {"task_id": fx.task}, body({"progress": 40, "note": "Đang làm"}),
        hidden=LOGGED_IN - TASK_VIEW),
    ("POST", "/api/tasks/{task_id:int}/deliverable"): case(
        {"delegate"}, lambda fx: {"task_id": fx.task}, body({"note": "Báo cáo đã gửi"}),
        hidden=LOGGED_IN - TASK_VIEW, fresh=fresh(Fx.new_task, "task_id")),
    ("POST", "/api/tasks/{task_id:int}/reopen"): case(
        MANAGING, lambda fx: {"task_id": fx.done_task}, body({"comment": "Thiếu phụ lục"}),
        hidden=LOGGED_IN - TASK_VIEW),
    ("GET", "/api/tasks/{task_id:int}/reports/{report_id:int}/file"): case(
        TASK_VIEW, lambda fx: {"task_id": fx.done_task, "report_id": fx.report},
        hidden=LOGGED_IN - TASK_VIEW),
    # -- written consultations (asked: the province's chairs and delegates) -------------
    ("GET", "/api/consultations"): case(LOGGED_IN),
    ("POST", "/api/consultations"): case(SECRETARIES, send=body(lambda fx: {
        "title": "Lấy ý kiến về dự thảo", "unit_id": fx.world.province,
        "chair_id": fx.user("chair").id, "questions": [{"text": "Thông qua?"}]}),
        probe=None),
    ("GET", "/api/consultations/{id:int}"): case(
        CONSULTED | OFFICE, lambda fx: {"id": fx.co}, hidden=LOGGED_IN - CONSULTED - OFFICE),
    ("PUT", "/api/consultations/{id:int}"): case(
        MANAGING, lambda fx: {"id": fx.cd}, body(lambda fx: {
            "title": "Lấy ý kiến (sửa)", "unit_id": fx.world.province,
            "chair_id": fx.user("chair").id, "questions": [{"text": "Thông qua?"}]}),
        hidden=LOGGED_IN - OFFICE),
    ("POST", "/api/consultations/{id:int}/submit"): case(
        MANAGING, lambda fx: {"id": fx.cd}, body({}), hidden=LOGGED_IN - OFFICE,
        fresh=fresh(Fx.new_consultation, "id")),
    ("POST", "/api/consultations/{id:int}/withdraw"): case(
        MANAGING, lambda fx: {"id": fx.cs}, body({}), hidden=LOGGED_IN - OFFICE,
        fresh=fresh(lambda fx: fx.new_consultation("submitted"), "id")),
    ("DELETE", "/api/consultations/{id:int}"): case(
        MANAGING, lambda fx: {"id": fx.cd}, hidden=LOGGED_IN - OFFICE,
        fresh=fresh(Fx.new_consultation, "id")),
    ("POST", "/api/consultations/{id:int}/approve"): case(
        CHAIR, lambda fx: {"id": fx.cs}, body({}), hidden=LOGGED_IN - OFFICE,
        fresh=fresh(lambda fx: fx.new_consultation("submitted"), "id")),
    ("POST", "/api/consultations/{id:int}/return"): case(
        CHAIR, lambda fx: {"id": fx.cs}, body({"comment": "Bổ sung câu hỏi"}),
        hidden=LOGGED_IN - OFFICE,
        fresh=fresh(lambda fx: fx.new_consultation("submitted"), "id")),
    ("POST", "/api/consultations/{id:int}/close"): case(
        MANAGING, lambda fx: {"id": fx.co}, body({}), hidden=LOGGED_IN - CONSULTED - OFFICE,
        fresh=fresh(lambda fx: fx.new_consultation("sent"), "id")),
    ("POST", "/api/consultations/{id:int}/reply"): case(
        CONSULTED, lambda fx: {"id": fx.co}, lambda fx, a: {"json": {
            "answers": [{"question_id": fx.co_question, "choice": 0}],
            "client_reply_id": f"route-matrix-{fx.n():08d}"}},
        hidden=LOGGED_IN - CONSULTED - OFFICE),
    ("GET", "/api/consultations/{id:int}/papers/{user_id:int}"): case(
        OFFICE | {"delegate"}, lambda fx: {"id": fx.csig, "user_id": fx.user("delegate").id},
        hidden=LOGGED_IN - CONSULTED - OFFICE),
    ("POST", "/api/consultations/{id:int}/report"): case(
        MANAGING, lambda fx: {"id": fx.cc}, body({"conclusions": "Đề nghị thông qua."}),
        hidden=LOGGED_IN - CONSULTED - OFFICE),
    ("POST", "/api/consultations/{id:int}/report/sign"): case(
        CHAIR, lambda fx: {"id": fx.cc}, body({"passphrase": "khoa-thu"}),
        hidden=LOGGED_IN - CONSULTED - OFFICE),
    ("GET", "/api/consultations/{id:int}/report/pdf"): case(
        OFFICE, lambda fx: {"id": fx.cc}, hidden=LOGGED_IN - CONSULTED - OFFICE),
    # A consultation's drafts: added while it is prepared, read by those who see it.
    ("POST", "/api/consultations/{id:int}/documents"): case(
        MANAGING, lambda fx: {"id": fx.cd}, pdf_upload, hidden=LOGGED_IN - OFFICE),
    ("GET", "/api/consultations/{id:int}/documents"): case(
        CONSULTED | OFFICE, lambda fx: {"id": fx.co}, hidden=LOGGED_IN - CONSULTED - OFFICE),
    ("GET", "/api/consultations/{id:int}/search"): case(
        CONSULTED | OFFICE, lambda fx: {"id": fx.co}, query(q="ke hoach"),
        hidden=LOGGED_IN - CONSULTED - OFFICE),
    # -- signing -----------------------------------------------------------------------
    ("POST", "/api/verify"): case(
        LOGGED_IN, send=lambda fx, a: {"content": fx.pdf,
                                       "headers": {"content-type": "application/pdf"}}),
    ("GET", "/api/signing/my-key"): case(LOGGED_IN),
    ("GET", "/api/signing/keys"): case(ADMIN),
    ("POST", "/api/signing/keys/pkcs12"): case(ADMIN, send=lambda fx, a: {
        "files": {"file": ("khoa.p12", b"not a key store", "application/x-pkcs12")},
        "data": {"user_id": str(fx.user("chair2").id), "passphrase": "x"}}),
    ("POST", "/api/signing/keys/pkcs11"): case(ADMIN, send=lambda fx, a: {"json": {
        "user_id": fx.user("chair2").id, "module_path": "/khong/co/module.so",
        "token_label": "token", "key_label": "key",
        "certificate": "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----"}}),
    ("DELETE", "/api/signing/keys/{key_id:int}"): case(
        ADMIN, lambda fx: {"key_id": fx.key}, hidden=NOBODY),
    ("GET", "/api/signing/trust-roots"): case(ADMIN),
    ("POST", "/api/signing/trust-roots"): case(ADMIN, send=lambda fx, a: {
        "files": {"file": ("goc.pem", b"not a certificate", "application/x-pem-file")}}),
    ("DELETE", "/api/signing/trust-roots/{root_id:int}"): case(
        ADMIN, lambda fx: {"root_id": fx.root}, hidden=NOBODY),
    # -- recordings: the meeting's members (its managing secretary made it), not admins --
    ("GET", "/api/meetings/{id:int}/recordings"): case(MEMBERS, meeting),
    ("GET", "/api/meetings/{id:int}/recordings/{name}"): case(
        MEMBERS, lambda fx: {"id": fx.m, "name": fx.recording}, hidden=OUTSIDERS | ADMIN,
        probe="name"),
    # -- webhooks (admin; the addresses reach no one: nothing listens on port 9) --------
    ("GET", "/api/webhooks"): case(ADMIN),
    ("POST", "/api/webhooks"): case(ADMIN, send=body({
        "url": "http://127.0.0.1:9/ma-tran", "events": ["task.overdue"]})),
    ("GET", "/api/webhooks/events"): case(ADMIN),
    ("PATCH", "/api/webhooks/{id:int}"): case(
        ADMIN, lambda fx: {"id": fx.webhook}, body({"active": False}), hidden=NOBODY),
    ("DELETE", "/api/webhooks/{id:int}"): case(
        ADMIN, lambda fx: {"id": fx.webhook}, hidden=NOBODY,
        fresh=fresh(Fx.new_webhook, "id")),
    ("GET", "/api/webhooks/{id:int}/deliveries"): case(
        ADMIN, lambda fx: {"id": fx.webhook}, hidden=NOBODY),
    ("POST", "/api/webhooks/deliveries/{id:int}/redeliver"): case(
        ADMIN, lambda fx: {"id": fx.delivery}, body({}), hidden=NOBODY),
}


async def _json_of(ids: Awaitable[list[int]], name: str) -> dict[str, Any]:
    return {"json": {name: await ids}}


# -- making the requests ---------------------------------------------------------------

_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def cases(key: tuple[str, str]) -> list[Case]:
    entry = ROUTES[key]
    return entry if isinstance(entry, list) else [entry]


def probe_of(key: tuple[str, str], c: Case) -> str | Callable[[Fx], dict[str, Any]] | None:
    """What to replace to ask about an object that does not exist: a path parameter or,
    for ids sent in the body, the request's arguments."""
    if c.probe != FIRST_INT:
        return c.probe
    ints = [name for name, conv in _PARAM.findall(key[1]) if conv == "int"]
    return ints[0] if ints else None


def url_of(key: tuple[str, str], c: Case, params: dict[str, Any]) -> str:
    if c.url:
        return c.url
    return _PARAM.sub(lambda m: str(params[m.group(1)]), key[1])


async def _maybe(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None
    text: str

    def __str__(self) -> str:
        return f"{self.status} {self.code or self.text[:80]!r}"

    @property
    def shape(self) -> tuple[int, str | None]:
        return self.status, self.code


async def call(fx: Fx, key: tuple[str, str], c: Case, actor: str, params: dict[str, Any], *,
               absent: bool = False) -> Answer:
    """Make the request as `actor`; `absent`: with the object's id naming nothing."""
    method = "GET" if key[0] == "MOUNT" else key[0]
    kwargs = await _maybe(c.send(fx, actor)) if c.send else ({"json": {}} if method in WRITES
                                                             else {})
    probe = probe_of(key, c)
    if absent:
        if callable(probe):
            kwargs = {**kwargs, **probe(fx)}
        else:
            assert probe is not None
            params = {**params, probe: ABSENT_RECORDING if probe == "name" else ABSENT}
    url = url_of(key, c, params)
    own = None
    if c.client == "anonymous":
        own = await fx.client("anonymous")
    elif c.client == "login":
        own = await fx.client(actor)
    client = own or fx.clients[actor]
    try:
        response = await client.request(method, url, **kwargs)
    finally:
        if own is not None:
            await own.aclose()
    code = None
    try:
        data = response.json()
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            code = data["error"].get("code")
    except ValueError:
        pass
    return Answer(response.status_code, code, response.text)


def ident(key: tuple[str, str]) -> str:
    return f"{key[0]} {key[1]}"


KEYS = list(ROUTES)


def router_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route the app's router holds."""
    found: set[tuple[str, str]] = set()
    for route in app.starlette.routes:
        if isinstance(route, Route):
            found.update((m, route.path) for m in (route.methods or {"GET"}) - {"HEAD"})
        elif isinstance(route, Mount):
            inner = [r for r in route.routes if isinstance(r, Route)]
            if not inner:
                found.add(("MOUNT", route.path))
            for sub in inner:
                methods = (sub.methods or {"GET"}) - {"HEAD"}
                found.update((m, route.path + sub.path) for m in methods)
        else:  # pragma: no cover - a new kind of route needs a way to be listed here
            found.add(("?", repr(route)))
    return found


# -- the tests -------------------------------------------------------------------------


async def test_every_route_has_an_entry(fx: Fx) -> None:
    found = router_routes(fx.app)
    missing = sorted(found - set(ROUTES))
    stale = sorted(set(ROUTES) - found)
    assert not missing, f"routes with no entry in ROUTES (who may call them?): {missing}"
    assert not stale, f"entries in ROUTES for routes the app no longer has: {stale}"
    for key in ROUTES:
        for c in cases(key):
            assert not (c.who & c.hidden), (key, "hidden from someone allowed")
            assert c.who <= PUBLIC and c.hidden <= LOGGED_IN, key


@pytest.mark.parametrize("key", KEYS, ids=ident)
async def test_refused(fx: Fx, key: tuple[str, str]) -> None:
    problems: list[str] = []
    for c in cases(key):
        label = f" [{c.label}]" if c.label else ""
        params = c.params(fx)
        probe = probe_of(key, c)
        for actor in ACTORS:
            if actor in c.who:
                continue
            got = await call(fx, key, c, actor, params)
            if got.status not in REFUSED:
                problems.append(f"{actor}{label}: got {got}, expected a refusal (401/403/404)")
            elif (actor == "anonymous" and c.who and c.who <= LOGGED_IN
                  and got.status != 401):
                problems.append(f"{actor}{label}: got {got}, expected 401")
            if actor in c.hidden and probe is not None:
                absent = await call(fx, key, c, actor, params, absent=True)
                if got.shape != absent.shape:
                    problems.append(f"{actor}{label}: got {got} for an object it may not see, "
                                    f"but {absent} for one that does not exist")
    assert not problems, f"{ident(key)}\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("key", KEYS, ids=ident)
async def test_allowed(fx: Fx, key: tuple[str, str]) -> None:
    problems: list[str] = []
    for c in cases(key):
        label = f" [{c.label}]" if c.label else ""
        probe = probe_of(key, c)
        for actor in ACTORS:
            if actor not in c.who:
                continue
            params = {**c.params(fx), **(await c.fresh(fx, actor) if c.fresh else {})}
            got = await call(fx, key, c, actor, params)
            if c.after is not None:
                await c.after(fx, actor)
            if got.status in (401, 403) or got.status >= 500:
                problems.append(f"{actor}{label}: got {got}, expected to be allowed")
                continue
            if probe is not None and got.status == 404:
                absent = await call(fx, key, c, actor, params, absent=True)
                if got.shape == absent.shape:
                    problems.append(f"{actor}{label}: got {got}, as for an object that does "
                                    f"not exist; expected to be allowed")
    assert not problems, f"{ident(key)}\n  " + "\n  ".join(problems)


async def test_the_actors_are_who_the_table_says(fx: Fx) -> None:
    async with fx.sessions() as s:
        async def member(name: str, meeting_id: int) -> bool:
            user, row = await s.get(User, fx.user(name).id), await s.get(Meeting, meeting_id)
            assert user is not None and row is not None
            return await meetings.is_member(s, user, row)

        for name in MEMBERS:
            assert await member(name, fx.m), name
        for name in OUTSIDERS | ADMIN:
            assert not await member(name, fx.m), name
        assert await member("outsider", fx.o)  # a delegate of another meeting
