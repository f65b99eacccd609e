"""Administrative units: province, district, commune, as a tree of any depth."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped


class Unit(Timestamped, Base):
    """One unit (a People's Committee, a department, a commune) in the tree."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # province, district, commune, department...: depth is data, not code.
    kind: Mapped[str] = mapped_column(String(40))
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
