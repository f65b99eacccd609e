"""The app shell the service worker keeps so a tablet starts with no network."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from ecabinet import shell
from ecabinet.app import STATIC_DIR


def written_shell(source: str) -> dict[str, Any]:
    """The shell data the server wrote into sw.js."""
    match = re.search(r"const SHELL_DATA = \[(\{.*?\})\]\[0\]", source)
    assert match, "the shell was not written into the worker"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


async def test_the_worker_keeps_every_script_style_and_the_pdf_reader(
    client_factory: Any
) -> None:
    response = await (await client_factory()).get("/sw.js")
    assert response.status_code == 200
    data = written_shell(response.text)
    urls = set(data["urls"])
    assert "/" in urls
    assert "/static/js/app.js" in urls and "/static/js/views/reader_pdf.js" in urls
    assert "/static/css/documents.css" in urls
    assert "/static/node_modules/pdfjs-dist/legacy/build/pdf.worker.min.mjs" in urls
    assert "/static/node_modules/socket.io-client/dist/socket.io.esm.min.js" in urls
    for url in urls - {"/"}:  # every one of them is served
        assert (STATIC_DIR / url.removeprefix("/static/")).is_file(), url
    assert re.fullmatch(r"[0-9a-f]{16}", data["version"])


def test_a_changed_ui_file_gives_the_worker_a_new_version(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "css").mkdir()
    (tmp_path / "sw.js").write_text("const SHELL_DATA = [/*SHELL*/][0] || {};\n")
    (tmp_path / "index.html").write_text("<!doctype html>")
    app_js = tmp_path / "js" / "app.js"
    app_js.write_text("console.log(1);")
    before = shell.service_worker_source(tmp_path).decode()
    assert written_shell(before)["urls"] == ["/", "/static/js/app.js"]
    app_js.write_text("console.log(2); // changed")
    stat = app_js.stat()
    os.utime(app_js, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = shell.service_worker_source(tmp_path).decode()
    assert written_shell(after)["version"] != written_shell(before)["version"]
    (tmp_path / "css" / "new.css").write_text("body{}")
    assert "/static/css/new.css" in written_shell(
        shell.service_worker_source(tmp_path).decode())["urls"]
