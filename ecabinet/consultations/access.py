"""Who may see, prepare, approve and answer a consultation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet.errors import Forbidden, NotFound
from ecabinet.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    Role,
    Task,
    TaskStatus,
    User,
)
from ecabinet.responsibility import responsible_condition
from ecabinet.units import ancestors, descendant_ids


async def managed_units(session: AsyncSession, user: User) -> set[int]:
    """The units whose consultations the user prepares: a secretary's own and those below."""
    if user.role != Role.secretary or user.unit_id is None:
        return set()
    return await descendant_ids(session, user.unit_id)


def manages(user: User, consultation: Consultation, units: set[int]) -> bool:
    """`can_manage` with the user's `managed_units` read beforehand."""
    return user.role == Role.secretary and (
        consultation.created_by_id == user.id or consultation.unit_id in units)


async def can_manage(session: AsyncSession, user: User, consultation: Consultation) -> bool:
    """Secretaries of the consultation's unit or a unit above it, and whoever created it."""
    return manages(user, consultation, await managed_units(session, user))


def is_chair(user: User, consultation: Consultation) -> bool:
    """Whether the user approves the consultation and concludes it."""
    return user.role == Role.chair and consultation.chair_id == user.id


async def is_asked(session: AsyncSession, user: User, consultation_id: int) -> bool:
    """Whether the user is among the members asked."""
    return await session.scalar(select(ConsultationMember.id).where(
        ConsultationMember.consultation_id == consultation_id,
        ConsultationMember.user_id == user.id)) is not None


async def carries_task(session: AsyncSession, user: User, consultation_id: int) -> bool:
    """Whether the user acts on a task its signed report gave."""
    return await session.scalar(select(Task.id).where(
        Task.consultation_id == consultation_id, Task.status != TaskStatus.planned,
        responsible_condition(user)).limit(1)) is not None


async def can_view(session: AsyncSession, user: User, consultation: Consultation) -> bool:
    """Admins, its managers and chair always; the members asked once it is sent; the units
    given a task by its report once that is signed."""
    if user.role == Role.admin or is_chair(user, consultation) \
            or await can_manage(session, user, consultation):
        return True
    if consultation.status not in (ConsultationStatus.sent, ConsultationStatus.closed):
        return False
    if await is_asked(session, user, consultation.id):
        return True
    return consultation.status == ConsultationStatus.closed \
        and await carries_task(session, user, consultation.id)


async def get_consultation(session: AsyncSession, user: User, consultation_id: int,
                           *, lock: bool = False) -> Consultation:
    """A consultation the user may see, else NotFound (nobody else learns it exists)."""
    consultation = await session.get(Consultation, consultation_id, with_for_update=lock,
                                     populate_existing=lock)
    if consultation is None or not await can_view(session, user, consultation):
        raise NotFound("consultation_not_found")
    return consultation


async def managed(session: AsyncSession, user: User, consultation_id: int) -> Consultation:
    """A consultation the user prepares, locked for the change, else NotFound/Forbidden."""
    consultation = await get_consultation(session, user, consultation_id, lock=True)
    if not await can_manage(session, user, consultation):
        raise Forbidden("forbidden")
    return consultation


async def followers(session: AsyncSession, consultation: Consultation) -> set[int]:
    """Who follows the replies as they come: its creator, its chair and the secretaries of
    its unit and the units above."""
    units = [u.id for u in await ancestors(session, consultation.unit_id)]
    secretaries = (await session.scalars(select(User.id).where(
        User.role == Role.secretary, User.active.is_(True), User.unit_id.in_(units)))).all()
    return {consultation.created_by_id, consultation.chair_id, *secretaries}


async def member_ids(session: AsyncSession, consultation_id: int) -> list[int]:
    """The members asked."""
    return list((await session.scalars(select(ConsultationMember.user_id).where(
        ConsultationMember.consultation_id == consultation_id))).all())
