"""Login CSRF: the public writes (login, language) refuse what another site's page sends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD, World

LOGIN = {"username": "delegate", "password": PASSWORD}


@pytest.mark.parametrize("origin", [
    "https://evil.example", "http://testserver.evil.example", "http://evil.example:80",
    "null", "ftp://testserver", "garbage", "http://",
])
async def test_login_from_another_sites_page_is_refused(
        world: World, client_factory: Any, origin: str) -> None:
    client = await client_factory()
    refused = await client.post("/api/login", json=LOGIN, headers={"origin": origin})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "cross_origin"
    assert "set-cookie" not in refused.headers
    assert (await client.get("/api/session")).json()["user"] is None


async def test_login_refusal_for_another_site_is_translated(
        world: World, client_factory: Any) -> None:
    client = await client_factory()
    vi = await client.post("/api/login", json=LOGIN, headers={"origin": "https://evil.example"})
    assert "eCabinet" in vi.json()["error"]["message"]
    en = await client.post("/api/login", json=LOGIN, headers={
        "origin": "https://evil.example", "accept-language": "en"})
    assert en.json()["error"]["message"] == (
        "Refused: the request did not come from this site's own pages.")


async def test_cross_site_login_without_origin_is_refused_by_fetch_metadata(
        world: World, client_factory: Any) -> None:
    client = await client_factory()
    for site in ("cross-site", "same-site"):
        refused = await client.post("/api/login", json=LOGIN, headers={"sec-fetch-site": site})
        assert refused.status_code == 403, site
        assert refused.json()["error"]["code"] == "cross_origin"


async def test_a_form_post_cannot_log_in_even_without_origin(
        world: World, client_factory: Any) -> None:
    # What an HTML form of another site sends from a browser that adds no Origin: a body
    # shaped as JSON but declared text/plain (or form-encoded).
    client = await client_factory()
    for content_type in ("text/plain", "application/x-www-form-urlencoded",
                         "multipart/form-data; boundary=x"):
        refused = await client.post(
            "/api/login", content=b'{"username": "delegate", "password": "%s"}' % PASSWORD.encode(),
            headers={"content-type": content_type, "accept-language": "en"})
        assert refused.status_code == 422, content_type
        assert refused.json()["error"] == {
            "code": "json_required",
            "message": "The request must be sent as JSON (Content-Type: application/json)."}


@pytest.mark.parametrize(("origin", "host"), [
    ("http://testserver", "testserver"),
    ("http://TestServer", "testserver"),
    ("http://127.0.0.1:8000", "127.0.0.1:8000"),
    ("http://[::1]:8000", "[::1]:8000"),
    # nginx passes $host without the port: the host name decides.
    ("https://ecabinet.tinh.gov.vn:8443", "ecabinet.tinh.gov.vn"),
    ("https://ecabinet.tinh.gov.vn", "ecabinet.tinh.gov.vn"),
])
async def test_login_from_the_apps_own_pages_works(
        world: World, client_factory: Any, origin: str, host: str) -> None:
    client = await client_factory()
    response = await client.post("/api/login", json=LOGIN, headers={
        "origin": origin, "host": host, "sec-fetch-site": "same-origin"})
    assert response.status_code == 200, response.text


async def test_a_page_on_another_port_of_the_same_host_is_another_site(
        world: World, client_factory: Any) -> None:
    client = await client_factory()
    refused = await client.post("/api/login", json=LOGIN, headers={
        "origin": "http://127.0.0.1:9999", "host": "127.0.0.1:8000"})
    assert refused.status_code == 403


async def test_language_cannot_be_set_from_another_site(
        world: World, client_factory: Any) -> None:
    anonymous = await client_factory()
    refused = await anonymous.post("/api/language", json={"language": "en"},
                                   headers={"origin": "https://evil.example"})
    assert refused.status_code == 403
    assert "set-cookie" not in refused.headers
    delegate = await client_factory("delegate")
    refused = await delegate.post("/api/language", json={"language": "en"},
                                  headers={"origin": "https://evil.example"})
    assert refused.status_code == 403
    assert (await delegate.get("/api/session")).json()["user"]["language"] == "vi"
    allowed = await delegate.post("/api/language", json={"language": "en"},
                                  headers={"origin": "http://testserver"})
    assert allowed.status_code == 200
    assert (await delegate.get("/api/session")).json()["user"]["language"] == "en"
