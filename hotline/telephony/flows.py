"""Writes for call records: one ``do_*`` per event, in the caller's transaction.

Events may arrive out of order or twice (phone systems retry); the first event
of a type wins and later duplicates are ignored, so posting is idempotent.
Every accepted event is appended to ``call_events`` (the audit trail of calls).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.errors import BadRequest
from hotline.org.models import AuditLog, User
from hotline.telephony.models import CallEvent, CallRecord

EVENT_TYPES = ("offered", "answered", "abandoned", "ended")


def _aware(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    if at.tzinfo is None:
        raise BadRequest("naive_time", "时间须带时区（如 2026-05-01T09:00:00+08:00）",
                         "timestamps must carry a timezone offset", field="at")
    return at.astimezone(UTC)


def _record(db: Session, call_id: str, at: datetime) -> CallRecord:
    rec = db.scalar(select(CallRecord).where(CallRecord.call_id == call_id))
    if rec is None:
        rec = CallRecord(call_id=call_id, state="offered", offered_at=at, updated_at=at)
        db.add(rec)
    return rec


def do_record_call_event(db: Session, *, event: dict[str, Any], posted_by: User | None = None,
                         now: datetime | None = None) -> CallRecord:
    """Apply one phone-system event to its call record."""
    now = now or utcnow()
    etype = event.get("type")
    if etype not in EVENT_TYPES:
        raise BadRequest("bad_event_type", f"未知事件类型：{etype}", f"unknown event type: {etype}", field="type")
    call_id = str(event.get("call_id") or "").strip()
    if not call_id or len(call_id) > 64:
        raise BadRequest("call_id_required", "缺少通话编号 call_id", "call_id is required", field="call_id")
    at = _aware(event.get("at"), now)
    rec = _record(db, call_id, at)
    if event.get("caller") and not rec.caller:
        rec.caller = str(event["caller"])[:32]
    if event.get("queue") and not rec.queue:
        rec.queue = str(event["queue"])[:32]
    if etype == "offered":
        rec.offered_at = min(rec.offered_at, at)
    elif etype == "answered" and rec.answered_at is None:
        username = event.get("agent")
        agent = db.scalar(select(User).where(User.username == username)) if username else None
        if username and agent is None:
            raise BadRequest("unknown_agent", f"未知坐席：{username}", f"unknown agent: {username}", field="agent")
        rec.answered_at = at
        rec.agent_id = agent.id if agent else None
        rec.agent_username = username
        rec.wait_s = max(0, int((at - rec.offered_at).total_seconds()))
        if rec.state == "offered":
            rec.state = "answered"
    elif etype == "abandoned" and rec.answered_at is None and rec.abandoned_at is None:
        rec.abandoned_at = at
        rec.wait_s = max(0, int((at - rec.offered_at).total_seconds()))
        rec.state = "abandoned"
    elif etype == "ended" and rec.ended_at is None:
        rec.ended_at = at
        if rec.answered_at is not None:
            rec.talk_s = max(0, int((at - rec.answered_at).total_seconds()))
            rec.state = "ended"
        elif rec.abandoned_at is None:  # hung up in the queue without an explicit abandon event
            rec.abandoned_at = at
            rec.wait_s = max(0, int((at - rec.offered_at).total_seconds()))
            rec.state = "abandoned"
    rec.updated_at = now
    db.add(CallEvent(call_id=call_id, type=etype, at=at, received_at=now,
                     posted_by_id=posted_by.id if posted_by else None,
                     data={k: v for k, v in event.items() if k in ("caller", "queue", "agent")}))
    db.flush()
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
