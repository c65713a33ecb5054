"""Supervision notices (催办 / 督办 / 挂牌督办) and accountability records (问责)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.city.tenancy import CityOwned, same_city
from hotline.db import Base, UTCDateTime, utcnow
from hotline.org.models import Unit, User
from hotline.outbox.inbox import Notification  # noqa: F401  (discovered here until outbox/models.py imports it)

LEVELS = {"urge": "催办", "supervise": "督办", "listed": "挂牌督办"}
LEVEL_RANK = {level: i for i, level in enumerate(LEVELS)}  # escalation order: 催办 → 督办 → 挂牌督办
STATES = {"open": "待回复", "answered": "已回复", "overdue": "回复超期", "closed": "已办结"}
OUTCOMES = {"interview": "约谈", "criticism": "通报批评", "admonition": "诫勉", "warning": "警示提醒",
            "other": "其他"}


class Supervision(CityOwned, Base):
    """A notice to the lead unit that it must answer by ``respond_by``.

    An order has at most one unanswered notice (state open or overdue): a new trigger
    (the sweep, a supervisor) raises its ``level`` and appends to ``history`` instead of
    stacking a second notice that would need its own answer.
    """

    __tablename__ = "supervisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    level: Mapped[str] = mapped_column(String(16))  # urge | supervise | listed
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual | sla (the sweep)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_by_label: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12), default="open")  # open | answered | overdue | closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # every trigger, oldest first: [{"at", "level", "by", "source", "note"}, …]
    history: Mapped[list[dict] | None] = mapped_column(JSON, default=list)

    unit: Mapped[Unit | None] = relationship(primaryjoin=same_city("Unit", "Supervision", "unit_id"), lazy="joined")
    issued_by: Mapped[User | None] = relationship(primaryjoin=same_city("User", "Supervision", "issued_by_id"))
    responded_by: Mapped[User | None] = relationship(primaryjoin=same_city("User", "Supervision", "responded_by_id"))

    __table_args__ = (
        Index("ix_supervisions_state_respond", "state", "respond_by"),
        Index("ix_supervisions_unit_state", "unit_id", "state"),
    )


class Accountability(CityOwned, Base):
    """问责: who was held to account for what, and how (约谈, 通报批评, 诫勉 …)."""

    __tablename__ = "accountability"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # [{"user_id": 12, "name": "张三"}, {"name": "李四（外单位）"}]: users or free-text names
    people: Mapped[list[dict]] = mapped_column(JSON, default=list)
    finding: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(primaryjoin=same_city("Unit", "Accountability", "unit_id"), lazy="joined")
    decided_by: Mapped[User | None] = relationship(primaryjoin=same_city("User", "Accountability", "decided_by_id"))
    order_links: Mapped[list[AccountabilityOrder]] = relationship(primaryjoin=same_city(
        "Accountability", "AccountabilityOrder", "accountability_id"), cascade="all, delete-orphan",
                                                                  lazy="selectin")


class AccountabilityOrder(CityOwned, Base):
    """The orders an accountability record is about."""

    __tablename__ = "accountability_orders"

    accountability_id: Mapped[int] = mapped_column(
        ForeignKey("accountability.id", ondelete="CASCADE"), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)
    order_number: Mapped[str] = mapped_column(String(32))
