"""Call records from the phone system (ACD/CTI) and their append-only event log.

Why a table of our own: the 接通率 (connection rate) and the 15-second answer
rate are hotline KPIs (GB/T 33358), and the screen pop needs to know which
operator answered which caller right now.  The phone system posts events; one
``CallRecord`` per call_id holds the latest state, and every event is kept in
``CallEvent`` as the audit trail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow


class CallRecord(CityOwned, Base):
    __tablename__ = "call_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str | None] = mapped_column(String(32), index=True)
    queue: Mapped[str | None] = mapped_column(String(32))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    agent_username: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))  # offered | answered | abandoned | ended
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wait_s: Mapped[int | None] = mapped_column(Integer)
    talk_s: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(12), default="api")  # api | simulator
    pop_dismissed: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_call_records_agent_answered", "agent_id", "answered_at"),
                      UniqueConstraint("city_id", "call_id", name="uq_call_records_city_call_id"))


class CallEvent(CityOwned, Base):
    """One event as the phone system sent it (never updated)."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
