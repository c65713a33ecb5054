"""Appeal and designation writes: a unit files, the centre decides; each step on the order's timeline.

Acceptance changes the KPIs (docs/kpi.md): an accepted appeal marks its evaluation
``excluded_reason='appeal'``; an accepted designation marks every evaluation of the
order ``'designation'``, skips a pending callback, and the rate queries drop the
order's assignments.  Nothing is deleted, so the drill-down can show why.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.appeals.models import UnitRequest
from hotline.appeals.service import KIND_ZH, my_units
from hotline.callbacks.models import CallbackTask, Evaluation
from hotline.city.schema import Role
from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict, Forbidden, NotFound
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action, do_attach
from hotline.orders.models import Order
from hotline.outbox.models import OutboxMessage


def _lead_unit_at_time(order: Order) -> int | None:
    """The last lead unit (a closed order keeps its lead; a returned one may have none now)."""
    leads = [a for a in order.assignments if a.role == "lead"]
    return order.lead_unit_id or (leads[-1].unit_id if leads else None)


def do_file(db: Session, *, order: Order, actor: Actor, kind: str, reason: str,
            evaluation_id: int | None = None, files: list[tuple[str, bytes]] | None = None,
            now: datetime | None = None) -> UnitRequest:
    """申诉 / 申请认定不合理诉求: by the handler or leader of the unit that was lead at the time."""
    now = now or utcnow()
    user = actor.user
    if user is None or actor.role not in (Role.unit_handler, Role.unit_leader):
        raise Forbidden("role_not_allowed", "只有承办单位可以提出申诉或认定申请",
                        "only handling units file appeals and designation requests")
    if kind not in KIND_ZH:
        raise BadRequest("bad_kind", "申请类型须为申诉或不合理诉求认定", "kind must be appeal or designation",
                         field="kind")
    reason = (reason or "").strip()
    if not 10 <= len(reason) <= 4000:
        raise BadRequest("reason_required", "请写明理由（10至4000字）", "explain in 10 to 4000 characters",
                         field="reason")
    mine = set(my_units(db, user))
    if kind == "appeal":
        ev = db.get(Evaluation, evaluation_id) if evaluation_id else None
        if ev is None or ev.order_id != order.id:
            raise NotFound("evaluation_not_found", "找不到该评价", "evaluation not found")
        if ev.excluded_reason:
            raise Conflict("already_excluded", "该评价已不计入考核", "this evaluation is already excluded")
        unit_id = ev.unit_id
        dup = (UnitRequest.evaluation_id == ev.id,)
    else:
        unit_id = _lead_unit_at_time(order)
        evaluation_id = None
        dup = (UnitRequest.order_id == order.id, UnitRequest.kind == "designation")
    if unit_id is None or unit_id not in mine:
        raise Forbidden("not_your_order", "该工单（评价）不由本单位承办", "your unit was not the lead unit")
    if db.scalar(select(UnitRequest.id).where(*dup, UnitRequest.state.in_(("pending", "accepted"))).limit(1)):
        raise Conflict("already_filed", "已有待审核或已采纳的同类申请", "a request of this kind is already pending or accepted")
    ids = [do_attach(db, order=order, actor=actor, filename=name, data=data, now=now) for name, data in files or []]
    db.flush()
    req = UnitRequest(kind=kind, order_id=order.id, evaluation_id=evaluation_id, unit_id=unit_id,
                      filed_by_id=actor.user_id, filed_at=now, reason=reason, attachment_ids=[a.id for a in ids])
    db.add(req)
    db.flush()
    do_action(db, order=order, actor=actor, action=Action.comment,
              payload={"note": f"提出{KIND_ZH[kind]}：{reason}"}, now=now)
    db.add(OutboxMessage(topic=f"{kind}.filed", channel="inbox", recipient="centre", order_id=order.id,
                         payload={"number": order.number, "request_id": req.id, "kind": kind}))
    return req


def do_decide(db: Session, *, req: UnitRequest, actor: Actor, accept: bool, note: str,
              now: datetime | None = None) -> UnitRequest:
    """The centre accepts or rejects, always with a reason."""
    now = now or utcnow()
    if actor.user is None or actor.role not in (Role.dispatcher, Role.supervisor) or actor.user.unit.type != "centre":
        raise Forbidden("role_not_allowed", "只有中心督办员或派单员可以审核", "only the centre reviews requests")
    if req.state != "pending":
        raise Conflict("already_decided", "该申请已审核", "this request has already been decided")
    note = (note or "").strip()
    if len(note) < 2:
        raise BadRequest("note_required", "请填写审核意见", "a reason for the decision is required", field="note")
    req.state = "accepted" if accept else "rejected"
    req.decided_by_id, req.decided_at, req.decision_note = actor.user_id, now, note
    if accept and req.kind == "appeal" and req.evaluation_id:
        ev = db.get(Evaluation, req.evaluation_id)
        if ev is not None:
            ev.excluded_reason = "appeal"
    elif accept:
        for ev in db.scalars(select(Evaluation).where(Evaluation.order_id == req.order_id)):
            ev.excluded_reason = ev.excluded_reason or "designation"
        for task in db.scalars(select(CallbackTask).where(CallbackTask.order_id == req.order_id,
                                                          CallbackTask.state == "pending")):
            task.state, task.skip_reason = "skipped", "designated"
    verdict = "采纳" if accept else "驳回"
    do_action(db, order=req.order, actor=actor, action=Action.comment,
              payload={"note": f"{KIND_ZH[req.kind]}审核：{verdict}。{note}"}, now=now)
    db.add(OutboxMessage(topic=f"{req.kind}.{req.state}", channel="inbox", recipient=f"unit:{req.unit.code}",
                         order_id=req.order_id, payload={"number": req.order.number, "note": note}))
    return req
