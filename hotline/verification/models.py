"""On-site checks (现场核查): a reviewer or supervisor orders one, a community's grid worker does it.

Why a table of its own: the check is a task with a life (ordered → done or cancelled) and its
evidence (where and when the worker stood, what they found, which photos) must stay together
with who ordered it; the order's timeline gets a line at each step, the check keeps the facts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.city.tenancy import CityOwned, same_city
from hotline.db import Base, UTCDateTime, utcnow
from hotline.orders.models import Order
from hotline.org.models import Unit

CHECK_STATES = ("pending", "done", "cancelled")  # 待核查 / 已核查 / 已撤销
RESULTS = ("solved", "unsolved", "partial")  # 已解决 / 未解决 / 部分解决


class SiteCheck(CityOwned, Base):
    __tablename__ = "site_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("reply_flags.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the community whose grid workers go
    state: Mapped[str] = mapped_column(String(16), default="pending")
    instructions: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the worker recorded it, on site
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the platform received it
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # order attachments, re-encoded

    order: Mapped[Order] = relationship(primaryjoin=same_city("Order", "SiteCheck", "order_id"), lazy="joined")
    unit: Mapped[Unit] = relationship(primaryjoin=same_city("Unit", "SiteCheck", "unit_id"), lazy="joined")

    __table_args__ = (Index("ix_site_checks_unit_state", "unit_id", "state"),)
