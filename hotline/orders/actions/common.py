"""What the action handlers share: lookups, required texts, assignments, the clock, requests, notices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.errors import BadRequest, Conflict
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.models import Assignment, Order, OrderRequest, Reply
from hotline.orders.payloads import text
from hotline.org.models import Category, Unit
from hotline.outbox.models import OutboxMessage
from hotline.sla import service as sla


def unit_by_code(db: Session, code: str | None, *, field: str) -> Unit:
    unit = db.scalar(select(Unit).where(Unit.code == code, Unit.active.is_(True))) if code else None
    if unit is None:
        raise BadRequest("unknown_unit", f"未知单位：{code}", f"unknown unit: {code}", field=field)
    return unit


def check_category(db: Session, code: str | None, *, required: bool, current: str | None = None) -> None:
    """A known category; a retired one (派单目录, ``Category.retired``) only where it is the order's own already."""
    if not code:
        if required:
            raise BadRequest("category_required", "请选择诉求分类", "a category is required", field="category_code")
        return
    cat = db.get(Category, code)
    if cat is None:
        raise BadRequest("unknown_category", f"未知分类：{code}", f"unknown category: {code}",
                         field="category_code")
    if cat.retired and code != current:
        raise BadRequest("category_retired", f"分类已停用：{cat.path or cat.name}", f"category retired: {code}",
                         field="category_code")


def notify(db: Session, order: Order, topic: str, *, unit: Unit | None = None,
            recipient: str | None = None, channel: str = "inbox", payload: dict[str, Any] | None = None,
            dedupe_key: str | None = None) -> None:
    db.add(OutboxMessage(
        topic=topic, channel=channel, recipient=recipient or (f"unit:{unit.code}" if unit else "centre"),
        order_id=order.id, payload={"number": order.number, "title": order.title, **(payload or {})},
        dedupe_key=dedupe_key,
    ))


#: Which action's form a reply row's text belongs to (its label and minimum length: ``payloads.FORMS``).
REPLY_ACTIONS = {"reply": Action.reply, "co_opinion": Action.co_reply, "first_contact": Action.answer_first_contact}


Handled = tuple[str | None, Unit | None, dict[str, Any]]


Handler = Callable[[Session, Order, Actor, dict[str, Any], datetime], Handled]


def end_assignments(order: Order, *, now: datetime, reason: str) -> None:
    for a in order.active_assignments():
        a.active = False
        a.ended_at = now
        a.end_reason = reason


def assign(db: Session, order: Order, lead: Unit, co: list[Unit], *, now: datetime) -> None:
    if lead.type in ("centre", "district"):
        raise BadRequest("bad_lead_unit", "主办单位不能是热线中心或区级分中心",
                         "the lead unit cannot be the centre or a district sub-centre", field="lead_unit")
    order.assignments.append(Assignment(unit_id=lead.id, unit=lead, role="lead", active=True, assigned_at=now))
    for u in co:
        if u.id == lead.id:
            continue
        order.assignments.append(Assignment(unit_id=u.id, unit=u, role="co", active=True, assigned_at=now))
    order.lead_unit_id = lead.id
    order.lead_unit = lead


def set_clock(order: Order, now: datetime) -> None:
    d = sla.deadlines_for(order, start=now)
    order.clock_started_at = now
    order.sign_due_at, order.reply_due_at, order.due_at = d.sign_due_at, d.reply_due_at, d.complete_due_at
    order.sla_policy = d.policy_name
    order.deadline_uncertain = d.uncertain


def pending_request(db: Session, order: Order, kind: str) -> OrderRequest | None:
    return db.scalar(select(OrderRequest).where(
        OrderRequest.order_id == order.id, OrderRequest.kind == kind, OrderRequest.state == "pending"))


def notify_co_added(db: Session, order: Order, units: list[Unit]) -> None:
    """A co-unit is told it has work: its 协办意见 is awaited before the lead replies."""
    for u in units:
        notify(db, order, "order.dispatched", unit=u,
                payload={"role": "co", "note": "贵单位为本工单协办单位，请在主办单位答复前提交协办意见"})


def deciders(order: Order) -> str:
    """Who decides a unit's return, extension or reply: the sub-centre that dispatched it, else the
    centre's dispatchers (not every operator at the centre)."""
    if order.via_subcentre and order.subcentre_unit is not None:
        return f"unit:{order.subcentre_unit.code}"
    return f"role:{Role.dispatcher.value}"


def void_pending_extension(db: Session, order: Order, now: datetime) -> None:
    """An extension request is moot once the unit no longer holds the order or has replied."""
    if order.pending_extension:
        req = pending_request(db, order, "extension")
        if req is not None:
            req.state, req.decided_at, req.decision_note = "void", now, "工单已答复或已转出，延期申请自动作废"
        order.pending_extension = False


def decide(db: Session, order: Order, kind: str, actor: Actor, now: datetime, state: str,
            note: str | None) -> OrderRequest:
    req = pending_request(db, order, kind)
    if req is None:
        raise Conflict("no_pending_request", "没有待审批的申请", "there is no pending request")
    req.state, req.decided_by_id, req.decided_at, req.decision_note = state, actor.user_id, now, note
    return req


def reply_row(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime, kind: str,
               unit: Unit) -> str:
    content = text(p, REPLY_ACTIONS[kind], "content")
    db.add(Reply(order_id=order.id, unit_id=unit.id, author_id=actor.user_id, kind=kind, content=content,
                 created_at=now))
    return content


def waiting_co_units(order: Order) -> list[Unit]:
    """Co-units whose 协办意见 the lead's reply still waits for."""
    return [a.unit for a in order.active_assignments() if a.role == "co" and a.replied_at is None]
