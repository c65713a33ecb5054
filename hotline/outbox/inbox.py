"""In-console notifications (站内通知): where the ``inbox`` channel of the outbox delivers.

Why a table of its own: an outbox row is a delivery job (attempts, backoff);
a notification is what a person reads.  One row per delivered message,
addressed to a unit (everyone in it sees it), to one role inside a unit (e.g.
the centre's supervisors, a unit's leaders), or to one user.  The read mark is
shared by the addressees, like a shared mailbox: once anyone in the unit has
read it, it no longer counts as unread for the unit.

Outbox recipients understood here:

``unit:<code>``     the unit's people;
``leaders:<code>``  the unit's leaders (unit_leader);
``role:<role>``     the centre's people with that role, e.g. ``role:supervisor``;
``centre``          everyone at the centre;
``user:<username>`` one person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow


class Notification(CityOwned, Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the outbox row it came from: unique, so a redelivered message never shows twice
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    order_number: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_notifications_unit_read", "unit_id", "read_at"),
                      # retention (hotline.outbox.inbox_retention) reads the read ones, oldest first
                      Index("ix_notifications_read_at", "read_at"),
                      UniqueConstraint("city_id", "outbox_id", name="uq_notifications_city_outbox_id"))
