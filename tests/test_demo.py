"""The demo's documents read as Vietnamese administrative papers, with or without the seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ecabinet import demo

EXTRACT = """
import sys, pymupdf
from ecabinet import demo
doc = pymupdf.open("pdf", demo.document_pdf(int(sys.argv[1]), "Dự thảo Đề án"))
print("\\n".join(page.get_text() for page in doc))
"""


def test_a_fresh_checkout_without_the_seeds_uses_the_shipped_texts(tmp_path: Path) -> None:
    env = {**os.environ, "ECABINET_SEEDS_DIR": str(tmp_path / "none")}
    text = subprocess.run([sys.executable, "-c", EXTRACT, "3"], env=env, check=True,
                          capture_output=True, text=True).stdout
    assert "DỰ THẢO ĐỀ ÁN" in text
    heading = (demo.BUNDLED_TEXTS / "3_de_an_chuyen_doi_so.txt").read_text("utf-8")
    assert heading.splitlines()[0] in " ".join(text.split())
    assert "Ban Chỉ đạo chuyển đổi số" in " ".join(text.split())


def test_every_shipped_text_has_a_heading_and_paragraphs() -> None:
    texts = sorted(demo.BUNDLED_TEXTS.glob("*.txt"))
    assert len(texts) >= len({seed for _t, _p, _m, papers in demo.AGENDA
                              for seed, _d, _r in papers})
    for path in texts:
        lines = [line for line in path.read_text("utf-8").splitlines() if line.strip()]
        assert len(lines) >= 5, path.name
        assert not any(line[:2].isdigit() for line in lines), path.name  # they would be cut
