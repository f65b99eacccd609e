"""The PDF a tablet draws itself: served whole or in ranges, cached for good, never for a
restricted document; the briefcase's manifest with each file's size; compressed JSON."""

from __future__ import annotations

import hashlib
from typing import Any

from ecabinet.models import MeetingStatus
from tests.conftest import World
from tests.documents import pdfs
from tests.documents.conftest import add_item, add_pdf, advance, library_of
from tests.test_meetings import make_meeting

S = MeetingStatus


async def published(app: Any, sessions: Any, world: World, *, restricted: bool = False,
                    pages: int = 3) -> tuple[int, int, int, bytes]:
    """(meeting, document, version, the PDF's bytes) of a published meeting's document."""
    meeting_id = await make_meeting(sessions, world)
    item_id = await add_item(sessions, world, meeting_id)
    data = pdfs.agenda_pdf(pages, marker="drawn on the tablet")
    doc_id, version_id = await add_pdf(app, sessions, world, item_id, data, restricted=restricted,
                                       readers=(world["delegate"].id,) if restricted else ())
    await advance(sessions, world, meeting_id, S.published)
    return meeting_id, doc_id, version_id, data


async def test_the_pdf_is_the_stored_original_cached_for_good_and_served_in_ranges(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    _m, doc_id, version_id, data = await published(app, sessions, world)
    delegate = await client_factory("delegate")
    url = f"/api/documents/{doc_id}/versions/{version_id}/pdf"
    whole = await delegate.get(url, headers={"accept-encoding": "gzip"})
    assert whole.status_code == 200
    assert whole.content == data
    assert whole.headers["content-type"] == "application/pdf"
    assert "content-encoding" not in whole.headers  # a PDF is never gzipped: ranges would lie
    assert whole.headers["accept-ranges"] == "bytes"
    assert "immutable" in whole.headers["cache-control"]
    assert whole.headers["cache-control"].startswith("private")
    assert whole.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'  # its address
    part = await delegate.get(url, headers={"range": "bytes=100-1123", "accept-encoding": "gzip"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-1123/{len(data)}"
    assert part.content == data[100:1124]
    tail = await delegate.get(url, headers={"range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == data[-50:]


async def test_a_restricted_document_never_leaves_as_a_pdf(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id, doc_id, version_id, _data = await published(app, sessions, world, restricted=True)
    reader = await client_factory("delegate")  # a named reader: may view the pages
    assert (await reader.get(f"/api/documents/{doc_id}")).status_code == 200
    refused = await reader.get(f"/api/documents/{doc_id}/versions/{version_id}/pdf")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "restricted_view_only"
    assert refused.headers["content-type"].startswith("application/json")
    original = await reader.get(f"/api/documents/{doc_id}/versions/{version_id}/original")
    assert original.status_code == 403
    manifest = (await reader.get(f"/api/meetings/{meeting_id}/briefcase?w=480")).json()
    assert manifest["keep"] is True
    assert not any(f"/api/documents/{doc_id}" in f["url"] for f in manifest["files"])
    outsider = await client_factory("observer")
    assert (await outsider.get(f"/api/documents/{doc_id}/versions/{version_id}/pdf")
            ).status_code == 404


async def test_the_briefcase_lists_each_file_with_its_size(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id, doc_id, version_id, data = await published(app, sessions, world, pages=4)
    delegate = await client_factory("delegate")
    pdf_form = (await delegate.get(f"/api/meetings/{meeting_id}/briefcase?w=480")).json()
    urls = {f["url"]: f for f in pdf_form["files"]}
    pdf = urls[f"/api/documents/{doc_id}/versions/{version_id}/pdf"]
    assert pdf["bytes"] == len(data) and pdf["document_id"] == doc_id
    assert f"/api/documents/{doc_id}/annotations?version={version_id}" in urls
    assert f"/api/meetings/{meeting_id}/agenda" in urls
    assert not any("/pages/" in url for url in urls)  # the tablet draws the pages itself
    assert pdf_form["bytes"] == sum(f["bytes"] for f in pdf_form["files"])
    # The PDF is nearly all of it: the JSON around it is small.
    assert pdf_form["bytes"] <= len(data) * 1.3 + 10_000
    assert pdf_form["ask_above"] == library_of(app).settings.briefcase_ask_bytes
    pages_form = (await delegate.get(
        f"/api/meetings/{meeting_id}/briefcase?w=480&form=pages")).json()
    images = [f for f in pages_form["files"] if "/image?w=480" in f["url"]]
    assert len(images) == 4 and all(f["bytes"] > 0 for f in images)
    assert not any(f["url"].endswith("/pdf") for f in pages_form["files"])
    bad = await delegate.get(f"/api/meetings/{meeting_id}/briefcase?w=480&form=zip")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "field_invalid"


async def test_json_is_compressed_for_who_asks(
    app: Any, client_factory: Any, world: World, sessions: Any
) -> None:
    meeting_id, _doc, _version, _data = await published(app, sessions, world, pages=12)
    delegate = await client_factory("delegate")
    url = f"/api/meetings/{meeting_id}/briefcase?w=480&form=pages"
    plain = await delegate.get(url, headers={"accept-encoding": "identity"})
    squeezed = await delegate.get(url, headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert squeezed.headers["content-encoding"] == "gzip"
    assert squeezed.num_bytes_downloaded < len(plain.content) / 3
    assert squeezed.json() == plain.json()  # httpx decodes; the body is the same JSON
