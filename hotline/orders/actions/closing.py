"""Handlers of review and ending: 办结, 重办, 归档, 备注, 撤诉, 并单 and 撤销并单."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import BadRequest, Conflict
from hotline.orders.actions.common import (
    Handled,
    assign,
    end_assignments,
    notify,
    pending_request,
    void_pending_extension,
)
from hotline.orders.actor import Actor
from hotline.orders.enums import TERMINAL, Action, Status
from hotline.orders.models import Order
from hotline.orders.payloads import text
from hotline.sla import service as sla


def h_complete(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    order.resolution_note = p.get("note")
    if order.citizen_phone and not order.anonymous:
        notify(db, order, "order.completed", channel="sms", recipient=order.citizen_phone,
                dedupe_key=f"completed:{order.id}:{order.reopen_count}")
    return p.get("note"), order.lead_unit, {}


def h_reopen(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    reason = text(p, Action.reopen, "reason")
    lead = order.lead_unit
    if lead is None:
        raise Conflict("no_lead_unit", "该工单没有主办单位，不能重办", "the order has no lead unit to reopen to")
    co = order.co_units()
    end_assignments(order, now=now, reason="reopened")
    order.reopen_count += 1
    assign(db, order, lead, co, now=now)
    d = sla.reopen_deadlines(order, start=now)
    order.clock_started_at, order.sign_due_at, order.reply_due_at, order.due_at = (
        now, d.sign_due_at, d.reply_due_at, d.complete_due_at)
    notify(db, order, "order.reopened", unit=lead, payload={"reason": reason})
    return reason, lead, {"reopen_count": order.reopen_count}


def h_note(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    return p.get("note"), None, {}


def h_comment(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    return text(p, Action.comment, "note"), None, {}


def h_withdraw(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    reason = text(p, Action.withdraw, "reason")
    void_pending_extension(db, order, now)
    end_assignments(order, now=now, reason="withdrawn")
    pending = pending_request(db, order, "return")
    if pending is not None:
        pending.state, pending.decided_at = "void", now
    return reason, None, {}


def h_cancel_duplicate(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    number = (p.get("parent_number") or "").strip()
    parent = db.scalar(select(Order).where(Order.number == number)) if number else None
    if parent is None:
        raise BadRequest("unknown_parent", f"找不到主工单：{number}", f"parent order not found: {number}",
                         field="parent_number")
    if parent.id == order.id or parent.parent_id is not None:
        raise BadRequest("bad_parent", "不能并入自身或已并单的工单",
                         "cannot merge into itself or into a merged order", field="parent_number")
    if Status(parent.status) in TERMINAL:
        raise Conflict("parent_closed", "主工单已结束，不能并入", "the parent order is already finished")
    order.parent_id = parent.id
    void_pending_extension(db, order, now)
    end_assignments(order, now=now, reason="merged")
    return p.get("note") or f"并入 {parent.number}", None, {"parent": parent.number}


def h_unmerge(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    reason = text(p, Action.unmerge, "reason")
    parent = db.get(Order, order.parent_id) if order.parent_id else None
    order.parent_id = None
    return reason, None, {"parent": parent.number if parent else None}
