"""What the deadline sweep has already raised, so that it raises each thing once.

Why a table and not a flag on the order: the key is (order, kind, deadline).
An extension (延期) or a resume moves ``due_at``; the moved deadline is a new
key and may be raised again, while re-running the sweep, or running it in
several workers at once, hits the unique constraint and raises nothing twice.
The row is written in the same transaction as the 催办/督办 it stands for.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow

# kinds of alert
DUE_SOON = "due_soon"  # yellow light on the complete deadline → automatic 催办
SIGN_OVERDUE = "sign_overdue"  # not signed for in time → 督办
REPLY_OVERDUE = "reply_overdue"  # not replied in time → 督办
OVERDUE = "overdue"  # complete deadline passed → 督办
KINDS = (DUE_SOON, SIGN_OVERDUE, REPLY_OVERDUE, OVERDUE)


class SlaAlert(CityOwned, Base):
    """One crossing of one deadline of one order, raised once."""

    __tablename__ = "sla_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    # The unique key also serves the sweep's NOT EXISTS probe (city_id, order_id, kind, due_at).
    __table_args__ = (UniqueConstraint("city_id", "order_id", "kind", "due_at", name="uq_sla_alerts_key"),)
