"""每月一题 projects, their linked orders and progress notes; 未诉先办 proactive tasks (issue #16 item 4).

A project's linked orders are computed, not copied: the hot matter's current members (so orders that join
the matter later are linked too) plus manual links, minus manual unlinks (``GovernanceProjectOrder.kind``).
The state 进行中 / 已完成 / 已逾期 is computed from ``completed_at`` and ``deadline`` (``service.state_of``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow

LINK_KINDS = ("link", "unlink")
TASK_STATES = ("open", "done")


class GovernanceProject(CityOwned, Base):
    __tablename__ = "governance_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM (the city's local month)
    title: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text, default="")
    extra_reason: Mapped[str | None] = mapped_column(Text)  # why a second topic in the same month
    hot_matter_id: Mapped[int | None] = mapped_column(ForeignKey("hot_matters.id"), index=True)
    source_kind: Mapped[str] = mapped_column(String(16), default="place")  # place | systemic | manual
    category_code: Mapped[str | None] = mapped_column(String(32))
    territory_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version, "primary_key": [id]}  # the table's key is (city_id, id)
    # one open project per hot matter: the flow's check reads first, this stops two leaders clicking at once
    __table_args__ = (Index("uq_governance_projects_open_matter", "city_id", "hot_matter_id", unique=True,
                            postgresql_where=text("completed_at IS NULL AND hot_matter_id IS NOT NULL"),
                            sqlite_where=text("completed_at IS NULL AND hot_matter_id IS NOT NULL")),)


class GovernanceProjectOrder(CityOwned, Base):
    """A manual correction of a project's orders: ``link`` adds an order, ``unlink`` takes one out."""

    __tablename__ = "governance_project_orders"

    project_id: Mapped[int] = mapped_column(ForeignKey("governance_projects.id", ondelete="CASCADE"),
                                            primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(8), default="link")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GovernanceNote(CityOwned, Base):
    """A progress note by the owner unit's staff or a leader."""

    __tablename__ = "governance_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("governance_projects.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_label: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)


class ProactiveTask(CityOwned, Base):
    """未诉先办: a seasonal demand predicted for a coming window, given to the responsible unit ahead of time."""

    __tablename__ = "proactive_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120))  # category code | territory unit id | season year
    category_code: Mapped[str] = mapped_column(String(32))
    territory_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    predicted: Mapped[int] = mapped_column(Integer, default=0)  # calls expected in the window
    years: Mapped[int] = mapped_column(Integer, default=0)  # seasons of history behind the prediction
    state: Mapped[str] = mapped_column(String(8), default="open")
    action_note: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (Index("ix_proactive_tasks_key", "city_id", "key", unique=True),)
    __mapper_args__ = {"version_id_col": version, "primary_key": [id]}
