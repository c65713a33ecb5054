"""A push-down (下沉派单): work the dispatch catalogue names a functional department for, sent to a
township, street or community instead, with the dispatcher's stated reason and a supervisor's review.

Why a row of its own: the reason must be reviewed (accepted / not accepted) and counted per
dispatcher and per township (国办函〔2025〕66号: department work must not be pushed down to
townships); a note on the timeline alone could be neither reviewed nor counted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.city.tenancy import CityOwned, same_city
from hotline.db import Base, UTCDateTime, utcnow
from hotline.orders.models import Order
from hotline.org.models import Unit, User

STATES = ("pending", "accepted", "rejected")


class Pushdown(CityOwned, Base):
    __tablename__ = "pushdowns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))  # dispatch | subdispatch | redispatch
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the township / street / community
    category_code: Mapped[str | None] = mapped_column(String(32))
    catalogue_units: Mapped[list[str]] = mapped_column(JSON, default=list)  # the departments the catalogue names
    reason: Mapped[str] = mapped_column(Text)
    dispatcher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)  # dispatched by the router, not a person
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order] = relationship(primaryjoin=same_city("Order", "Pushdown", "order_id"), lazy="joined")
    unit: Mapped[Unit] = relationship(primaryjoin=same_city("Unit", "Pushdown", "unit_id"), lazy="joined")
    dispatcher: Mapped[User | None] = relationship(primaryjoin=same_city("User", "Pushdown", "dispatcher_id"), lazy="joined")

    __table_args__ = (Index("ix_pushdowns_unit_at", "unit_id", "at"), Index("ix_pushdowns_state", "state"))
