"""漏话回拨: missed calls become callback tasks; writes in the caller's transaction.

The rules (docs/channels.md, "Missed calls"; 国办函〔2025〕66号 asks that missed calls be called back):

- a call that was not answered — given up in the queue (``abandoned``) or rung out (``ended``
  without an answer) — from a known number becomes a task, due within the city's limit
  (``telephony.missed_calls.limit``, 2 working hours by default) …
- … unless the same number got through on a later call: then no task is made, and a pending task
  is closed as ``reached`` the moment such a call is answered (events may arrive in any order, so
  both directions are checked whenever a call record changes);
- an operator's attempt is recorded with its outcome: ``connected`` closes the task as
  ``returned`` (and the operator may open the intake with the number filled in), ``no_answer`` and
  ``busy`` keep it pending until ``max_attempts``, ``wrong_number`` makes it ``unreachable``.

Every change writes an ``AuditLog`` row (a missed call has no order, so no timeline).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict, NotFound
from hotline.org.models import AuditLog, User
from hotline.telephony.models import ATTEMPT_OUTCOMES, CallRecord, MissedCall, MissedCallAttempt
from hotline.telephony.settings import rules

OUTCOME_ZH = {"connected": "已接通", "no_answer": "无人接听", "busy": "占线", "wrong_number": "空号/错号"}
STATE_ZH = {"pending": "待回拨", "returned": "已回拨接通", "reached": "来电人已再次接通",
            "unreachable": "无法联系"}
REASON_ZH = {"abandoned": "排队放弃", "rang_out": "振铃未接"}


def due_for(missed_at: datetime) -> datetime:
    """The end of the city's limit counted from the missed call (working hours on the city's calendar)."""
    from hotline.sla.policy import due_after
    from hotline.sla.service import bound

    limit = rules().missed_calls.limit
    _, cal = bound()
    try:
        return due_after(cal, missed_at, limit).at
    except ValueError:  # a year nobody declared, and the city refuses to guess: count natural hours
        return missed_at + timedelta(hours=limit.amount)


def _audit(db: Session, task: MissedCall, action: str, *, user: User | None, data: dict[str, object]) -> None:
    db.add(AuditLog(actor_id=user.id if user else None, actor_label=user.username if user else "系统",
                    action=action, entity="missed_call", entity_id=str(task.call_id), data=data))


def _got_through_after(db: Session, *, caller: str, since: datetime, call_id: str) -> CallRecord | None:
    return db.scalar(select(CallRecord).where(
        CallRecord.caller == caller, CallRecord.call_id != call_id, CallRecord.answered_at.is_not(None),
        CallRecord.answered_at >= since).order_by(CallRecord.answered_at).limit(1))


def follow_call(db: Session, rec: CallRecord, *, rang_out: bool, now: datetime) -> None:
    """Keep the missed-call tasks true to this call record (called after every event)."""
    r = rules().missed_calls
    if not r.enabled or not rec.caller:
        return
    own = db.scalar(select(MissedCall).where(MissedCall.call_id == rec.call_id))
    if rec.answered_at is not None:
        # this call got through: it closes the caller's tasks of earlier calls (and its own, if an
        # answer arrived after the abandonment was posted)
        for task in db.scalars(select(MissedCall).where(
                MissedCall.caller == rec.caller, MissedCall.state == "pending",
                MissedCall.missed_at <= rec.answered_at)):
            _close_reached(db, task, rec, now)
        if own is not None and own.state == "pending":
            _close_reached(db, own, rec, now)
        return
    if rec.state != "abandoned" or own is not None or rec.abandoned_at is None:
        return
    if (rec.wait_s or 0) < r.min_wait_s:
        return
    later = _got_through_after(db, caller=rec.caller, since=rec.abandoned_at, call_id=rec.call_id)
    if later is not None:
        return  # the number got through afterwards: nobody needs to call it back
    task = MissedCall(call_id=rec.call_id, caller=rec.caller, queue=rec.queue,
                      reason="rang_out" if rang_out else "abandoned", missed_at=rec.abandoned_at,
                      due_at=due_for(rec.abandoned_at), state="pending", attempts=0)
    db.add(task)
    db.flush()
    _audit(db, task, "missed_call.create", user=None, data={"caller": rec.caller, "reason": task.reason})


def _close_reached(db: Session, task: MissedCall, rec: CallRecord, now: datetime) -> None:
    task.state, task.closed_at, task.reached_call_id = "reached", now, rec.call_id
    _audit(db, task, "missed_call.reached", user=None, data={"call_id": rec.call_id})


def do_attempt(db: Session, *, task_id: int, user: User, outcome: str, note: str | None = None,
               now: datetime | None = None) -> MissedCall:
    """An operator called the number back; ``connected`` closes the task as returned."""
    now = now or utcnow()
    if outcome not in ATTEMPT_OUTCOMES:
        raise BadRequest("bad_outcome", "回拨结果无效", "unknown call-back outcome", field="outcome")
    task = db.get(MissedCall, task_id)
    if task is None:
        raise NotFound("missed_call_not_found", "找不到该漏话记录", "missed call not found")
    if task.state != "pending":
        raise Conflict("missed_call_closed", f"该漏话已处理（{STATE_ZH[task.state]}）",
                       f"this missed call is already closed ({task.state})")
    db.add(MissedCallAttempt(missed_call_id=task.id, at=now, agent_id=user.id, outcome=outcome,
                             note=(note or "").strip()[:500] or None))
    task.attempts += 1
    task.last_attempt_at, task.last_outcome = now, outcome
    if outcome == "connected":
        task.state = "returned"
    elif outcome == "wrong_number" or task.attempts >= rules().missed_calls.max_attempts:
        task.state = "unreachable"
    if task.state != "pending":
        task.closed_at, task.closed_by_id = now, user.id
    _audit(db, task, "missed_call.attempt", user=user,
           data={"outcome": outcome, "attempt": task.attempts, "state": task.state})
    db.flush()
    return task

