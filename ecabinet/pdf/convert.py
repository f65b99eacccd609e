"""Turning a Word, Excel or OpenDocument draft into a PDF with LibreOffice, headless.

Offices write their drafts in Word or Excel; the PDF pipeline reads only PDF. An upload
named .docx, .doc, .xlsx or .odt is recognised by its name and by its content (a
mismatch is refused, so a renamed file never reaches LibreOffice as something else),
then converted by `soffice --convert-to pdf`:

- as a child process of the event loop (`asyncio.create_subprocess_exec`), never
  blocking it, in a process group of its own so that a timeout kills LibreOffice's
  helpers (oosplash, soffice.bin) with it;
- with a wall-clock limit and an address-space limit (RLIMIT_AS), both settings;
- with a fresh LibreOffice profile per conversion, so that two conversions never share
  (and lock) one, and a profile that refuses macros and the network;
- at most `concurrency` at a time on a node: each conversion is a whole office suite.

Every refusal is an `Invalid` whose code keys a translated message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import shutil
import signal
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePath

from ecabinet.errors import Invalid

log = logging.getLogger(__name__)


class OfficeType(StrEnum):
    """The draft formats converted to PDF; values are file extensions."""

    DOCX = "docx"
    DOC = "doc"
    XLSX = "xlsx"
    ODT = "odt"


MEDIA_TYPES: dict[OfficeType, str] = {
    OfficeType.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    OfficeType.DOC: "application/msword",
    OfficeType.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    OfficeType.ODT: "application/vnd.oasis.opendocument.text",
}

# The import filter for each format, named so that LibreOffice never guesses: a damaged
# .docx would otherwise open as plain text and come out as pages of zip bytes.
_FILTERS: dict[OfficeType, str] = {
    OfficeType.DOCX: "MS Word 2007 XML",
    OfficeType.DOC: "MS Word 97",
    OfficeType.XLSX: "Calc MS Excel 2007 XML",
    OfficeType.ODT: "writer8",
}

# OLE2 compound file (Word 97-2003 .doc): its first eight bytes.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# What LibreOffice may say on stderr is for the log, never for the uploader.
_STDERR_KEEP = 2000

# The fresh profile's settings (registrymodifications.xcu): macros never run, untrusted
# links are blocked and the internet goes through a proxy on a closed port, so a draft
# cannot make the server reach out while it converts.
_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "3"),
    ("org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
    ("org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true"),
    ("org.openoffice.Inet/Settings", "ooInetProxyType", "2"),  # 2: the proxy below
    ("org.openoffice.Inet/Settings", "ooInetHTTPProxyName", "127.0.0.1"),
    ("org.openoffice.Inet/Settings", "ooInetHTTPProxyPort", "9"),
    ("org.openoffice.Inet/Settings", "ooInetHTTPSProxyName", "127.0.0.1"),
    ("org.openoffice.Inet/Settings", "ooInetHTTPSProxyPort", "9"),
    ("org.openoffice.Office.Common/Misc", "FirstRun", "false"),
)


def _profile_settings() -> str:
    items = "".join(
        f'<item oor:path="/{path}"><prop oor:name="{name}" oor:op="fuse">'
        f"<value>{value}</value></prop></item>\n" for path, name, value in _SETTINGS)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            f"{items}</oor:items>\n")


def office_type(filename: str) -> OfficeType | None:
    """The draft format a file name says it is, or None (a PDF, or anything else)."""
    suffix = PurePath(filename.replace("\\", "/")).suffix.lower().lstrip(".")
    try:
        return OfficeType(suffix)
    except ValueError:
        return None


def content_is(path: Path, kind: OfficeType) -> bool:
    """Whether the file's content is what its name says: a zip of the right parts, or OLE2."""
    with path.open("rb") as file:
        head = file.read(len(_OLE2))
    if kind == OfficeType.DOC:
        return head == _OLE2
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if kind == OfficeType.ODT:
                return "mimetype" in names and archive.read("mimetype").strip() == _ODT_MIMETYPE
            part = "word/" if kind == OfficeType.DOCX else "xl/"
            return "[Content_Types].xml" in names and any(n.startswith(part) for n in names)
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return False


def find_soffice() -> str | None:
    """The LibreOffice binary on PATH, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _limit_memory(max_bytes: int) -> Callable[[], None]:
    def limit() -> None:  # runs in the child between fork and exec
        if max_bytes > 0:
            resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    return limit


def _kill_group(pgid: int) -> None:
    # The group outlives its leader: soffice.bin is oosplash's child.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


@dataclass(frozen=True)
class Limits:
    """How long and how much memory one conversion may take, and how many run at once."""

    timeout_seconds: float = 60.0
    memory_bytes: int = 2 * 1024 * 1024 * 1024
    concurrency: int = 2


class Converter:
    """Office drafts to PDF, at most `limits.concurrency` at a time on this node."""

    def __init__(self, limits: Limits, binary: str | None = None) -> None:
        self.limits = limits
        self.binary = binary
        self._slots = asyncio.Semaphore(max(1, limits.concurrency))

    async def to_pdf(self, source: Path, kind: OfficeType, workdir: Path) -> Path:
        """Convert `source` (checked to be `kind`) to a PDF inside `workdir`, which the
        caller creates and removes; raise `Invalid` if it cannot be done."""
        if not await asyncio.to_thread(content_is, source, kind):
            raise Invalid("file_type_mismatch", type=f".{kind.value}")
        binary = self.binary or find_soffice()
        if binary is None:
            raise Invalid("conversion_unavailable")
        # LibreOffice names its output after its input: give it a plain name to convert.
        draft = workdir / f"draft.{kind.value}"
        profile = workdir / "profile"
        out = workdir / "out"
        await asyncio.to_thread(_prepare, source, draft, profile, out)
        async with self._slots:
            await self._run(binary, kind, draft, profile, out, workdir)
        pdf = out / "draft.pdf"
        if not pdf.is_file() or pdf.stat().st_size == 0:
            # LibreOffice exits 0 when it cannot load the input: it only writes nothing.
            log.info("LibreOffice made no PDF of a .%s upload", kind.value)
            raise Invalid("conversion_failed")
        return pdf

    async def _run(self, binary: str, kind: OfficeType, draft: Path, profile: Path, out: Path,
                   home: Path) -> None:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
               "LANG": "C.UTF-8", "TMPDIR": str(home)}
        process = await asyncio.create_subprocess_exec(
            binary, "--headless", "--norestore", "--nolockcheck", "--nodefault",
            "--nofirststartwizard", f"-env:UserInstallation={profile.as_uri()}",
            f"--infilter={_FILTERS[kind]}", "--convert-to", "pdf", "--outdir", str(out), str(draft),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env, cwd=str(home),
            start_new_session=True, preexec_fn=_limit_memory(self.limits.memory_bytes))
        try:
            _stdout, stderr = await asyncio.wait_for(process.communicate(),
                                                     self.limits.timeout_seconds)
        except TimeoutError as exc:
            _kill_group(process.pid)
            await process.wait()
            raise Invalid("conversion_timeout",
                          seconds=f"{self.limits.timeout_seconds:g}") from exc
        except BaseException:  # cancelled (the client went away): leave nothing running
            _kill_group(process.pid)
            await process.wait()
            raise
        finally:
            # Whatever helper is still around once the leader has gone is an orphan.
            _kill_group(process.pid)
        if process.returncode != 0:
            log.warning("LibreOffice failed (exit %s): %s", process.returncode,
                        stderr.decode(errors="replace")[-_STDERR_KEEP:])
            raise Invalid("conversion_failed")


def _prepare(source: Path, draft: Path, profile: Path, out: Path) -> None:
    # A hard link where the disk allows it: the upload may weigh 100 MB.
    try:
        os.link(source, draft)
    except OSError:
        shutil.copyfile(source, draft)
    user = profile / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(_profile_settings(), encoding="utf-8")
    out.mkdir()
