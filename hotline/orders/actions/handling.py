"""Handlers of the unit's work: 签收, 申请退单, 延期 (request and decision), 协办意见, 答复, 挂账 and 恢复."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.errors import BadRequest, Conflict
from hotline.orders.actions.common import (
    Handled,
    decide,
    deciders,
    notify,
    reply_row,
    void_pending_extension,
    waiting_co_units,
)
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.models import Order, OrderRequest
from hotline.orders.payloads import text
from hotline.sla import service as sla


def h_sign(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    for a in order.active_assignments():
        if a.role == "lead":
            a.signed_at = now
    return p.get("note"), order.lead_unit, {}


def h_request_return(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    reason = text(p, Action.request_return, "reason")
    assert order.lead_unit_id is not None
    db.add(OrderRequest(order_id=order.id, kind="return", unit_id=order.lead_unit_id,
                        requested_by_id=actor.user_id, requested_at=now, reason=reason))
    notify(db, order, "order.return_requested", recipient=deciders(order), payload={"reason": reason})
    return reason, order.lead_unit, {}


def h_request_extension(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    reason = text(p, Action.request_extension, "reason")
    days = p.get("extra_days")
    limits = sla.extension_limits()
    if not isinstance(days, int) or not 1 <= days <= limits.max_days:
        raise BadRequest("bad_extra_days", f"延期天数须为1至{limits.max_days}个工作日",
                         f"extra_days must be 1..{limits.max_days} working days", field="extra_days")
    if order.extension_count >= limits.max_times:
        raise Conflict("too_many_extensions", f"延期次数已达上限（{limits.max_times}次）",
                       f"at most {limits.max_times} extensions")
    if order.due_at is not None and now > order.due_at:
        raise Conflict("already_overdue", "已超期，不能再申请延期", "the order is already overdue")
    assert order.lead_unit_id is not None
    db.add(OrderRequest(order_id=order.id, kind="extension", unit_id=order.lead_unit_id,
                        requested_by_id=actor.user_id, requested_at=now, reason=reason, extra_days=days))
    order.pending_extension = True
    notify(db, order, "order.extension_requested", recipient=deciders(order), payload={"days": days})
    return reason, order.lead_unit, {"extra_days": days}


def h_approve_extension(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    req = decide(db, order, "extension", actor, now, "approved", p.get("note"))
    old = order.due_at
    if order.due_at is not None and req.extra_days:
        order.due_at = sla.extend(order.due_at, req.extra_days)
    order.pending_extension = False
    order.extension_count += 1
    if order.lead_unit is not None:
        notify(db, order, "order.extension_approved", unit=order.lead_unit)
    return p.get("note"), order.lead_unit, {
        "old_due_at": old.isoformat() if old else None,
        "due_at": order.due_at.isoformat() if order.due_at else None, "extra_days": req.extra_days}


def h_reject_extension(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    note = text(p, Action.reject_extension, "note")
    decide(db, order, "extension", actor, now, "rejected", note)
    order.pending_extension = False
    return note, order.lead_unit, {}


def h_co_reply(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    assert actor.user is not None
    mine = [a for a in order.active_assignments() if a.role == "co" and a.unit_id == actor.user.unit_id]
    unit = mine[0].unit if mine else actor.user.unit
    content = reply_row(db, order, actor, p, now, "co_opinion", unit)
    for a in mine:
        a.replied_at = now
    return content, unit, {}


def h_reply(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    """答复: waits for every co-unit's opinion, or overrides the missing ones with a recorded reason."""
    assert order.lead_unit is not None
    waiting = waiting_co_units(order)
    data: dict[str, Any] = {}
    override: str | None = None
    if waiting:
        names = "、".join(u.name for u in waiting)
        if not str(p.get("co_override_reason") or "").strip():
            raise Conflict("co_opinions_pending",
                           f"协办单位（{names}）尚未提交协办意见：请等待协办意见，或填写理由后不待协办意见直接答复",
                           f"co-units ({', '.join(u.code for u in waiting)}) have not given their opinions: wait "
                           "for them, or give a reason to reply without them", co_units=[u.code for u in waiting])
        override = text(p, Action.reply, "co_override_reason")
        data = {"co_override": override, "co_units_overridden": [u.code for u in waiting]}
    content = reply_row(db, order, actor, p, now, "reply", order.lead_unit)
    void_pending_extension(db, order, now)
    for a in order.active_assignments():
        if a.role == "lead":
            a.replied_at = now
        elif a.role == "co" and a.replied_at is None and override is not None:
            a.active, a.ended_at, a.end_reason = False, now, "co_overridden"
            notify(db, order, "order.co_removed", unit=a.unit,
                    payload={"reason": f"主办单位已答复，不再等待贵单位的协办意见：{override}"})
    notify(db, order, "order.replied", recipient=deciders(order))
    return content, order.lead_unit, data


def h_suspend(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    return text(p, Action.suspend, "reason"), order.lead_unit, {}


def h_resume(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    old = order.due_at
    if order.due_at is not None and order.suspended_at is not None:
        order.due_at = sla.resume_after_pause(order.due_at, order.suspended_at, now)
    order.suspended_at = None
    return p.get("note"), order.lead_unit, {
        "old_due_at": old.isoformat() if old else None,
        "due_at": order.due_at.isoformat() if order.due_at else None}
