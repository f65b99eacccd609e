"""The unit tree: any depth, admin-only changes, no cycles, safe deletes."""

from __future__ import annotations

from typing import Any

from tests.conftest import World


async def test_tree_of_any_depth_and_two_tier_provinces(world: World, client_factory: Any
                                                        ) -> None:
    admin = await client_factory("admin")
    # Since July 2025 many provinces have two tiers: communes directly under the province.
    ward = await admin.post("/api/units", json={"name": "UBND phường Thuận Hóa",
                                                "kind": "commune", "parent_id": world.province})
    assert ward.status_code == 201
    hamlet = await admin.post("/api/units", json={"name": "Thôn An Bằng", "kind": "village",
                                                  "parent_id": world.commune})
    assert hamlet.status_code == 201
    tree = (await (await client_factory("delegate")).get("/api/units")).json()["tree"]
    assert len(tree) == 1 and tree[0]["id"] == world.province
    names = {c["name"] for c in tree[0]["children"]}
    assert {"UBND huyện Phú Lộc", "UBND phường Thuận Hóa"} <= names
    district = next(c for c in tree[0]["children"] if c["id"] == world.district)
    commune = district["children"][0]
    assert commune["children"][0]["name"] == "Thôn An Bằng"


async def test_moves_deletes_and_permissions(world: World, client_factory: Any) -> None:
    admin = await client_factory("admin")
    cycle = await admin.put(f"/api/units/{world.district}", json={"parent_id": world.commune})
    assert cycle.status_code == 422 and cycle.json()["error"]["code"] == "unit_cycle"
    moved = await admin.put(f"/api/units/{world.commune}", json={"parent_id": world.other_district})
    assert moved.json()["parent_id"] == world.other_district
    busy = await admin.delete(f"/api/units/{world.province}")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "unit_has_children"
    has_users = await admin.delete(f"/api/units/{world.commune}")
    assert has_users.json()["error"]["code"] == "unit_has_users"
    empty = await admin.post("/api/units", json={"name": "Xã mới", "kind": "commune"})
    assert (await admin.delete(f"/api/units/{empty.json()['id']}")).status_code == 200
    duplicate = await admin.post("/api/units", json={"name": "A", "kind": "commune", "code": "X1"})
    assert duplicate.status_code == 201
    again = await admin.post("/api/units", json={"name": "B", "kind": "commune", "code": "X1"})
    assert again.status_code == 409
    # A code can be given or corrected later, never to one another unit holds.
    recoded = await admin.put(f"/api/units/{world.commune}", json={"code": "TTH-PL-LA"})
    assert recoded.json()["code"] == "TTH-PL-LA"
    taken = await admin.put(f"/api/units/{world.district}", json={"code": "TTH-PL-LA"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "unit_code_taken"
    same = await admin.put(f"/api/units/{world.commune}", json={"code": "TTH-PL-LA",
                                                                "name": "UBND xã Lộc An"})
    assert same.status_code == 200
    cleared = await admin.put(f"/api/units/{world.commune}", json={"code": ""})
    assert cleared.json()["code"] in (None, "")
    for name in ("secretary", "chair", "delegate", "room", "observer"):
        other = await client_factory(name)
        refused = await other.post("/api/units", json={"name": "Y", "kind": "commune"})
        assert refused.status_code == 403, name
        assert (await other.delete(f"/api/units/{world.commune}")).status_code == 403
