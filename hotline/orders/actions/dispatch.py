"""Handlers of dispatching: 派单 (centre and sub-centre), 派至分中心, 退单 decisions, 改派, co-units."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.errors import BadRequest
from hotline.orders.actions.common import (
    Handled,
    assign,
    check_category,
    decide,
    end_assignments,
    notify,
    notify_co_added,
    pending_request,
    set_clock,
    unit_by_code,
    void_pending_extension,
)
from hotline.orders.actor import Actor
from hotline.orders.enums import Action, Status
from hotline.orders.models import Assignment, Order
from hotline.orders.payloads import text
from hotline.org.scoping import is_centre, subtree_ids


def h_dispatch(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    if p.get("category_code"):
        check_category(db, p["category_code"], required=True, current=order.category_code)
        order.category_code = p["category_code"]
    check_category(db, order.category_code, required=True, current=order.category_code)
    lead = unit_by_code(db, p.get("lead_unit"), field="lead_unit")
    co = [unit_by_code(db, c, field="co_units") for c in p.get("co_units") or []]
    if actor.user is not None and actor.user.role == Role.dispatcher and not is_centre(actor.user):
        if lead.id not in subtree_ids(db, actor.user.unit_id):
            raise BadRequest("outside_subcentre", "分中心只能派给本辖区单位",
                             "a sub-centre dispatches only to units in its district", field="lead_unit")
    assign(db, order, lead, co, now=now)
    set_clock(order, now)
    notify(db, order, "order.dispatched", unit=lead, dedupe_key=f"dispatched:{order.id}:{order.version}")
    notify_co_added(db, order, [u for u in co if u.id != lead.id])
    return p.get("note"), lead, {"lead_unit": lead.code, "co_units": [u.code for u in co],
                                 "due_at": order.due_at.isoformat() if order.due_at else None}


def h_to_subcentre(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    sub = unit_by_code(db, p.get("subcentre"), field="subcentre")
    if sub.type != "district":
        raise BadRequest("not_subcentre", "只能派至区级分中心", "the target must be a district sub-centre",
                         field="subcentre")
    if p.get("category_code"):
        check_category(db, p["category_code"], required=True, current=order.category_code)
        order.category_code = p["category_code"]
    order.via_subcentre = True
    order.subcentre_unit_id = sub.id
    notify(db, order, "order.at_subcentre", unit=sub)
    return p.get("note"), sub, {"subcentre": sub.code}


def h_approve_return(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    req = decide(db, order, "return", actor, now, "approved", p.get("note"))
    unit = order.lead_unit
    void_pending_extension(db, order, now)
    end_assignments(order, now=now, reason="returned")
    order.return_count += 1
    order.lead_unit_id = None
    order.lead_unit = None
    order.sign_due_at = order.reply_due_at = order.due_at = None
    order.signed_at = None
    if unit is not None:
        notify(db, order, "order.return_approved", unit=unit)
    taker = order.created_by
    if order.status == Status.received and taker is not None and taker.role == Role.operator:
        # back in the centre's queue: the operator who took the call is told, with the unit's reason
        notify(db, order, "order.return_approved", recipient=f"user:{taker.username}",
                payload={"reason": req.reason})
    return p.get("note") or req.reason, unit, {"reason": req.reason}


def h_reject_return(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    note = text(p, Action.reject_return, "note")
    decide(db, order, "return", actor, now, "rejected", note)
    if order.lead_unit is not None:
        notify(db, order, "order.return_rejected", unit=order.lead_unit, payload={"note": note})
    return note, order.lead_unit, {}


def h_redispatch(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    lead = unit_by_code(db, p.get("lead_unit"), field="lead_unit")
    if lead.id == order.lead_unit_id:
        raise BadRequest("same_unit", "改派单位不能与原主办单位相同", "redispatch to a different unit",
                         field="lead_unit")
    if p.get("category_code"):
        check_category(db, p["category_code"], required=True, current=order.category_code)
        order.category_code = p["category_code"]
    co = [unit_by_code(db, c, field="co_units") for c in p.get("co_units") or []]
    pending = pending_request(db, order, "return")
    if pending is not None:
        pending.state, pending.decided_by_id, pending.decided_at = "approved", actor.user_id, now
        pending.decision_note = "改派"
        order.return_count += 1
    old = order.lead_unit
    void_pending_extension(db, order, now)
    end_assignments(order, now=now, reason="redispatched")
    order.redispatch_count += 1
    order.signed_at = None
    assign(db, order, lead, co, now=now)
    set_clock(order, now)
    notify(db, order, "order.dispatched", unit=lead)
    return p.get("note"), lead, {"from_unit": old.code if old else None, "lead_unit": lead.code}


def h_add_co_unit(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    """增加协办单位: after dispatch too; each new co-unit is told its opinion is awaited."""
    codes = [c for c in dict.fromkeys(p.get("co_units") or []) if c]
    if not codes:
        raise BadRequest("co_units_required", "请选择要增加的协办单位", "choose the co-units to add",
                         field="co_units")
    current = {a.unit_id for a in order.active_assignments()}
    district = None
    if actor.user is not None and actor.user.role == Role.dispatcher and not is_centre(actor.user):
        district = set(subtree_ids(db, actor.user.unit_id))  # a sub-centre brings in units of its district
    added = []
    for code in codes:
        u = unit_by_code(db, code, field="co_units")
        if u.type in ("centre", "district"):
            raise BadRequest("bad_co_unit", "协办单位不能是热线中心或区级分中心",
                             "a co-unit cannot be the centre or a district sub-centre", field="co_units")
        if district is not None and u.id not in district:
            raise BadRequest("outside_subcentre", "分中心只能增加本辖区的协办单位",
                             "a sub-centre adds co-units only from its district", field="co_units")
        if u.id in current:
            raise BadRequest("already_assigned", f"{u.name}已是本工单的承办单位",
                             f"{u.code} already handles this order", field="co_units")
        order.assignments.append(Assignment(unit_id=u.id, unit=u, role="co", active=True, assigned_at=now))
        current.add(u.id)
        added.append(u)
    notify_co_added(db, order, added)
    note = str(p.get("note") or "").strip() or None
    return note or "增加协办单位：" + "、".join(u.name for u in added), None, {"co_units": [u.code for u in added]}


def h_remove_co_unit(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    """撤销协办单位: with a reason; the co-unit is told its opinion is no longer needed."""
    reason = text(p, Action.remove_co_unit, "reason")
    codes = [c for c in dict.fromkeys(p.get("co_units") or []) if c]
    if not codes:
        raise BadRequest("co_units_required", "请选择要撤销的协办单位", "choose the co-units to remove",
                         field="co_units")
    active = {a.unit.code: a for a in order.active_assignments() if a.role == "co"}
    removed = []
    for code in codes:
        a = active.get(code)
        if a is None:
            raise BadRequest("not_co_unit", f"{code}不是本工单的协办单位", f"{code} is not a co-unit of this order",
                             field="co_units")
        a.active, a.ended_at, a.end_reason = False, now, "co_removed"
        removed.append(a.unit)
        notify(db, order, "order.co_removed", unit=a.unit, payload={"reason": reason})
    return reason, None, {"co_units": [u.code for u in removed]}
