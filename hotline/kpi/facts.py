"""Hooks that record each lead assignment's sign and completion limits (see ``models.py``).

They run in the order's own transaction after dispatch, redispatch, reopen, an
approved extension and a resume, so the table can never disagree with the order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.kpi.models import AssignmentLimit
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.models import Order, OrderEvent


def _lead(order: Order):  # type: ignore[no-untyped-def]
    return next((a for a in order.active_assignments() if a.role == "lead"), None)


def record_limits(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    lead = _lead(order)
    if lead is None or lead.id is None:
        return
    row = db.get(AssignmentLimit, lead.id)
    if row is None:
        row = AssignmentLimit(assignment_id=lead.id, order_id=order.id, unit_id=lead.unit_id,
                              assigned_at=lead.assigned_at)
        db.add(row)
    row.sign_due_at, row.due_at = order.sign_due_at, order.due_at
    if row.first_due_at is None:  # the assignment's first deadline (a co-unit's dispatch keeps it)
        row.first_due_at = order.due_at


def move_due(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """An approved extension moves ``due_at`` only; a resume moves the first deadline by as much
    (the time suspended is not the unit's, extension or not)."""
    lead = _lead(order)
    row = db.get(AssignmentLimit, lead.id) if lead is not None else None
    if row is None:
        return
    if event.action == Action.resume.value and None not in (row.due_at, row.first_due_at, order.due_at):
        row.first_due_at = row.first_due_at + (order.due_at - row.due_at)  # type: ignore[operator]
    elif row.first_due_at is None:
        row.first_due_at = row.due_at
    row.due_at = order.due_at
