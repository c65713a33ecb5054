"""A unit's request to the centre: appeal an evaluation, or have the demand designated unreasonable.

Why one table for both: they share the life (filed by the lead unit with an
explanation and evidence, reviewed by the centre with the caller's history at
hand, accepted or rejected with a reason) and differ only in what an acceptance
removes from the unit's rates — one evaluation, or the whole order.

A dispatch objection (派单异议, 国办函〔2025〕66号: review of dispatch objections) is the same life
once more: the lead unit disputes that the order is its responsibility, citing its grounds
(``basis``: a 三定 article or a catalogue entry) and, if it knows, the unit that is responsible
(``proposed_unit_id``); the centre decides by ``decide_by`` (working days on the city's calendar).
A sustained objection removes the order from the objecting unit's figures and proposes a change
to the dispatch catalogue (``change_state``: proposed → applied | dismissed, by an admin).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.city.tenancy import CityOwned, same_city
from hotline.db import Base, UTCDateTime, utcnow
from hotline.orders.models import Order
from hotline.org.models import Unit

KINDS = ("appeal", "designation", "objection")  # 申诉 / 不合理诉求认定 / 派单异议
STATES = ("pending", "accepted", "rejected")


class UnitRequest(CityOwned, Base):
    __tablename__ = "unit_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluations.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    attachment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    # 派单异议 only
    basis: Mapped[str | None] = mapped_column(Text)  # 三定 article / catalogue entry the unit cites
    category_code: Mapped[str | None] = mapped_column(String(32))  # the order's category when filed
    proposed_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    decide_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    change_state: Mapped[str | None] = mapped_column(String(16))  # proposed | applied | dismissed

    order: Mapped[Order] = relationship(primaryjoin=same_city("Order", "UnitRequest", "order_id"), lazy="joined")
    unit: Mapped[Unit] = relationship(primaryjoin=same_city("Unit", "UnitRequest", "unit_id"), lazy="joined")
    proposed_unit: Mapped[Unit | None] = relationship(primaryjoin=same_city("Unit", "UnitRequest", "proposed_unit_id"),
                                                      lazy="joined")

    __table_args__ = (Index("ix_unit_requests_kind_state", "kind", "state"),)
