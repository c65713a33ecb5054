"""Reads for telephony: KPIs from call records, the screen pop, and a caller's history.

Definitions (docs/channels.md):
- 接通率 connection rate = answered ÷ offered;
- 15 秒接通率 = answered within 15 s ÷ offered (GB/T 33358 counts against all offered calls);
- average wait = mean seconds from offered to answered, over answered calls;
- abandonment by hour = abandoned ÷ offered per local hour of day (the city's time zone);
- 漏话回拨率 missed calls returned = missed calls closed as returned (an operator got through) or
  reached (the caller got through later) ÷ missed calls (tasks made in the period);
- 接通率（含回拨）connection rate with call-backs = (answered + missed calls returned by an
  operator) ÷ offered: the plain rate stays GB/T 33358's, this one counts the missed calls returned.
Computed in Python over the period's rows so that SQLite and PostgreSQL agree exactly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select, type_coerce
from sqlalchemy.orm import Session

from hotline.city.service import city_tz
from hotline.db import UTCDateTime, utcnow
from hotline.orders.enums import STATUS_ZH, Status
from hotline.orders.models import Order
from hotline.org.models import User
from hotline.org.scoping import is_centre
from hotline.telephony.models import CallRecord, MissedCall

POP_WINDOW = timedelta(minutes=30)


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def metrics(db: Session, *, start: datetime, end: datetime, answer_within_s: int = 15) -> dict[str, Any]:
    # answered / abandoned as flags, and the answer time only where no wait was recorded: a page reads a week of
    # calls, and converting three datetimes per call was most of its time (issue #20 item 7)
    answered_if_no_wait = type_coerce(case((CallRecord.wait_s.is_(None), CallRecord.answered_at)), UTCDateTime())
    rows = list(db.execute(select(CallRecord.offered_at, CallRecord.answered_at.is_not(None),
                                  CallRecord.abandoned_at.is_not(None), CallRecord.wait_s, answered_if_no_wait)
                           .where(CallRecord.offered_at >= start, CallRecord.offered_at < end)))
    hours = [{"hour": h, "offered": 0, "answered": 0, "abandoned": 0} for h in range(24)]
    offered = answered = abandoned = fast = 0
    waits: list[int] = []
    tz = city_tz()
    for offered_at, was_answered, was_abandoned, wait_s, answered_at in rows:
        h = hours[offered_at.astimezone(tz).hour]
        offered += 1
        h["offered"] += 1
        if was_answered:
            answered += 1
            h["answered"] += 1
            w = wait_s if wait_s is not None else int((answered_at - offered_at).total_seconds())
            waits.append(w)
            fast += w <= answer_within_s
        elif was_abandoned:
            abandoned += 1
            h["abandoned"] += 1
    for h in hours:
        h["abandon_rate"] = _rate(h["abandoned"], h["offered"])
        h["connection_rate"] = _rate(h["answered"], h["offered"])
    missed = missed_counts(db, start=start, end=end)
    return {
        "start": start, "end": end, "offered": offered, "answered": answered, "abandoned": abandoned,
        "connection_rate": _rate(answered, offered), "answered_within_rate": _rate(fast, offered),
        "missed": missed, "missed_returned_rate": _rate(missed["returned"] + missed["reached"], missed["total"]),
        "connection_rate_with_callbacks": _rate(min(offered, answered + missed["returned"]), offered),
        "answer_within_s": answer_within_s,
        "average_wait_s": round(sum(waits) / len(waits), 1) if waits else None, "by_hour": hours,
    }


def hourly_forecast(db: Session, *, days: int = 28, now: datetime | None = None) -> list[float]:
    """Average offered calls per local hour of day over the last ``days`` days (a naive forecast)."""
    now = now or utcnow()
    start = now - timedelta(days=days)
    counts = [0] * 24
    tz = city_tz()
    for (offered_at,) in db.execute(select(CallRecord.offered_at).where(CallRecord.offered_at >= start)):
        counts[offered_at.astimezone(tz).hour] += 1
    return [round(c / days, 1) for c in counts]


def current_pop(db: Session, *, user: User, now: datetime | None = None) -> CallRecord | None:
    """The call this operator is on now (answered, not ended, not dismissed, recent)."""
    now = now or utcnow()
    return db.scalar(select(CallRecord).where(
        CallRecord.agent_id == user.id, CallRecord.answered_at.is_not(None), CallRecord.ended_at.is_(None),
        CallRecord.pop_dismissed.is_(False), CallRecord.answered_at >= now - POP_WINDOW,
    ).order_by(CallRecord.answered_at.desc()).limit(1))


def caller_history(db: Session, *, user: User, phone: str | None, limit: int = 8) -> list[dict[str, Any]]:
    """The caller's past orders — for people of the centre only (phone numbers are theirs to see)."""
    if not phone or not is_centre(user):
        return []
    rows = db.scalars(select(Order).where(Order.citizen_phone == phone)
                      .order_by(Order.created_at.desc()).limit(limit))
    return [{"number": o.number, "title": o.title, "status": o.status,
             "status_label": STATUS_ZH[Status(o.status)], "created_at": o.created_at} for o in rows]


def missed_counts(db: Session, *, start: datetime, end: datetime) -> dict[str, int]:
    """Missed-call tasks of calls missed in ``[start, end)``, by state (and how many are overdue now)."""
    out = {"total": 0, "pending": 0, "returned": 0, "reached": 0, "unreachable": 0, "overdue": 0,
           "late": 0}
    now = utcnow()
    for state, due_at, closed_at in db.execute(select(MissedCall.state, MissedCall.due_at, MissedCall.closed_at)
                                               .where(MissedCall.missed_at >= start, MissedCall.missed_at < end)):
        out["total"] += 1
        out[state] += 1
        out["overdue"] += state == "pending" and due_at < now
        out["late"] += state == "returned" and closed_at is not None and closed_at > due_at
    return out


def missed_queue(db: Session, *, state: str = "pending", limit: int = 200) -> list[MissedCall]:
    """The operators' queue: pending tasks soonest due first; closed ones most recent first."""
    stmt = select(MissedCall)
    if state == "pending":
        stmt = stmt.where(MissedCall.state == "pending").order_by(MissedCall.due_at, MissedCall.id)
    else:
        stmt = stmt.where(MissedCall.state != "pending").order_by(MissedCall.closed_at.desc(), MissedCall.id.desc())
    return list(db.scalars(stmt.limit(limit)))
