"""Units: the tree for everyone, changes for admins."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import payload, units
from ecabinet.api.context import authed, json_body, ok
from ecabinet.api.spec import (
    ID,
    OK,
    STR,
    arr,
    enum_of,
    named,
    nullable,
    obj,
    operation,
    record,
    ref,
)
from ecabinet.models import Role, Unit

KIND = enum_of(units.UnitKind)
UNIT_FIELDS = {"id": ID, "name": STR, "kind": KIND, "code": nullable(STR),
               "parent_id": nullable(ID)}
UNIT_SCHEMA = named("Unit", record(**UNIT_FIELDS))
UNIT_NODE = named("UnitNode", record(**UNIT_FIELDS, children=arr(ref("UnitNode"))))
UNIT_BODY = obj(["name", "kind"], name=STR, kind=KIND, code=nullable(STR),
                parent_id=nullable(ID))
# Every field may be left out (or null): what is sent changes, the rest stays; an empty
# code clears it.
UNIT_CHANGE = obj(name=nullable(STR), kind=nullable(KIND), code=nullable(STR),
                  parent_id=nullable(ID))


def unit_view(unit: Unit) -> dict[str, Any]:
    """A unit as JSON."""
    return {"id": unit.id, "name": unit.name, "kind": unit.kind, "code": unit.code,
            "parent_id": unit.parent_id}


def _node_view(node: units.UnitNode) -> dict[str, Any]:
    return {**unit_view(node.unit), "children": [_node_view(c) for c in node.children]}


@operation("Every unit, flat and as a tree", tag="units",
           response=record(units=arr(UNIT_SCHEMA), tree=arr(UNIT_NODE)), scope="meetings:read")
async def list_units(request: Request) -> Response:
    """The unit tree."""
    async with authed(request) as ctx:
        flat = await units.all_units(ctx.db)
        forest = await units.tree(ctx.db)
        return ok({"units": [unit_view(u) for u in flat], "tree": [_node_view(n) for n in forest]})


@operation("Add a unit (admin)", tag="units", body=UNIT_BODY, response=UNIT_SCHEMA, status=201,
           errors=[409])
async def create_unit(request: Request) -> Response:
    """Create a unit under a parent."""
    body = await json_body(request)
    async with authed(request) as ctx:
        ctx.require(Role.admin)
        unit = await units.create_unit(
            ctx.db, name=payload.text(body, "name", max_length=200),
            kind=payload.text(body, "kind", max_length=40),
            parent_id=payload.integer(body, "parent_id", required=False),
            code=payload.text(body, "code", required=False, max_length=40) or None,
            actor_id=ctx.user.id,
        )
        return ok(unit_view(unit), 201)


@operation("Rename, recode or move a unit (admin)", tag="units", body=UNIT_CHANGE,
           response=UNIT_SCHEMA, errors=[409])
async def update_unit(request: Request) -> Response:
    """Change a unit."""
    body = await json_body(request)
    async with authed(request) as ctx:
        ctx.require(Role.admin)
        unit = await units.update_unit(
            ctx.db, request.path_params["unit_id"], actor_id=ctx.user.id,
            name=payload.text(body, "name", required=False, max_length=200) or None,
            kind=payload.text(body, "kind", required=False, max_length=40) or None,
            parent_id=payload.integer(body, "parent_id", required=False),
            code=payload.text(body, "code", required=False, max_length=40)
            if "code" in body else None,
        )
        return ok(unit_view(unit))


@operation("Delete an empty unit (admin)", tag="units", response=OK, errors=[409])
async def delete_unit(request: Request) -> Response:
    """Remove a unit with no children or accounts."""
    async with authed(request) as ctx:
        ctx.require(Role.admin)
        await units.delete_unit(ctx.db, request.path_params["unit_id"], actor_id=ctx.user.id)
        return ok({"ok": True})


routes = [
    Route("/api/units", list_units, methods=["GET"]),
    Route("/api/units", create_unit, methods=["POST"]),
    Route("/api/units/{unit_id:int}", update_unit, methods=["PUT"]),
    Route("/api/units/{unit_id:int}", delete_unit, methods=["DELETE"]),
]
