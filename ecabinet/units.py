"""The unit tree: province, district, commune (or any depth the province needs)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import audit
from ecabinet.errors import Conflict, Invalid, NotFound
from ecabinet.models import Unit, User


class UnitKind(enum.StrEnum):
    """What a unit is; the tree's depth is data (a province may have two tiers or three)."""

    province = "province"
    district = "district"
    commune = "commune"
    department = "department"  # a provincial department (sở, ngành)
    village = "village"  # a village or residential group under a commune (thôn, tổ dân phố)


def unit_kind(kind: str) -> UnitKind:
    """The kind named, or Invalid listing the kinds there are."""
    try:
        return UnitKind(kind.strip())
    except ValueError:
        raise Invalid("unit_kind_invalid", kinds=", ".join(k.value for k in UnitKind)) from None


@dataclass
class UnitNode:
    """A unit with its children, for display as a tree."""

    unit: Unit
    children: list[UnitNode] = field(default_factory=list)


async def create_unit(
    session: AsyncSession, *, name: str, kind: str, parent_id: int | None = None,
    code: str | None = None, actor_id: int | None = None,
) -> Unit:
    """Add a unit under `parent_id` (None for the root)."""
    if not name.strip() or not kind.strip():
        raise Invalid("required_fields")
    kind = unit_kind(kind).value
    if parent_id is not None and await session.get(Unit, parent_id) is None:
        raise Invalid("unknown_unit")
    if code and await session.scalar(select(Unit.id).where(Unit.code == code)):
        raise Conflict("unit_code_taken", unit_code=code)
    unit = Unit(name=name.strip(), kind=kind, parent_id=parent_id, code=code or None)
    session.add(unit)
    await session.flush()
    await audit.record(session, "unit.create", actor_id=actor_id, object_type="unit",
                       object_id=unit.id, data={"name": unit.name, "parent_id": parent_id})
    return unit


async def update_unit(
    session: AsyncSession, unit_id: int, *, actor_id: int, name: str | None = None,
    kind: str | None = None, parent_id: int | None = None, code: str | None = None,
) -> Unit:
    """Rename, recode or move a unit; moving under its own descendant is refused."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit_not_found")
    if name is not None and name.strip():
        unit.name = name.strip()
    if kind is not None and kind.strip():
        unit.kind = unit_kind(kind).value
    if code is not None and code.strip() != (unit.code or ""):
        code = code.strip()
        if code and await session.scalar(select(Unit.id).where(Unit.code == code,
                                                               Unit.id != unit_id)):
            raise Conflict("unit_code_taken", unit_code=code)
        unit.code = code or None
    if parent_id is not None and parent_id != unit.parent_id:
        if parent_id in await descendant_ids(session, unit_id):
            raise Invalid("unit_cycle")
        if await session.get(Unit, parent_id) is None:
            raise Invalid("unknown_unit")
        unit.parent_id = parent_id
    await audit.record(session, "unit.update", actor_id=actor_id, object_type="unit",
                       object_id=unit_id, data={"name": unit.name, "parent_id": unit.parent_id,
                                                "code": unit.code})
    return unit


async def delete_unit(session: AsyncSession, unit_id: int, *, actor_id: int) -> None:
    """Remove a unit that has no sub-units and no accounts."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit_not_found")
    if await session.scalar(select(Unit.id).where(Unit.parent_id == unit_id).limit(1)):
        raise Conflict("unit_has_children")
    if await session.scalar(select(User.id).where(User.unit_id == unit_id).limit(1)):
        raise Conflict("unit_has_users")
    await session.delete(unit)
    await audit.record(session, "unit.delete", actor_id=actor_id, object_type="unit",
                       object_id=unit_id)


async def all_units(session: AsyncSession) -> list[Unit]:
    """Every unit, parents before children within each name order."""
    return list((await session.scalars(select(Unit).order_by(Unit.id))).all())


async def tree(session: AsyncSession) -> list[UnitNode]:
    """The forest of units (usually one province at the root)."""
    units = await all_units(session)
    nodes = {u.id: UnitNode(u) for u in units}
    roots: list[UnitNode] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id is not None else None
        (parent.children if parent else roots).append(nodes[unit.id])
    return roots


async def descendant_ids(session: AsyncSession, unit_id: int) -> set[int]:
    """The unit and every unit below it."""
    units = await all_units(session)
    children: dict[int | None, list[int]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit.id)
    found = {unit_id}
    stack = [unit_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


async def ancestors(session: AsyncSession, unit_id: int) -> list[Unit]:
    """The chain from the unit up to the root, the unit first."""
    chain: list[Unit] = []
    current = await session.get(Unit, unit_id)
    while current is not None and len(chain) < 64:
        chain.append(current)
        current = await session.get(Unit, current.parent_id) if current.parent_id else None
    return chain
