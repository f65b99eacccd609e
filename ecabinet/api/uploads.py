"""Receiving a document upload (a PDF, or a Word/Excel/OpenDocument draft the library
converts): a multipart request read into a temporary file, within the size limit.

The body is counted as it arrives, so an oversized upload is refused without being
stored; the temporary file lives next to the document store (one rename keeps it) and
is deleted whatever happens.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from ecabinet import payload
from ecabinet.documents import Library, rejection
from ecabinet.errors import Invalid
from ecabinet.pdf.validate import PdfRejected, check_size

# Room for the multipart envelope and the small text fields around the file.
FORM_OVERHEAD = 64 * 1024
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """An upload on disk, with the form's text fields."""

    path: Path
    filename: str
    fields: dict[str, str]


def _refuse_size(size: int, limit: int) -> None:
    try:
        check_size(size, max_bytes=limit)
    except PdfRejected as exc:
        raise rejection(exc) from exc


async def _limited(stream: AsyncGenerator[bytes, None], limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > limit + FORM_OVERHEAD:
            _refuse_size(received, limit)
        yield chunk


def _copy(source: BinaryIO, target: Path, limit: int) -> int:
    source.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(source, out, COPY_CHUNK)
        size = out.tell()
    if size > limit:
        _refuse_size(size, limit)
    return size


@asynccontextmanager
async def received_pdf(request: Request, library: Library) -> AsyncIterator[Upload]:
    """The request's `file` part in a temporary file (deleted on exit), and its text fields."""
    limit = library.settings.upload_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        _refuse_size(int(declared) - FORM_OVERHEAD, limit)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Invalid("upload_needs_multipart")
    parser = MultiPartParser(request.headers, _limited(request.stream(), limit),
                             max_files=1, max_fields=20)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise Invalid("bad_upload") from exc
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise Invalid("upload_no_file")
        temp = library.incoming()
        try:
            await asyncio.to_thread(_copy, file.file, temp, limit)
            fields = {k: payload.clean_text(v, k) for k, v in form.multi_items()
                      if isinstance(v, str)}
            yield Upload(temp, file.filename or "", fields)
        finally:
            temp.unlink(missing_ok=True)
    finally:
        await form.close()
