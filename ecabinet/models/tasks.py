"""Tasks assigned by a conclusion notice, and what the responsible units report on them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.models.base import Base, Timestamped, utcnow


class TaskStatus(enum.StrEnum):
    """planned (notice not yet issued) → assigned → in_progress → done."""

    planned = "planned"
    assigned = "assigned"
    in_progress = "in_progress"
    done = "done"


class Task(Timestamped, Base):
    """One task: what to do, who does it, by when, and what they deliver.

    It comes from a meeting's conclusion notice (meeting, notice and item set) or from the
    synthesis report of a written consultation (consultation set).
    """

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), default=None, index=True
    )
    conclusion_id: Mapped[int | None] = mapped_column(
        ForeignKey("conclusions.id", ondelete="CASCADE"), default=None, index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("conclusion_items.id", ondelete="CASCADE"), default=None, index=True
    )
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), default=None, index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    content: Mapped[str] = mapped_column(Text)
    responsible_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), default=None, index=True
    )
    responsible_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    deadline: Mapped[date]
    deliverable: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[TaskStatus] = mapped_column(
        Enum(TaskStatus, native_enum=False, length=20), default=TaskStatus.planned, index=True
    )
    progress: Mapped[int] = mapped_column(default=0)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TaskReport(Timestamped, Base):
    """A progress report, a submitted deliverable (file or note), or the office reopening."""

    __tablename__ = "task_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[int | None] = mapped_column(default=None)
    file_sha: Mapped[str] = mapped_column(String(64), default="")
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_size: Mapped[int] = mapped_column(default=0)
    file_type: Mapped[str] = mapped_column(String(100), default="")
