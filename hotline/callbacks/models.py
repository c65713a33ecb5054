"""Callback tasks, the evaluations they produce, and citizens' opt-outs.

Why a separate evaluation table: the KPIs (docs/kpi.md) are computed from one
row per judgement — which order, which lead unit at completion, who asked, when,
by phone or by the citizen's own link, solved or not, how satisfied.  A task is
the work of getting that judgement; an evaluation is the judgement itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.city.tenancy import CityOwned, same_city
from hotline.db import Base, UTCDateTime, utcnow
from hotline.orders.models import Order
from hotline.org.models import Unit

# Task states: pending → done | review → reopened | closed; pending → unreachable; skipped; cancelled.
TASK_STATES = ("pending", "review", "done", "reopened", "closed", "unreachable", "skipped", "cancelled")
SATISFACTION = ("satisfied", "basic", "dissatisfied")  # 满意 / 基本满意 / 不满意


class CallbackTask(CityOwned, Base):
    """One callback per completion of an order (a reopened order gets a new one)."""

    __tablename__ = "callback_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=0)  # the order's reopen_count at completion
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # lead unit at completion
    state: Mapped[str] = mapped_column(String(16), default="pending")
    skip_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_note: Mapped[str | None] = mapped_column(Text)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order] = relationship(primaryjoin=same_city("Order", "CallbackTask", "order_id"), lazy="joined")
    unit: Mapped[Unit | None] = relationship(primaryjoin=same_city("Unit", "CallbackTask", "unit_id"), lazy="joined")

    __table_args__ = (
        UniqueConstraint("city_id", "order_id", "round", name="uq_callback_tasks_city_order_round"),
        Index("ix_callback_tasks_state_due", "state", "due_at"),
    )


class Evaluation(CityOwned, Base):
    """A citizen's judgement of how an order was handled (回访评价 or 自评)."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("callback_tasks.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(8))  # phone | self
    solved: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    excluded_reason: Mapped[str | None] = mapped_column(String(16))  # appeal | designation

    unit: Mapped[Unit | None] = relationship(primaryjoin=same_city("Unit", "Evaluation", "unit_id"), lazy="joined")

    __table_args__ = (Index("ix_evaluations_at_unit", "at", "unit_id"),
                      UniqueConstraint("city_id", "task_id", name="uq_evaluations_city_task_id"))


class CallbackOptOut(CityOwned, Base):
    """The citizen asked not to be called back about this order (不愿回访)."""

    __tablename__ = "callback_opt_outs"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)


