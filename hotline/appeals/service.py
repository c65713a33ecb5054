"""Reads for appeals and designations: lists scoped to the viewer, the caller's history, the order panel."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.appeals.models import UnitRequest
from hotline.db import utcnow
from hotline.errors import Forbidden, NotFound
from hotline.orders.enums import BEFORE_REPLY
from hotline.orders.models import Order
from hotline.orders.scoping import citizen_view
from hotline.org.models import User
from hotline.org.scoping import is_centre, my_units, sees_unit_record, unit_records

KIND_ZH = {"appeal": "申诉", "designation": "不合理诉求认定", "objection": "派单异议"}
CHANGE_ZH = {"proposed": "待调整派单目录", "applied": "已调整派单目录", "dismissed": "不调整派单目录"}
STATE_ZH = {"pending": "待审核", "accepted": "已采纳", "rejected": "已驳回"}


def designation_skip(db: Session, order: Order) -> str | None:
    """The ``callbacks.skip_reason`` extension: a designated order gets no callback."""
    return "designated" if designated(db, order.id) else None


def designations_for_phone(*, db: Session, phone: str, limit: int = 20) -> list[dict[str, Any]]:
    """The ``duplicates.caller_designations`` extension: this caller's accepted 不合理诉求认定."""
    rows = db.scalars(select(UnitRequest).join(Order, Order.id == UnitRequest.order_id).where(
        Order.citizen_phone == phone, UnitRequest.kind == "designation", UnitRequest.state == "accepted")
        .order_by(UnitRequest.decided_at.desc()).limit(limit))
    return [{"number": r.order.number, "reason": r.reason,
             "decided_at": r.decided_at.isoformat() if r.decided_at else None} for r in rows]


def designated(db: Session, order_id: int) -> bool:
    """Has the centre accepted that this order's demand is unreasonable?"""
    return db.scalar(select(UnitRequest.id).where(
        UnitRequest.order_id == order_id, UnitRequest.kind == "designation",
        UnitRequest.state == "accepted").limit(1)) is not None


def list_requests(db: Session, *, user: User, state: str | None = None, limit: int = 200) -> list[UnitRequest]:
    """The centre sees every request; a unit sees its own (a leader: its subtree's)."""
    stmt = select(UnitRequest).order_by(UnitRequest.filed_at.desc(), UnitRequest.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(UnitRequest.state == state)
    return list(db.scalars(unit_records(db, stmt, UnitRequest.unit_id, user=user, sees_all=is_centre(user),
                                        what_zh="申诉", what_en="appeals")))


def get_request(db: Session, *, request_id: int, user: User) -> UnitRequest:
    req = db.get(UnitRequest, request_id)
    if req is None or not sees_unit_record(db, user, req.unit_id, sees_all=is_centre(user)):
        raise NotFound("request_not_found", "找不到该申请", "request not found")
    return req


def caller_history(db: Session, *, order: Order, user: User, limit: int = 100) -> list[dict[str, Any]]:
    """Every order from the same phone number: centre only (the unit must not learn who else called)."""
    if not is_centre(user):
        raise Forbidden("centre_only", "诉求人历史仅热线中心可查看", "only the centre sees the caller's history")
    if not order.citizen_phone:
        return []
    rows = db.scalars(select(Order).where(Order.citizen_phone == order.citizen_phone)
                      .order_by(Order.created_at.desc()).limit(limit))
    return [{"number": o.number, "title": o.title, "status": o.status, "kind": o.kind,
             "created_at": o.created_at, "lead_unit": o.lead_unit.name if o.lead_unit else None,
             "this": o.id == order.id} for o in rows]


def present(req: UnitRequest, user: User) -> dict[str, Any]:
    o = req.order
    return {
        "id": req.id, "kind": req.kind, "kind_label": KIND_ZH[req.kind], "state": req.state,
        "state_label": STATE_ZH[req.state], "order_number": o.number, "order_title": o.title,
        "unit": {"code": req.unit.code, "name": req.unit.name}, "evaluation_id": req.evaluation_id,
        "reason": req.reason, "attachment_ids": req.attachment_ids or [], "filed_at": req.filed_at,
        "decided_at": req.decided_at, "decision_note": req.decision_note,
        "basis": req.basis, "category_code": req.category_code, "decide_by": req.decide_by,
        "proposed_unit": {"code": req.proposed_unit.code, "name": req.proposed_unit.name} if req.proposed_unit else None,
        "change_state": req.change_state, "change_label": CHANGE_ZH.get(req.change_state or ""),
        "overdue": bool(req.state == "pending" and req.decide_by and req.decide_by < utcnow()),
        # one rule for what of the citizen a viewer sees (a confidential reporter: nothing outside the centre)
        "citizen_phone": citizen_view(user, o)["citizen_phone"],
    }


def order_panel(db: Session, *, order: Order, user: User) -> dict[str, Any]:
    """What the order page shows: evaluations (and whether excluded) and the unit's requests."""
    from hotline.callbacks.models import CallbackTask, Evaluation

    evals = list(db.scalars(select(Evaluation).where(Evaluation.order_id == order.id).order_by(Evaluation.id)))
    reqs = list(db.scalars(select(UnitRequest).where(UnitRequest.order_id == order.id).order_by(UnitRequest.id)))
    tasks = list(db.scalars(select(CallbackTask).where(CallbackTask.order_id == order.id).order_by(CallbackTask.id)))
    mine = set(my_units(db, user))
    return {
        "order": order, "designated": any(r.kind == "designation" and r.state == "accepted" for r in reqs),
        "evaluations": evals, "requests": [present(r, user) for r in reqs], "tasks": tasks,
        "can_file": bool(mine) and any(a.role == "lead" and a.unit_id in mine for a in order.assignments),
        "is_centre": is_centre(user),
        # 派单异议: the unit leading now, before it replies, with no objection of its own pending or sustained
        "can_object": bool(mine) and order.lead_unit_id in mine and order.status in BEFORE_REPLY and not any(
            r.kind == "objection" and r.unit_id == order.lead_unit_id and r.state in ("pending", "accepted")
            for r in reqs),
        "unit_choices": unit_choices(db) if order.lead_unit_id in mine else [],
    }


def unit_choices(db: Session) -> list[tuple[str, str]]:
    """(code, name) of the units an order can be dispatched to: departments, enterprises, streets, townships."""
    from hotline.org.models import Unit

    rows = db.execute(select(Unit.code, Unit.name).where(
        Unit.active.is_(True), Unit.type.in_(("department", "enterprise", "street", "township")))
        .order_by(Unit.type, Unit.code))
    return [(c, n) for c, n in rows]


def objections_board(db: Session, user: User, now: Any) -> dict[str, Any]:
    """The ``supervision.board_panels`` extension: pending 派单异议, the overdue ones first."""
    rows = list(db.scalars(select(UnitRequest).where(UnitRequest.kind == "objection", UnitRequest.state == "pending")
                           .order_by(UnitRequest.decide_by)))
    return {"template": "partials/objections_board.html",
            "ctx": {"objections": [present(r, user) for r in rows],
                    "objections_overdue": sum(1 for r in rows if r.decide_by and r.decide_by < now)}}


def catalogue_changes(db: Session, *, state: str | None = None) -> list[UnitRequest]:
    """Sustained objections: the dispatch catalogue's change queue."""
    stmt = select(UnitRequest).where(UnitRequest.kind == "objection", UnitRequest.change_state.is_not(None))
    if state:
        stmt = stmt.where(UnitRequest.change_state == state)
    return list(db.scalars(stmt.order_by(UnitRequest.decided_at.desc(), UnitRequest.id.desc())))
