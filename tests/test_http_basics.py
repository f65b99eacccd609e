"""Health, the OpenAPI document, error shapes, security headers, the UI shell."""

from __future__ import annotations

from typing import Any

from tests.conftest import World


async def test_healthz_answers_when_database_is_reachable(client_factory: Any) -> None:
    client = await client_factory()
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_openapi_describes_every_api_route(client_factory: Any, app: Any) -> None:
    client = await client_factory()
    doc = (await client.get("/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    paths = doc["paths"]
    for path, method in [("/api/login", "post"), ("/api/meetings", "get"),
                         ("/api/meetings", "post"), ("/api/meetings/{id}", "put"),
                         ("/api/meetings/{id}/transitions/{name}", "post"),
                         ("/api/units", "post"), ("/api/users/{user_id}", "put"),
                         ("/healthz", "get")]:
        assert method in paths[path], (path, method)
        assert any(c.startswith("4") for c in paths[path][method]["responses"]) \
            or path == "/healthz"
    # Creating answers 201, and says so; 429 is a service account's token over its rate.
    assert set(paths["/api/meetings"]["post"]["responses"]) == {
        "201", "401", "403", "422", "429"}
    assert set(paths["/api/meetings"]["get"]["responses"]) == {"200", "401", "403", "422", "429"}
    assert set(paths["/api/users"]["get"]["responses"]) == {"200", "401", "403"}
    # Path parameters say their type, as the routes' convertors do.
    [param] = paths["/api/meetings/{id}"]["get"]["parameters"]
    assert param["name"] == "id" and param["schema"]["type"] == "integer"
    # Uploads are multipart forms with a binary file field; other bodies are JSON.
    upload = paths["/api/documents/{doc_id}/versions"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    assert "application/json" in paths["/api/login"]["post"]["requestBody"]["content"]
    # Every /api route of the app is documented.
    from starlette.routing import Route

    from ecabinet.api.errors import no_such_route
    api_routes = {r.path for r in app.starlette.routes
                  if isinstance(r, Route) and r.path.startswith("/api")
                  and r.endpoint is not no_such_route}
    documented = {p.replace("{id}", "{id:int}") for p in paths}
    missing = {p for p in api_routes
               if p not in documented and p.replace(":int", "") not in paths}
    assert not missing


async def test_unknown_api_route_and_anonymous_access_use_the_error_shape(
    client_factory: Any, world: World
) -> None:
    client = await client_factory()
    anonymous = await client.get("/api/meetings")
    assert anonymous.status_code == 401
    assert anonymous.json()["ok"] is False
    assert set(anonymous.json()["error"]) == {"code", "message"}
    bad_json = await client.post("/api/login", content=b"{not json",
                                 headers={"content-type": "application/json"})
    assert bad_json.status_code == 422 and bad_json.json()["error"]["code"] == "bad_json"
    # An /api path that names no route is a JSON 404 in the user's language, not the UI.
    for method, path in (("GET", "/api/no-such-thing"), ("POST", "/api/meetings/1/nothing")):
        unknown = await client.request(method, path, headers={"accept-language": "en"})
        assert unknown.status_code == 404, (method, path)
        assert unknown.json() == {"ok": False, "error": {"code": "not_found",
                                                         "message": "Not found."}}
    assert (await client.get("/api/meetings/abc")).status_code == 404


async def test_a_bug_answers_in_the_error_shape() -> None:
    from starlette.requests import Request

    from ecabinet.api.errors import server_error
    request = Request({"type": "http", "method": "GET", "path": "/api/x", "headers": [],
                       "query_string": b""})
    response = await server_error(request, RuntimeError("boom"))
    assert response.status_code == 500
    assert b'"code":"internal_error"' in response.body and b"boom" not in response.body


async def test_ui_shell_and_security_headers(client_factory: Any) -> None:
    client = await client_factory()
    page = await client.get("/meetings/3")
    assert page.status_code == 200
    assert '<html lang="vi"' in page.text
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    vendor = await client.get("/static/node_modules/socket.io-client/dist/socket.io.esm.min.js")
    assert vendor.status_code == 200, "npm install in static/ did not run"
