"""Documents live in one store every node reads; page caches are each node's own."""

from __future__ import annotations

import asyncio

import httpx

from tests.cluster.conftest import Cluster
from tests.documents.pdfs import agenda_pdf


async def test_document_uploaded_through_one_node_is_read_through_the_other(
        cluster: Cluster) -> None:
    seeded = await cluster.seed(delegates=2, status="draft")
    node_a, node_b = cluster.nodes
    data = agenda_pdf(2, marker="Kế hoạch chuyển đổi số năm 2026")
    headers = seeded.secretary.headers()
    async with httpx.AsyncClient(base_url=node_a.url, headers=headers) as a, \
            httpx.AsyncClient(base_url=node_b.url, headers=headers) as b:
        uploaded = await a.post(f"/api/agenda/items/{seeded.item_id}/documents",
                                files={"file": ("ke-hoach.pdf", data, "application/pdf")})
        assert uploaded.status_code == 201, uploaded.text
        doc_id = uploaded.json()["id"]

        # Processed by node A (its queue); node B reads the same rows and the same file.
        async with asyncio.timeout(20):
            while True:
                view = (await b.get(f"/api/documents/{doc_id}")).json()
                if view["readable"] is not None:
                    break
                assert view["version"]["status"] in ("pending", "processing"), view
                await asyncio.sleep(0.1)
        version_id = view["readable"]["id"]
        assert view["readable"]["pages"] == 2

        original = await b.get(f"/api/documents/{doc_id}/versions/{version_id}/original")
        assert original.status_code == 200
        assert original.content == data

        page = await b.get(f"/api/documents/{doc_id}/versions/{version_id}/pages/2/image",
                           params={"w": 480})
        assert page.status_code == 200, page.text
        assert page.headers["content-type"] == "image/webp"
        assert page.content.startswith(b"RIFF") and page.content[8:12] == b"WEBP"

    # One original in the shared store; each node rendered into its own cache.
    stored = [p for p in (cluster.shared / "documents").rglob("*.pdf")
              if p.read_bytes() == data]
    assert len(stored) == 1
    assert not (cluster.shared / "data" / "cache").exists()
    assert list(node_a.cache.rglob("t*.png"))  # node A made the thumbnails processing it
    assert list(node_b.cache.rglob("p1-w480.img"))  # node B rendered page 2 on demand
    assert not list(node_b.cache.rglob("t*.png"))
