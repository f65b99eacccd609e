"""`ecabinet backup` during a meeting, then everything lost, then `ecabinet restore`: the
documents, ballots, results, signed minutes and the audit chain come back intact. A damaged
archive is refused before anything is touched."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import io
import json
import secrets
import shutil
import tarfile
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, select

from ecabinet import audit, backup, db, meetings, minutes, signatures, voting
from ecabinet.cli import build_parser
from ecabinet.config import Settings
from ecabinet.documents import blob_path
from ecabinet.models import AuditEntry, Ballot, MeetingStatus, Poll, User
from ecabinet.schema import alembic_config
from ecabinet.signing import keystore
from tests.conftest import PG_ADMIN_DSN, World, drop_database, with_db
from tests.documents.conftest import add_pdf
from tests.documents.pdfs import agenda_pdf
from tests.live_meeting.conftest import STEPS, Hall, build_hall
from tests.minutes.conftest import PASSPHRASE, Pki, give_keys, meeting_in
from tests.minutes.conftest import _stop_signing_worker as _stop_signing_worker
from tests.minutes.conftest import pki as pki
from tests.security.nodes import node

VOTERS = ("chair", "delegate", "delegate2", "delegate3", "delegate4")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One PDF worker and one page width: the documents only need to be stored."""
    return replace(settings, pdf_workers=1, render_widths=(480,))


@dataclass
class Recorded:
    """What the meeting left behind before and while the backup ran."""

    hall: Hall
    adjourned: int
    document_sha: str
    document: bytes
    key_file: Path
    key_store: bytes
    closed_poll: int
    closed_result: dict[str, Any]
    open_poll: int
    signed_minutes: bytes


def files_of(root: Path) -> dict[str, str]:
    """Every file under `root` with its SHA-256."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


async def as_user(s: Any, world: World, name: str) -> User:
    user = await s.get(User, world[name].id)
    assert user is not None
    return user


async def record_meeting(app: Any, sessions: Any, world: World, pki: Pki,
                         settings: Settings) -> Recorded:
    """A meeting in session with a document and a closed poll; another adjourned with minutes
    signed by the secretary and the chair; a key store on disk."""
    hall = await build_hall(sessions, world, status=MeetingStatus.draft)
    document = agenda_pdf(2, marker="Phương án sơ tán dân cư")
    await add_pdf(app, sessions, world, hall.items[0], document)
    for step in STEPS[MeetingStatus.in_session]:
        who = "chair" if step == "approve" else "secretary"
        await hall.run(who, lambda s, u, step=step: meetings.transition(s, u, hall.meeting_id,
                                                                        step))
    await hall.check_in(*VOTERS)
    closed = await open_poll(hall, "Thông qua báo cáo tình hình mưa lũ?")
    for n, who in enumerate(VOTERS[:4]):
        await vote(hall, who, closed, n % 2, f"closed-{who}")
    result = (await hall.run("chair", lambda s, u: voting.close_poll(s, u, closed))).result
    assert result is not None

    adjourned = await meeting_in(sessions, world, MeetingStatus.adjourned)
    await give_keys(sessions, world, pki)
    for who, step in [("secretary", minutes.draft), ("secretary", minutes.submit),
                      ("chair", minutes.approve)]:
        async with db.transaction(sessions) as s:
            await step(s, await as_user(s, world, who), adjourned)
    for who in ("secretary", "chair"):
        async with db.transaction(sessions) as s:
            await minutes.sign(s, await as_user(s, world, who), adjourned, secret=PASSPHRASE)
    async with db.transaction(sessions) as s:
        _, signed = await minutes.pdf_of(s, await as_user(s, world, "delegate"), adjourned)

    settings.keys_dir.mkdir(parents=True, exist_ok=True)
    key_file = keystore.store_pkcs12(settings.keys_dir, "chu-tich", pki.keystore(
        world["chair"].full_name, "UBND tỉnh"), PASSPHRASE.encode())
    open_one = await open_poll(hall, "Thông qua phương án sơ tán?")
    return Recorded(hall, adjourned, hashlib.sha256(document).hexdigest(), document, key_file,
                    key_file.read_bytes(), closed, result, open_one, signed)


async def open_poll(hall: Hall, question: str) -> int:
    data = voting.PollInput(question=question, item_id=hall.items[1])
    poll = await hall.run("chair", lambda s, u: voting.create_poll(s, u, hall.meeting_id, data))
    await hall.run("chair", lambda s, u: voting.open_poll(s, u, poll.id))
    return poll.id


async def vote(hall: Hall, who: str, poll_id: int, choice: int, ballot: str) -> None:
    await hall.run(who, lambda s, u: voting.cast(s, u, poll_id, choice, ballot.ljust(20, "x")))


@pytest.fixture
async def target(settings: Settings, tmp_path: Path) -> AsyncIterator[Settings]:
    """A new node's place: a new data directory and a database never used (no tables)."""
    if db.is_sqlite(settings.database_url):
        yield replace(with_db(settings, f"sqlite+aiosqlite:///{tmp_path / 'new.sqlite'}"),
                      data_dir=tmp_path / "restored")
        return
    name = f"ecabinet_restore_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = settings.database_url.rsplit("/", 1)[0] + f"/{name}"
    yield replace(with_db(settings, url), data_dir=tmp_path / "restored")
    await asyncio.to_thread(drop_database, name)


async def test_a_backup_during_a_meeting_restores_every_record(
        settings: Settings, sessions: Any, world: World, pki: Pki, target: Settings,
        tmp_path: Path) -> None:
    async with node(settings) as app:
        rec = await record_meeting(app, sessions, world, pki, settings)
        # Ballots keep coming while the backup runs: it must hold a consistent moment.
        voters = iter(VOTERS)

        async def ballots_meanwhile() -> None:
            for who in voters:
                await vote(rec.hall, who, rec.open_poll, 0, f"open-{who}")

        archive, _ = await asyncio.gather(
            asyncio.to_thread(backup.backup, settings, tmp_path / "backups"), ballots_meanwhile())
    assert archive.name.startswith("ecabinet-backup-") and archive.name.endswith(".tar.gz")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    kind = "sqlite" if db.is_sqlite(settings.database_url) else "postgresql"
    assert manifest["database"]["kind"] == kind
    assert manifest["database"]["alembic_revision"] == head_revision(settings)
    assert f"documents/{rec.document_sha[:2]}/{rec.document_sha}.pdf" in names
    assert "data/keys/chu-tich.p12" in names
    assert not [n for n in names if n.startswith("data/cache")]  # page images are rebuilt

    # Restoring over this node, which holds the very same records, needs --force.
    before = files_of(settings.data_dir)
    with pytest.raises(backup.BackupError, match="not empty"):
        await asyncio.to_thread(backup.restore, settings, archive)
    with pytest.raises(backup.BackupError, match="database is not empty"):
        await asyncio.to_thread(backup.restore,
                                replace(settings, data_dir=tmp_path / "empty"), archive)
    assert files_of(settings.data_dir) == before

    # The node is lost: its files with it. A new one is restored from the archive.
    shutil.rmtree(settings.data_dir)
    restored = await asyncio.to_thread(backup.restore, target, archive)
    assert restored.database == kind
    await check_restored(target, rec)
    # Restoring again over what is now there is what --force is for.
    await asyncio.to_thread(backup.restore, target, archive, force=True)
    await check_restored(target, rec)
    assert not [p for p in target.data_dir.iterdir() if p.name.startswith(".")]


def head_revision(settings: Settings) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_current_head()
    assert head is not None
    return head


async def check_restored(target: Settings, rec: Recorded) -> None:
    assert blob_path(target.documents_dir, rec.document_sha).read_bytes() == rec.document
    assert (target.keys_dir / rec.key_file.name).read_bytes() == rec.key_store
    assert oct((target.keys_dir / rec.key_file.name).stat().st_mode & 0o777) == "0o600"
    engine = db.create_engine(target.database_url)
    try:
        async with db.transaction(db.sessionmaker(engine)) as s:
            assert await audit.verify_chain(s) is None
            closed = await s.get(Poll, rec.closed_poll)
            assert closed is not None and closed.result == rec.closed_result
            assert await voting.verify_poll(s, rec.closed_poll) == []
            # However many of the ballots cast meanwhile made it, each is whole: in the
            # chain and in the table alike.
            assert await voting.verify_poll(s, rec.open_poll) == []
            cast = await voting.ballot_count(s, rec.open_poll)
            audited = await s.scalar(select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "vote.cast", AuditEntry.meeting_id == rec.hall.meeting_id))
            assert audited == cast + 4
            assert await s.scalar(select(func.count(Ballot.id))) == cast + 4
            delegate = await s.get(User, rec.hall["delegate"].id)
            assert delegate is not None
            _, signed = await minutes.pdf_of(s, delegate, rec.adjourned)
            roots = await signatures.trust_root_pems(s)
        assert signed == rec.signed_minutes
        report = await signatures.check_pdf(signed, roots)
        assert report.verdict.value == "valid"
        assert [r.field_name for r in report.signatures if r.valid] == ["secretary", "chair"]
    finally:
        await engine.dispose()


def cli(settings: Settings, *argv: str) -> int:
    """`ecabinet ARGV` on `settings` (what `main` does after reading the environment)."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args, settings)
    return code


def rewritten(archive: Path, out: Path, change: dict[str, bytes]) -> Path:
    """A copy of `archive` whose named members hold other bytes (the manifest unchanged)."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as copy:
        for member in source:
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            data = change.get(member.name, data)
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return out


def _decodes_to(data: bytes, content: bytes) -> bool:
    """Whether a gzip stream still decodes, CRC and all, to exactly `content`."""
    try:
        return gzip.decompress(data) == content
    except (OSError, EOFError, zlib.error):
        return False


# Every check runs before either backend is touched: SQLite shows it as well as PostgreSQL.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_damaged_archive_is_refused_and_nothing_changes(
        settings: Settings, sessions: Any, world: World, tmp_path: Path,
        capfd: pytest.CaptureFixture[str]) -> None:
    async with node(settings) as app:
        hall = await build_hall(sessions, world, status=MeetingStatus.draft)
        document = agenda_pdf(1, marker="Bản gốc")
        await add_pdf(app, sessions, world, hall.items[0], document)
    assert await asyncio.to_thread(cli, settings, "backup", str(tmp_path / "backups")) == 0
    archive = Path(capfd.readouterr().out.strip())
    sha = hashlib.sha256(document).hexdigest()
    member = f"documents/{sha[:2]}/{sha}.pdf"

    raw = await asyncio.to_thread(archive.read_bytes)
    middle = len(raw) // 2
    damaged = {
        # A disk error in the middle of the file: the compressed stream breaks.
        "flipped": raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1:],
        "truncated": raw[: len(raw) - 200],
        # Where a flipped byte lands decides how the stream breaks (a bad CRC, a bad
        # length, zlib's "invalid block type"...): every way must be a refusal.
        **{f"flipped at {k} of 64": raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1:]
           for k in range(1, 64) if (at := len(raw) * k // 64) != middle},
    }
    # A flip in the Huffman table of a symbol the block never uses changes nothing the
    # stream decodes to: that archive is intact, and restoring it is right.
    content = gzip.decompress(raw)
    for name in [n for n, data in damaged.items() if _decodes_to(data, content)]:
        del damaged[name]
    paths = {name: tmp_path / f"{name}.tar.gz" for name in damaged}
    for name, data in damaged.items():
        paths[name].write_bytes(data)
    # Well-formed archives whose content no longer matches the manifest.
    paths["changed document"] = rewritten(archive, tmp_path / "changed.tar.gz",
                                          {member: document.replace(b"%%EOF", b"%%EOG")})
    with tarfile.open(archive) as tar:
        [database] = [n for n in tar.getnames() if n.startswith("database/")]
        dumped = tar.extractfile(database).read()  # type: ignore[union-attr]
    half = len(dumped) // 2
    paths["changed database"] = rewritten(archive, tmp_path / "database.tar.gz", {
        database: dumped[:half] + bytes([dumped[half] ^ 1]) + dumped[half + 1:]})
    paths["not gzip"] = tmp_path / "plain.tar.gz"
    paths["not gzip"].write_bytes(gzip.decompress(raw)[:5000])

    files = files_of(settings.data_dir)
    async with db.transaction(sessions) as s:
        users = await s.scalar(select(func.count(User.id)))
    for name, path in paths.items():
        # Even --force changes nothing before the whole archive is verified.
        with pytest.raises(backup.BackupError) as refused:
            await asyncio.to_thread(backup.restore, settings, path, force=True)
        assert str(path) in str(refused.value) or "damaged" in str(refused.value), name
        assert files_of(settings.data_dir) == files, name
        assert not [p for p in settings.data_dir.iterdir() if p.name.startswith(".")], name
    async with db.transaction(sessions) as s:
        assert await s.scalar(select(func.count(User.id))) == users
        assert (await s.get(User, world["chair"].id)) is not None

    # On the command line: a message and a non-zero exit.
    code = await asyncio.to_thread(cli, settings, "restore", "--force",
                                   str(paths["changed document"]))
    assert code == 1
    assert f"restore refused: {member} is damaged" in capfd.readouterr().err
    assert files_of(settings.data_dir) == files
