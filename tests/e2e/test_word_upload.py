"""The secretary uploads a Word draft on the agenda screen: it becomes a readable PDF, with a
link to the .docx as it was sent."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from ecabinet.pdf.convert import MEDIA_TYPES, OfficeType, find_soffice
from tests.documents.office import docx
from tests.e2e.conftest import Screens
from tests.e2e.test_documents_flow import open_agenda

pytestmark = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed")

TITLE = "Dự thảo kế hoạch 2027"


async def test_a_word_draft_becomes_a_readable_document_with_its_original(
    screens: Screens
) -> None:
    secretary = await screens.login("thuky")
    await open_agenda(secretary)
    first_item = secretary.locator("#agenda-items .agenda-item").first
    picker = first_item.locator("input[type=file]")
    # The picker offers Word, Excel and OpenDocument beside PDF, and the screen says so.
    for extension in (".pdf", ".docx", ".doc", ".xlsx", ".odt"):
        assert extension in (await picker.get_attribute("accept") or "")
    await expect(first_item.locator(".upload-hint")).to_contain_text("Word (.docx, .doc)")
    data = docx("Kế hoạch phát triển kinh tế – xã hội năm 2027",
                "Trình Ủy ban nhân dân tỉnh xem xét, quyết định.")
    await picker.set_input_files({"name": f"{TITLE}.docx",
                                  "mimeType": MEDIA_TYPES[OfficeType.DOCX], "buffer": data})
    # Seconds of LibreOffice with nothing moving: the note says what is happening.
    await expect(first_item.locator(".upload-note")).to_contain_text(
        f"Đang chuyển {TITLE}.docx sang PDF")
    row = secretary.locator(".doc-row", has_text=TITLE)
    await expect(row).to_have_attribute("data-status", "ready", timeout=60000)
    await expect(row).to_contain_text("1 trang")
    source = row.locator("a.doc-source")
    await expect(source).to_have_text("Bản gốc (.docx)")
    async with secretary.expect_download() as download_info:
        await source.click()
    download = await download_info.value
    assert download.suggested_filename == f"{TITLE}.docx"
    path = await download.path()
    assert path is not None and path.read_bytes() == data
    # Opening it shows the converted page, its words in the text layer.
    await row.locator("a.button", has_text="Đọc").click()
    await expect(secretary.locator(".pager")).to_contain_text("1", timeout=30000)
    await expect(secretary.locator("#text-layer")).to_contain_text("phát triển kinh tế",
                                                                   timeout=30000)
