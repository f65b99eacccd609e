"""`ecabinet backup` and `ecabinet restore`: one archive holding a node's database and files.

A backup is one `.tar.gz` file (one thing to copy off-site, written under a temporary name
and renamed when complete, so a half-written backup never looks like a backup):

    manifest.json              format, time, version, database kind, Alembic revision,
                               and every other member with its size and SHA-256
    database/ecabinet.sqlite   SQLite: a copy by the online backup API (safe while serving)
    database/ecabinet.pgdump   PostgreSQL: `pg_dump --format=custom`
    documents/...              the uploaded originals (ECABINET_DOCUMENTS_DIR, or the data
                               directory's documents/), not uploads still arriving
    data/...                   the rest of the data directory: keys, secret key, recordings,
                               task files; not the page cache (rebuilt on demand), not the
                               SQLite file itself

A restore checks every member against the manifest before it changes anything, refuses to
overwrite a data directory or database that holds something unless forced, restores the
database in one step (SQLite: an atomic rename; PostgreSQL: `pg_restore` in a single
transaction), swaps the files in, then migrates the database to the code's head. Files are
unpacked next to where they go (the documents may be on another disk, a share several nodes
use), so putting them in place is a rename, never a half-finished copy.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.request import pathname2url

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ecabinet import db
from ecabinet.config import Settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/ecabinet.sqlite"
PG_MEMBER = "database/ecabinet.pgdump"
PREFIX = "ecabinet-backup-"
CHUNK = 1024 * 1024
# Uploads being received, never finished; the page cache is skipped wherever it is.
INCOMING = ".incoming"
# What a fresh data directory may hold and still count as empty: `load_settings` writes a
# secret key into the data directory the first time any command runs.
FRESH = {"secret_key"}
# Tables migrations fill on an empty database.
SEEDED_TABLES = {"alembic_version", "audit_head"}
_STAGING = ".restore-"
_ASIDE = ".replaced-"


class BackupError(Exception):
    """Backup or restore failed; the message says why, and what, if anything, changed."""


@dataclass(frozen=True)
class Restored:
    """What a restore put back."""

    database: str
    revision: str
    files: int


# -- where things are ----------------------------------------------------------------


def sqlite_path(database_url: str) -> Path | None:
    """The file of an SQLite database URL (None for PostgreSQL)."""
    if not db.is_sqlite(database_url):
        return None
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database).resolve()


def _sqlite_companions(path: Path) -> list[Path]:
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def libpq_url(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL for pg_dump/pg_restore, and the environment carrying its password."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password is not None:
        # In the environment, not the command line, where `ps` would show it.
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def trees(settings: Settings) -> dict[str, Path]:
    """The folders a backup holds, by their name in the archive."""
    return {"documents": settings.documents_dir.resolve(), "data": settings.data_dir.resolve()}


def _kept(settings: Settings) -> set[Path]:
    # Never part of a tree's files: the cache, the documents (a tree of their own even
    # inside the data directory), the SQLite file, uploads being received.
    kept = {settings.cache_dir.resolve(), settings.documents_dir.resolve(),
            settings.documents_dir.resolve() / INCOMING}
    path = sqlite_path(settings.database_url)
    if path is not None:
        kept.update(_sqlite_companions(path))
    return kept


def data_files(settings: Settings, *, exclude: tuple[Path, ...] = ()) -> Iterator[
        tuple[str, Path]]:
    """(name in the archive, file) for each file a backup holds."""
    kept = _kept(settings) | {p.resolve() for p in exclude}
    for prefix, root in trees(settings).items():
        if not root.is_dir():
            continue
        skipped = kept - {root}
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if here / d not in skipped
                             and not d.startswith((_STAGING, _ASIDE)))
            for name in sorted(files):
                path = here / name
                # Links are not followed: nothing from outside these folders goes in.
                if path in skipped or path.is_symlink() or name.endswith((".tmp", ".part")):
                    continue
                yield f"{prefix}/{path.relative_to(root).as_posix()}", path


# -- the database ------------------------------------------------------------------


async def _revision_and_rows(database_url: str) -> tuple[str | None, bool]:
    engine = db.create_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables: list[str] = await conn.run_sync(lambda c: inspect(c).get_table_names())
            revision = None
            if "alembic_version" in tables:
                revision = (await conn.execute(
                    text("SELECT version_num FROM alembic_version"))).scalar()
            holds = False
            for table in tables:
                if table in SEEDED_TABLES:
                    continue
                quoted = conn.dialect.identifier_preparer.quote(table)
                if (await conn.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1"))).first():
                    holds = True
                    break
            return revision, holds
    finally:
        await engine.dispose()


def database_state(database_url: str) -> tuple[str | None, bool]:
    """(Alembic revision or None, whether any table holds rows a migration did not put)."""
    path = sqlite_path(database_url)
    if path is not None and not path.exists():
        return None, False
    return asyncio.run(_revision_and_rows(database_url))


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client)")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip() or done.returncode}")


def _dump_database(database_url: str, target: Path) -> tuple[str, str | None]:
    """Write the database to `target`; returns (kind, Alembic revision)."""
    path = sqlite_path(database_url)
    if path is not None:
        if not path.exists():
            raise BackupError(f"no SQLite database at {path}")
        source = sqlite3.connect(f"file:{pathname2url(str(path))}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            # The backup API copies a consistent snapshot while the server keeps writing.
            source.backup(copy)
            row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error as exc:
            raise BackupError(f"reading the SQLite database failed: {exc}") from exc
        finally:
            copy.close()
            source.close()
        return "sqlite", row[0] if row else None
    url, env = libpq_url(database_url)
    revision, _holds = database_state(database_url)
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={url}"],
         env)
    return "postgresql", revision


# -- backup ------------------------------------------------------------------------


class _Hashing(io.RawIOBase):
    """Reads a file for tarfile while hashing exactly what was read."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.sha.update(data)
        return data


def _add(archive: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    with path.open("rb") as stream:
        # The size read now is what goes in: a recording still being written is cut there.
        size = os.fstat(stream.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(path.stat().st_mtime)
        info.mode = 0o600
        reader = _Hashing(stream)
        archive.addfile(info, reader)  # type: ignore[arg-type]
    return {"path": name, "size": size, "sha256": reader.sha.hexdigest()}


def archive_name(now: datetime) -> str:
    """`ecabinet-backup-2026-12-02T1530Z.tar.gz` (seconds added to keep names unique)."""
    return f"{PREFIX}{now.strftime('%Y-%m-%dT%H%M%SZ')}.tar.gz"


def backup(settings: Settings, dest_dir: Path, *, now: datetime | None = None) -> Path:
    """Write one archive of the database and the data directory into `dest_dir`."""
    try:
        return _backup(settings, dest_dir, now or datetime.now(UTC))
    except (OSError, SQLAlchemyError, tarfile.TarError) as exc:
        raise BackupError(f"{type(exc).__name__}: {exc} (no archive was written)") from exc


def _backup(settings: Settings, dest_dir: Path, now: datetime) -> Path:
    dest_dir = dest_dir.resolve()
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / archive_name(now)
    if final.exists():
        raise BackupError(f"{final} already exists")
    token = secrets.token_hex(4)
    partial = dest_dir / f".{final.name}.{token}.partial"
    dump = dest_dir / f".database.{token}.partial"
    try:
        kind, revision = _dump_database(settings.database_url, dump)
        files: list[dict[str, Any]] = []
        # Level 1: PDFs and recordings are compressed already; level 6 halved the speed
        # (14 MB/s against 28 of such files) for nothing, and the database still shrinks.
        with tarfile.open(partial, "w:gz", compresslevel=1) as archive:
            files.append(_add(archive, SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER, dump))
            for name, path in data_files(settings, exclude=(dest_dir,)):
                try:
                    files.append(_add(archive, name, path))
                except FileNotFoundError:  # removed meanwhile (a replaced document)
                    continue
            manifest = {
                "format": FORMAT,
                "ecabinet_version": _version(),
                "created_at": now.isoformat().replace("+00:00", "Z"),
                "database": {"kind": kind, "alembic_revision": revision},
                "files": files,
            }
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(now.timestamp()), 0o600
            archive.addfile(info, io.BytesIO(body))
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        partial.chmod(0o600)  # it holds the secret key and every document
        os.replace(partial, final)
    finally:
        dump.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return final


def _version() -> str:
    try:
        return metadata.version("ecabinet")
    except metadata.PackageNotFoundError:
        return "unknown"


# -- restore -----------------------------------------------------------------------


def _member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"the archive names a path outside itself: {name!r}")
    return path


def _unpack(archive_path: Path, staging: dict[str, Path]) -> dict[str, Any]:
    """Extract each tree into its staging folder (the rest into staging["data"]'s parent),
    checking every member against the manifest; returns the manifest."""
    hashes: dict[str, tuple[str, int]] = {}
    top = staging["data"].parent
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            for member in archive:
                if member.isdir():
                    continue
                path = _member_path(member.name)
                if not member.isfile():
                    raise BackupError(f"the archive holds a link or device: {member.name!r}")
                if member.name in hashes:
                    raise BackupError(f"the archive holds {member.name!r} twice")
                if path.parts[0] in staging and len(path.parts) > 1:
                    target = staging[path.parts[0]].joinpath(*path.parts[1:])
                elif path.parts[0] in ("database", MANIFEST):
                    target = top.joinpath(*path.parts)
                else:
                    raise BackupError(f"the archive holds an unknown member {member.name!r}")
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                assert source is not None
                sha = hashlib.sha256()
                # Key stores and the secret key among them: readable by the server only.
                with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                               "wb") as out:
                    while chunk := source.read(CHUNK):
                        sha.update(chunk)
                        out.write(chunk)
                hashes[member.name] = (sha.hexdigest(), member.size)
            # To its end, so gzip checks its CRC over everything, padding included.
            rest = archive.fileobj
            while rest is not None and rest.read(CHUNK):
                pass
    # A damaged gzip stream may surface as zlib's own error, depending on the byte hit.
    except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError(f"{archive_path} is not a readable backup: {exc}") from exc
    if MANIFEST not in hashes:
        raise BackupError(f"{archive_path} has no {MANIFEST}")
    try:
        manifest: dict[str, Any] = json.loads((top / MANIFEST).read_text("utf-8"))
        listed = {f["path"]: (f["sha256"], int(f["size"])) for f in manifest["files"]}
        kind = manifest["database"]["kind"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{MANIFEST} is malformed: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    del hashes[MANIFEST]
    if set(hashes) != set(listed):
        missing, extra = set(listed) - set(hashes), set(hashes) - set(listed)
        raise BackupError(f"the archive does not match its manifest (missing {sorted(missing)}, "
                          f"unlisted {sorted(extra)})")
    for name, (sha, size) in listed.items():
        if hashes[name] != (sha, size):
            raise BackupError(f"{name} is damaged: its SHA-256 does not match the manifest")
    expected = SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER
    if kind not in ("sqlite", "postgresql") or expected not in listed:
        raise BackupError(f"the archive holds no {kind!r} database")
    return manifest


def _check_revision(database_url: str, revision: str | None) -> None:
    from alembic.script import ScriptDirectory

    from ecabinet.schema import alembic_config

    if revision is None:
        raise BackupError("the backed-up database has no Alembic revision")
    scripts = ScriptDirectory.from_config(alembic_config(database_url))
    try:
        known = scripts.get_revision(revision)
    except Exception:  # alembic raises several kinds for an unknown id
        known = None
    if known is None:
        raise BackupError(f"the backup's schema revision {revision!r} is unknown to this "
                          "eCabinet (newer?); restore with the version that made it")


def _restore_database(settings: Settings, staging: Path, kind: str) -> None:
    """Put the staged database (under `staging`/database/) in place, all or nothing."""
    path = sqlite_path(settings.database_url)
    if (kind == "sqlite") != (path is not None):
        configured = "SQLite" if path is not None else "PostgreSQL"
        raise BackupError(f"the backup holds a {kind} database, but ECABINET_DATABASE_URL "
                          f"names {configured}; restoring across backends is not supported")
    if path is not None:
        source = staging / SQLITE_MEMBER
        path.parent.mkdir(parents=True, exist_ok=True)
        incoming = path.with_name(f".{path.name}.{secrets.token_hex(4)}.restore")
        try:
            shutil.copyfile(source, incoming)
            with incoming.open("rb") as stream:
                os.fsync(stream.fileno())
            # An old write-ahead log would be replayed onto the restored file.
            for companion in _sqlite_companions(path)[1:]:
                companion.unlink(missing_ok=True)
            os.replace(incoming, path)
        finally:
            incoming.unlink(missing_ok=True)
        return
    url, env = libpq_url(settings.database_url)
    # One transaction: if anything fails, the database is as it was.
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={url}", str(staging / PG_MEMBER)], env)


def _swap(root: Path, new: Path, keep: set[Path]) -> list[tuple[Path, Path]]:
    """Move `root`'s entries (but `keep`) aside and `new`'s in; returns how to undo it."""
    aside = root / f"{_ASIDE}{secrets.token_hex(4)}"
    aside.mkdir()
    done: list[tuple[Path, Path]] = []  # (from, to), in order
    try:
        for entry in sorted(root.iterdir()):
            if entry in keep or entry == aside or entry.name.startswith(_STAGING):
                continue
            os.replace(entry, aside / entry.name)
            done.append((entry, aside / entry.name))
        for entry in sorted(new.iterdir()) if new.is_dir() else []:
            if root / entry.name in keep:  # never over the database just restored
                continue
            os.replace(entry, root / entry.name)
            done.append((entry, root / entry.name))
    except OSError:
        _undo(done)
        aside.rmdir()
        raise
    return done


def _undo(done: list[tuple[Path, Path]]) -> None:
    for source, target in reversed(done):
        os.replace(target, source)


def _swap_files(settings: Settings, staging: dict[str, Path]) -> int:
    """Replace the documents and the data directory's files with the staged ones."""
    kept = _kept(settings)
    roots = trees(settings)
    done: list[tuple[Path, Path]] = []
    try:
        for prefix, root in roots.items():
            done += _swap(root, staging[prefix], kept - {root})
    except OSError:
        _undo(done)
        for root in roots.values():
            for aside in root.glob(f"{_ASIDE}*"):
                aside.rmdir()
        raise
    for root in roots.values():
        for aside in root.glob(f"{_ASIDE}*"):
            shutil.rmtree(aside, ignore_errors=True)
    # Page images are keyed by the documents' SHA-256, so old ones would still be right;
    # a restore starts with a clean cache all the same.
    shutil.rmtree(settings.cache_dir, ignore_errors=True)
    return sum(1 for _ in data_files(settings))


def restore(settings: Settings, archive_path: Path, *, force: bool = False) -> Restored:
    """Put back a backup: verify it whole, then the database, the files, and migrations."""
    from ecabinet.schema import upgrade

    archive_path = archive_path.resolve()
    if not archive_path.is_file():
        raise BackupError(f"no archive at {archive_path}")
    token = secrets.token_hex(4)
    staging: dict[str, Path] = {}
    for prefix, root in trees(settings).items():
        root.mkdir(parents=True, exist_ok=True)
        # Unpacked beside where it goes: putting it in place is then a rename.
        staging[prefix] = root / f"{_STAGING}{token}" / prefix
        staging[prefix].mkdir(parents=True, exist_ok=True)
    top = staging["data"].parent
    try:
        manifest = _unpack(archive_path, staging)
        kind = manifest["database"]["kind"]
        revision = manifest["database"].get("alembic_revision")
        _check_revision(settings.database_url, revision)
        if not force:
            present = [name for name, _ in data_files(settings)
                       if name.removeprefix("data/") not in FRESH]
            if present:
                raise BackupError(f"the data directory {settings.data_dir} is not empty "
                                  f"({present[0]} ...); restore with --force to replace it")
            _revision, holds = database_state(settings.database_url)
            if holds:
                raise BackupError("the database is not empty; restore with --force to "
                                  "replace it")
        try:
            _restore_database(settings, top, kind)
        except (OSError, SQLAlchemyError) as exc:
            raise BackupError(f"restoring the database failed, it is as it was: {exc}"
                              ) from exc
        try:
            files = _swap_files(settings, staging)
        except OSError as exc:
            raise BackupError(f"the database is restored, but putting the files in place "
                              f"failed (they are as they were): {exc}; restore again with "
                              "--force once the cause is fixed") from exc
    except (OSError, SQLAlchemyError) as exc:  # unpacking, or reading the target database
        raise BackupError(f"{type(exc).__name__}: {exc} (nothing was changed)") from exc
    finally:
        for folder in staging.values():
            shutil.rmtree(folder.parent, ignore_errors=True)
    try:
        upgrade(settings.database_url)
    except Exception as exc:  # alembic and the drivers raise many kinds
        raise BackupError(f"restored, but migrating the database failed: {exc}; run "
                          "`ecabinet db upgrade`") from exc
    return Restored(kind, revision or "", files)
