"""A value outside the set /openapi.json lists is refused, not stored."""

from __future__ import annotations

from typing import Any

from ecabinet.units import UnitKind
from tests.conftest import World, future


async def test_a_unit_kind_must_be_one_the_schema_lists(world: World, client_factory: Any
                                                        ) -> None:
    admin = await client_factory("admin")
    admin.headers["accept-language"] = "en"
    for kind in ("bogus", "", "  ", "Commune"):
        refused = await admin.post("/api/units", json={"name": "Xã mới", "kind": kind})
        assert refused.status_code == 422, kind
    refused = await admin.post("/api/units", json={"name": "Xã mới", "kind": "bogus"})
    assert refused.json()["error"]["code"] == "unit_kind_invalid"
    assert "commune" in refused.json()["error"]["message"]
    changed = await admin.put(f"/api/units/{world.commune}", json={"kind": "bogus"})
    assert changed.status_code == 422 and changed.json()["error"]["code"] == "unit_kind_invalid"
    units = (await admin.get("/api/units")).json()["units"]
    assert {u["kind"] for u in units} <= {k.value for k in UnitKind}
    for kind in UnitKind:
        made = await admin.post("/api/units", json={"name": f"Đơn vị {kind}", "kind": kind,
                                                    "parent_id": world.province})
        assert made.status_code == 201 and made.json()["kind"] == kind.value


async def test_roles_must_be_ones_the_schema_lists(world: World, client_factory: Any) -> None:
    admin = await client_factory("admin")
    account = await admin.post("/api/users", json={
        "username": "moi", "full_name": "Người Mới", "password": "a-long-password-1",
        "role": "bogus"})
    assert account.status_code == 422
    secretary = await client_factory("secretary")
    meeting = await secretary.post("/api/meetings", json={
        "title": "Họp thử", "unit_id": world.province, "chair_id": world["chair"].id,
        "starts_at": future().isoformat(),
        "participants": [{"user_id": world["delegate"].id, "role": "bogus"}]})
    assert meeting.status_code == 422
