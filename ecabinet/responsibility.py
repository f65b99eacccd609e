"""Who acts on a task: the person it names, or the accounts that act for the unit it names."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from ecabinet.models import Role, Task, User

# Roles of a unit's accounts that act for the unit on its tasks (room accounts do not).
ACTING_ROLES = (Role.secretary, Role.chair, Role.delegate)


def is_responsible(user: User, task: Task) -> bool:
    """The responsible person, or an acting account of the responsible unit."""
    if task.responsible_user_id == user.id:
        return True
    return (task.responsible_unit_id is not None and user.unit_id == task.responsible_unit_id
            and user.role in ACTING_ROLES)


def responsible_condition(user: User) -> ColumnElement[bool]:
    """`is_responsible` as a query condition on tasks."""
    conditions: list[ColumnElement[bool]] = [Task.responsible_user_id == user.id]
    if user.unit_id is not None and user.role in ACTING_ROLES:
        conditions.append(Task.responsible_unit_id == user.unit_id)
    return or_(*conditions)


async def responsible_ids(session: AsyncSession, task: Task) -> set[int]:
    """Accounts that act on a task."""
    ids: set[int] = set()
    if task.responsible_user_id is not None:
        ids.add(task.responsible_user_id)
    if task.responsible_unit_id is not None:
        ids.update((await session.scalars(
            select(User.id).where(User.unit_id == task.responsible_unit_id,
                                  User.role.in_(ACTING_ROLES), User.active.is_(True))
        )).all())
    return ids
