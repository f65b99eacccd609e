"""The published contract holds: schemathesis fuzzes every operation of `/openapi.json` as an
admin, a secretary and a delegate of the demo province, and no answer is a 5xx, has a status
the document does not list, or a body that does not match the declared schema (response
objects are closed, so an undeclared field fails too).

The document is fetched from the app itself. Generation is seeded and bounded
(`ECABINET_CONTRACT_EXAMPLES` examples per operation and role, 5 by default) so the run stays
within about two minutes on two cores; it uses SQLite only, since what is checked is the
HTTP contract, which the backends share (the feature tests run on both).

Path ids and id fields of bodies are mostly drawn from the demo's real rows (a document's
version with its document, say), so answers other than 404 are reached and their bodies
checked; the demo gets a closed and an open poll and a waiting speaker first. Writes are
real, on a database thrown away afterwards. A login the run ends (POST /api/logout, a
password or role changed by the admin) is restored and logged in again, so every operation
runs as the role it names.

Exploring further: `ECABINET_CONTRACT_EXAMPLES=25`, `ECABINET_CONTRACT_SEED=<n>`,
`ECABINET_CONTRACT_MODE=negative` (values the document does not allow),
`ECABINET_CONTRACT_STATS=1` (with `-s`: the statuses each operation answered).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import attendance, db, demo, speakers, voting
from ecabinet.accounts import SESSION_COOKIE
from ecabinet.api.spec import CSRF_HEADER
from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.models import MeetingStatus, User
from ecabinet.schema import upgrade
from tests.conftest import TEST_ARGON2

# The order matters a little: the secretary's writes (a poll, a question...) give the
# delegate's turn something to act on; the admin, who can lock people out, goes last.
ROLES = ("thuky", "daibieu1", "admin")
MAX_EXAMPLES = int(os.environ.get("ECABINET_CONTRACT_EXAMPLES", "5"))
# "negative" generates what the document does not allow (every answer must still be one it
# lists, and never a 5xx): a longer exploration, not part of the suite.
MODE = schemathesis.GenerationMode(os.environ.get("ECABINET_CONTRACT_MODE", "positive"))
SEED = int(os.environ.get("ECABINET_CONTRACT_SEED", "20260714"))
STATS: dict[str, list[int]] = {}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

# Path parameters and body fields, and the table whose ids they name.
TABLES = {
    "id": "meetings", "item_id": "agenda_items", "doc_id": "documents",
    "version_id": "document_versions", "annotation_id": "annotations", "qid": "questions",
    "rid": "speaker_requests", "pid": "polls", "task_id": "tasks", "report_id": "task_reports",
    "user_id": "users", "unit_id": "units", "key_id": "signer_keys", "root_id": "trust_roots",
    "chair_id": "users", "presenter_unit_id": "units", "responsible_unit_id": "units",
    "responsible_user_id": "users", "agenda_item_id": "agenda_items", "into": "questions",
    "request_id": "speaker_requests", "parent_id": "units",
}
# Path parameters that must name related rows to reach anything: (columns, table).
PAIRS = {
    ("doc_id", "version_id"): ("document_id, id", "document_versions"),
    ("task_id", "report_id"): ("task_id, id", "task_reports"),
    ("id", "rid"): ("meeting_id, id", "speaker_requests"),
}
PAGES = [1, 2]


@dataclass
class Demo:
    """The app over a demo database, and one logged-in HTTP session per role."""

    app: Any
    path: Path
    schema: Any
    accounts: dict[str, tuple[Any, ...]]
    columns: list[str]
    clients: dict[str, asgi.ASGIClient] = field(default_factory=dict)
    # Roles whose session may have been ended since it was last checked.
    stale: set[str] = field(default_factory=set)

    def rows(self, table: str, columns: str = "id") -> list[Any]:
        """The ids (or tuples of `columns`) a table holds now."""
        with sqlite3.connect(self.path) as conn:
            found = conn.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()
        return [r[0] if len(r) == 1 else r for r in found]

    def restore(self, username: str) -> None:
        """Put the account back as the demo made it (role, password, active...)."""
        row = self.accounts[username]
        sets = ", ".join(f"{c} = ?" for c in self.columns if c != "id")
        values = [v for c, v in zip(self.columns, row, strict=True) if c != "id"]
        with sqlite3.connect(self.path) as conn:
            conn.execute(f"UPDATE users SET {sets} WHERE username = ?", [*values, username])

    def client(self, username: str) -> asgi.ASGIClient:
        """A session logged in as `username`, logging in again if it was ended."""
        client = self.clients.get(username)
        if client is not None and username not in self.stale:
            return client
        self.stale.discard(username)
        if client is not None and client.get("/api/session").json().get("user") is not None:
            return client
        client = asgi.get_client(self.app)
        self.restore(username)
        response = client.post("/api/login", json={"username": username,
                                                   "password": demo.DEMO_PASSWORD})
        assert response.status_code == 200, response.text
        client.headers["x-csrf-token"] = response.json()["csrf_token"]
        self.clients[username] = client
        return client


@dataclass(frozen=True)
class DemoDatabase:
    """The demo province on a SQLite file, and the tested accounts as loaded."""

    path: Path
    settings: Settings
    accounts: dict[str, tuple[Any, ...]]
    columns: list[str]


async def _live_poll_and_queue(session: AsyncSession) -> None:
    """What the demo lacks for the answers to show it: in the meeting under way, a closed
    named poll with a ballot and its result, an open secret poll, a speaker waiting."""
    meeting = await demo.meeting_by_status(session, MeetingStatus.in_session)
    assert meeting is not None
    chair = await session.get(User, meeting.chair_id)
    delegate = await session.scalar(select(User).where(User.username == "daibieu1"))
    assert chair is not None and delegate is not None
    await attendance.check_in(session, delegate, meeting.id)
    named = await voting.create_poll(session, chair, meeting.id, voting.PollInput(
        "Thông qua phương án sơ tán dân cư vùng trũng thấp?", allow_change=True))
    await voting.open_poll(session, chair, named.id)
    await voting.cast(session, delegate, named.id, 0, "contract-named-ballot")
    await voting.close_poll(session, chair, named.id)
    secret = await voting.create_poll(session, chair, meeting.id, voting.PollInput(
        "Chọn mức hỗ trợ khắc phục hậu quả", options=["Mức 1", "Mức 2", "Mức 3"],
        visibility="secret", time_limit_seconds=3600))
    await voting.open_poll(session, chair, secret.id)
    await speakers.request(session, delegate, meeting.id, "Xin phát biểu về phương án sơ tán")


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> DemoDatabase:
    """The demo province on a fresh SQLite file, shared by the roles' runs."""
    tmp = tmp_path_factory.mktemp("contract")
    path = tmp / "contract.sqlite"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)

    async def load() -> None:
        engine = db.create_engine(url)
        async with db.transaction(db.sessionmaker(engine)) as session:
            await demo.load(session)
            await _live_poll_and_queue(session)
        await engine.dispose()

    asyncio.run(load())
    settings_ = Settings(data_dir=tmp / "data", database_url=url,
                         secret_key=secrets.token_hex(16), login_rate_per_minute=100_000,
                         **TEST_ARGON2)
    with sqlite3.connect(path) as conn:
        cursor = conn.execute("SELECT * FROM users WHERE username IN (?, ?, ?)", ROLES)
        columns = [d[0] for d in cursor.description]
        accounts = {row[columns.index("username")]: row for row in cursor.fetchall()}
    return DemoDatabase(path, settings_, accounts, columns)


@pytest.fixture
def contract(demo_database: DemoDatabase) -> Iterator[Demo]:
    """A node over the demo database, served in-process; its document fetched from it.

    One node per test: schemathesis's pytest plugin ends every ASGI lifespan when a test
    ends, and a node's worker pools do not start twice.
    """
    app = create_app(demo_database.settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield Demo(app, demo_database.path, schema, demo_database.accounts, demo_database.columns)
    asgi.shutdown_lifespans()


def _describe(case: Any, response: Any, exc: FailureGroup) -> str:
    titles = "; ".join(sorted({f.title for f in exc.exceptions}))
    details = "\n    ".join(sorted({f.message.splitlines()[0][:300] if f.message else f.title
                                   for f in exc.exceptions}))
    body = "" if isinstance(case.body, NotSet) else f" body={case.body!r:.400}"
    return (f"{case.operation.label} -> {response.status_code}: {titles}\n    {details}\n"
            f"    request: {case.method} {case.formatted_path} query={case.query!r}{body}\n"
            f"    response: {response.text[:600]}")


def _exercise(contract: Demo, role: str, operation: Any, found: dict[str, str]) -> None:
    contract.stale.add(role)
    params = {p.name for p in operation.path_parameters}
    known = {name: contract.rows(table) for name, table in TABLES.items()}
    pairs = {names: contract.rows(table, columns) for names, (columns, table) in PAIRS.items()
             if set(names) <= params}

    def real(data: st.DataObject, value: Any, name: str) -> Any:
        """Three times in four, an id the database holds instead of a generated one."""
        ids = PAGES if name == "page" else known.get(name)
        if ids and isinstance(value, int) and data.draw(st.integers(0, 3), label=name) > 0:
            return data.draw(st.sampled_from(ids), label=name)
        return value

    def real_ids(data: st.DataObject, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: real(data, real_ids(data, v), k) for k, v in value.items()}
        if isinstance(value, list):
            return [real_ids(data, v) for v in value]
        return value

    @seed(SEED)
    @settings(max_examples=MAX_EXAMPLES, database=None, deadline=None, print_blob=False,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(MODE), data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        for name in params:
            case.path_parameters[name] = real(data, case.path_parameters[name], name)
        for names, rows in pairs.items():
            if rows and data.draw(st.integers(0, 3), label=f"related {names}") > 0:
                case.path_parameters.update(zip(names, data.draw(st.sampled_from(rows)),
                                                strict=True))
        if isinstance(case.body, dict):
            case.body = real_ids(data, case.body)
        client = contract.client(role)
        # The security schemes' cookie and header are generated like any parameter; the
        # role's real ones come from its logged-in session instead.
        case.cookies.pop(SESSION_COOKIE, None)
        case.headers.pop(CSRF_HEADER, None)
        response = case.call(session=client)
        STATS.setdefault(f"{role} {operation.label}", []).append(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as exc:
            key = f"{role} {operation.label} {sorted(type(f).__name__ for f in exc.exceptions)}"
            found.setdefault(key, f"[{role}] " + _describe(case, response, exc))
        if response.status_code == 401 or operation.path == "/api/logout":
            contract.stale.add(role)

    try:
        run()
    except Unsatisfiable:
        # Negative mode only: an operation without parameters has nothing to get wrong.
        if MODE is not schemathesis.GenerationMode.NEGATIVE:
            raise


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_keeps_the_published_contract(contract: Demo, role: str) -> None:
    found: dict[str, str] = {}
    started = time.monotonic()
    operations = [result.ok() for result in contract.schema.get_all_operations()]
    assert len(operations) > 100
    for operation in operations:
        _exercise(contract, role, operation, found)
    elapsed = time.monotonic() - started
    if os.environ.get("ECABINET_CONTRACT_STATS"):
        for key, codes in STATS.items():
            if key.startswith(role):
                print(key, sorted(codes))
    assert not found, (f"{len(found)} contract violations as {role} ({elapsed:.0f} s):\n\n"
                       + "\n\n".join(found.values()))
