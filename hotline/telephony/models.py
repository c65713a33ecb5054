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


# Missed-call task states: pending → returned (an operator got through) | reached (the caller got
# through on a later call of their own) | unreachable (attempts used up, or a wrong number).
MISSED_STATES = ("pending", "returned", "reached", "unreachable")
MISSED_CLOSED = ("returned", "reached", "unreachable")
ATTEMPT_OUTCOMES = ("connected", "no_answer", "busy", "wrong_number")


class MissedCall(CityOwned, Base):
    """漏话回拨: a call abandoned in the queue or rung out, to be called back within the city's limit.

    Why not a ``callback_tasks`` row with a kind: a 回访 task belongs to one order's completion
    (``order_id`` and ``round`` are its key, its result is an ``Evaluation`` that the KPIs count);
    a missed call has no order yet, its key is the call, and its result is a connection.
    """

    __tablename__ = "missed_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(String(32), index=True)
    queue: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(12))  # abandoned (hung up waiting) | rang_out
    missed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reached_call_id: Mapped[str | None] = mapped_column(String(64))  # the caller's later answered call

    __table_args__ = (UniqueConstraint("city_id", "call_id", name="uq_missed_calls_city_call_id"),
                      Index("ix_missed_calls_state_due", "state", "due_at"))


class MissedCallAttempt(CityOwned, Base):
    """One call-back attempt and its outcome (never updated)."""

    __tablename__ = "missed_call_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    missed_call_id: Mapped[int] = mapped_column(ForeignKey("missed_calls.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
