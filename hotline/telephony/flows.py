"""Writes for call records: one ``do_*`` per event, in the caller's transaction.

Events carry their own times and may arrive in any order or twice (phone systems
retry).  Every accepted event is appended to ``call_events`` (the audit trail of
calls), and the call record is then *derived from all the events received*, by
their own timestamps (``derive``): the same events give the same record whatever
the order in which they came.  Per type the earliest event counts (a retried
duplicate changes nothing).  An event whose time contradicts the others (an
answer, abandonment or end before the offer; an end before the answer) is
refused with a 422 and not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.errors import BadRequest
from hotline.org.models import AuditLog, User
from hotline.telephony import missed
from hotline.telephony.models import CallEvent, CallRecord

EVENT_TYPES = ("offered", "answered", "abandoned", "ended")
EVENT_ZH = {"offered": "呼入", "answered": "接听", "abandoned": "放弃", "ended": "挂机"}
# (earlier, later): the later event may not be timed before the earlier one
ORDER_RULES = (("offered", "answered"), ("offered", "abandoned"), ("offered", "ended"), ("answered", "ended"))


def _aware(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    if at.tzinfo is None:
        raise BadRequest("naive_time", "时间须带时区（如 2026-05-01T09:00:00+08:00）",
                         "timestamps must carry a timezone offset", field="at")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class Ev:
    """One event as far as the record is concerned."""

    type: str
    at: datetime
    data: dict[str, Any]


def _first(events: list[Ev], etype: str) -> Ev | None:
    of_type = [e for e in events if e.type == etype]
    return min(of_type, key=lambda e: e.at) if of_type else None


def _secs(a: datetime, b: datetime) -> int:
    return max(0, int((b - a).total_seconds()))


def check_times(events: list[Ev]) -> None:
    """Refuse a set of events whose own times are out of order (e.g. answered before offered)."""
    first = {t: _first(events, t) for t in EVENT_TYPES}
    for before, after in ORDER_RULES:
        a, b = first[before], first[after]
        if a is not None and b is not None and b.at < a.at:
            raise BadRequest(
                "event_before_" + before,
                f"{EVENT_ZH[after]}时间（{b.at:%Y-%m-%d %H:%M:%S}Z）早于{EVENT_ZH[before]}时间"
                f"（{a.at:%Y-%m-%d %H:%M:%S}Z），不予接受",
                f"the {after} time ({b.at:%Y-%m-%d %H:%M:%S}Z) is before the {before} time "
                f"({a.at:%Y-%m-%d %H:%M:%S}Z); refused", field="at")


def derive(events: list[Ev]) -> dict[str, Any]:
    """The call record's fields from all its events, by their own times (order of arrival irrelevant).

    offered_at is the offer's time (before the offer arrives: the earliest event's time);
    answered → state ``answered``, then ``ended`` once it ends; not answered but abandoned or
    ended → ``abandoned`` (hung up in the queue); wait is offer → answer (or → abandonment),
    talk is answer → end.
    """
    chrono = sorted(events, key=lambda e: (e.at, EVENT_TYPES.index(e.type)))
    offered, answered = _first(events, "offered"), _first(events, "answered")
    abandoned, ended = _first(events, "abandoned"), _first(events, "ended")
    offered_at = offered.at if offered else chrono[0].at
    out: dict[str, Any] = {
        "offered_at": offered_at, "answered_at": None, "abandoned_at": None, "ended_at": ended.at if ended else None,
        "wait_s": None, "talk_s": None, "state": "offered", "agent_username": None,
        "caller": next((str(e.data["caller"])[:32] for e in chrono if e.data.get("caller")), None),
        "queue": next((str(e.data["queue"])[:32] for e in chrono if e.data.get("queue")), None),
    }
    if answered is not None:
        out.update(answered_at=answered.at, wait_s=_secs(offered_at, answered.at),
                   agent_username=answered.data.get("agent") or None, state="answered")
        if ended is not None:
            out.update(talk_s=_secs(answered.at, ended.at), state="ended")
    elif abandoned is not None or ended is not None:
        gone = abandoned.at if abandoned is not None else ended.at  # type: ignore[union-attr]
        out.update(abandoned_at=gone, wait_s=_secs(offered_at, gone), state="abandoned")
    return out


def do_record_call_event(db: Session, *, event: dict[str, Any], posted_by: User | None = None,
                         now: datetime | None = None) -> CallRecord:
    """Append one phone-system event and re-derive its call record from all the call's events."""
    now = now or utcnow()
    etype = event.get("type")
    if etype not in EVENT_TYPES:
        raise BadRequest("bad_event_type", f"未知事件类型：{etype}", f"unknown event type: {etype}", field="type")
    call_id = str(event.get("call_id") or "").strip()
    if not call_id or len(call_id) > 64:
        raise BadRequest("call_id_required", "缺少通话编号 call_id", "call_id is required", field="call_id")
    at = _aware(event.get("at"), now)
    data = {k: v for k, v in event.items() if k in ("caller", "queue", "agent") and v}
    username = data.get("agent")
    if etype == "answered" and username and db.scalar(select(User.id).where(User.username == username)) is None:
        raise BadRequest("unknown_agent", f"未知坐席：{username}", f"unknown agent: {username}", field="agent")
    past = [Ev(e.type, e.at, e.data or {}) for e in db.scalars(
        select(CallEvent).where(CallEvent.call_id == call_id).order_by(CallEvent.id))]
    events = [*past, Ev(etype, at, data)]
    check_times(events)
    d = derive(events)
    agent = d["agent_username"]
    d["agent_id"] = db.scalar(select(User.id).where(User.username == agent)) if agent else None
    rec = db.scalar(select(CallRecord).where(CallRecord.call_id == call_id))
    if rec is None:
        rec = CallRecord(call_id=call_id, source="api", pop_dismissed=False)
        db.add(rec)
    for k, v in d.items():
        setattr(rec, k, v)
    rec.updated_at = now
    db.add(CallEvent(call_id=call_id, type=etype, at=at, received_at=now,
                     posted_by_id=posted_by.id if posted_by else None, data=data))
    db.flush()
    missed.follow_call(db, rec, rang_out=_first(events, "abandoned") is None, now=now)
    return rec


def do_dismiss_pop(db: Session, *, user: User, call_id: str) -> None:
    """The operator closes the caller panel of this call."""
    rec = db.scalar(select(CallRecord).where(CallRecord.call_id == call_id, CallRecord.agent_id == user.id))
    if rec is not None:
        rec.pop_dismissed = True


def do_bulk_insert(db: Session, *, records: list[CallRecord], label: str) -> int:
    """Insert simulated call records, with one audit row for the batch."""
    db.add_all(records)
    db.add(AuditLog(actor_label=label, action="telephony.simulate", entity="call_records",
                    entity_id=str(len(records)), data={"calls": len(records)}))
    db.flush()
    return len(records)
