"""The linkage tables: the desks a city exchanges with, each hand-off either way, each three-party call.

A desk (``linkage_desks``) is an emergency service's system as this city knows it: its number
(110/119/120/122), where its hand-offs are delivered (a Standard Webhooks-signed POST) and which
user account its API tokens act as.  A hand-off (``linkage_handoffs``) is one order crossing between
12345 and a desk: out (12345 → desk, written by 转应急) or in (desk → 12345, a new order).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow

#: out: 12345 → desk (转应急); in: desk → 12345 (非警务类诉求移交12345)
DIRECTIONS = ("out", "in")
DIRECTION_ZH = {"out": "12345转出", "in": "转入12345"}

#: What a desk reports on an order it received (its own words in ``desk_status_text``).
DESK_STATUS_ZH = {"dispatched": "已出警", "handling": "处置中", "handled": "已处置", "returned": "退回12345"}

#: Who takes a case after a three-party call (三方通话).
OUTCOME_ZH = {"12345": "12345受理", "desk": "联动单位受理", "both": "双方共同处置"}


class LinkageDesk(CityOwned, Base):
    """An emergency desk of this city: where hand-offs go, whose tokens may answer."""

    __tablename__ = "linkage_desks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    desk: Mapped[str] = mapped_column(String(8))  # 110 / 119 / 120 / 122
    name: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))  # Standard Webhooks secret; shown once
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # the account its tokens act as
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("city_id", "desk", name="uq_linkage_desks_city_desk"),)


class LinkageHandoff(CityOwned, Base):
    """One order crossing between 12345 and a desk, with the desk's acknowledgement and status."""

    __tablename__ = "linkage_handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    desk: Mapped[str] = mapped_column(String(8))
    direction: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by: Mapped[str] = mapped_column(String(160))
    # the desk's receipt number: for "in" the number it sent with the demand (the idempotency key),
    # for "out" the number it gave when acknowledging
    desk_receipt: Mapped[str | None] = mapped_column(String(64))
    ack_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ack_by: Mapped[str | None] = mapped_column(String(64))  # the receiving person at the desk
    desk_status: Mapped[str | None] = mapped_column(String(16))
    desk_status_text: Mapped[str | None] = mapped_column(Text)
    desk_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shared_until_closed: Mapped[bool] = mapped_column(Boolean, default=False)  # "in": the order ended, sharing stopped
    # two answers of a desk at once (two acks with different receipts): the second is 409, not a silent overwrite
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version, "primary_key": [id]}  # the table's key is (city_id, id)
    __table_args__ = (UniqueConstraint("city_id", "desk", "direction", "desk_receipt",
                                       name="uq_linkage_handoffs_receipt"),)


class LinkageCall(CityOwned, Base):
    """三方通话: the caller, 12345 and a desk on one call, for a case whose responsibility is unclear."""

    __tablename__ = "linkage_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    desk: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    participants: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    recording_ref: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(160))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
