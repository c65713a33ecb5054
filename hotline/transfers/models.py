"""The inter-centre handoff (转办): one row per request, owned by the sending city.

The row names both orders (the sender's and the new one the receiving city got), the receiving
city and its desk (``12345`` today; 119/120/122 later, issue #19), the reason, the acceptance time
limit and the state.  The receiving city reads its incoming rows through ``service`` (the one
explicit all-cities read of this table); every write of the row happens inside
``tenancy.acting_as(<sending city>)`` in ``flows``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow

#: requested → accepted | returned | withdrawn
STATES = ("requested", "accepted", "returned", "withdrawn")
STATE_ZH = {"requested": "待接收", "accepted": "已接收", "returned": "已退回", "withdrawn": "已撤回"}


class Transfer(CityOwned, Base):
    """转办: ``city_id`` is the sending city; ``to_city_id`` the receiving one."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_number: Mapped[str] = mapped_column(String(32))  # order numbers never change: kept for both sides
    to_city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    to_desk: Mapped[str] = mapped_column(String(16), default="12345")
    # the receiving city's new order: another city's row, so (to_city_id, to_order_id) name it and no
    # foreign key does (a key between two cities' rows could not be co-located by city on Citus)
    to_order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    to_number: Mapped[str | None] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="requested")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(160))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(160))
    decision_note: Mapped[str | None] = mapped_column(Text)
    overdue_noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_transfers_to_city_state", "to_city_id", "state"),)
