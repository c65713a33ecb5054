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
from hotline.appeals.service import KIND_ZH
from hotline.callbacks.models import CallbackTask, Evaluation
from hotline.city.kpi_settings import kpi_settings
from hotline.city.schema import Role
from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict, Forbidden, NotFound
from hotline.orders.actor import Actor
from hotline.orders.enums import BEFORE_REPLY, Action
from hotline.orders.flows import do_action, do_attach
from hotline.orders.models import Order
from hotline.org.models import AuditLog, Unit
from hotline.org.scoping import is_centre_in, my_units
from hotline.outbox.models import OutboxMessage
from hotline.sla.service import bound
from hotline.validation import decision_note

#: an objection is about who handles the order: filed after dispatch, before the unit replies
OBJECTABLE = BEFORE_REPLY


def _lead_unit_at_time(order: Order) -> int | None:
    """The last lead unit (a closed order keeps its lead; a returned one may have none now)."""
    leads = [a for a in order.assignments if a.role == "lead"]
    return order.lead_unit_id or (leads[-1].unit_id if leads else None)


def do_file(db: Session, *, order: Order, actor: Actor, kind: str, reason: str,
            evaluation_id: int | None = None, files: list[tuple[str, bytes]] | None = None,
            basis: str = "", proposed_unit: str = "", now: datetime | None = None) -> UnitRequest:
    """申诉 / 申请认定不合理诉求 / 派单异议: by the handler or leader of the unit that was lead at the time
    (an objection: of the unit that is lead now, while the order is open)."""
    now = now or utcnow()
    extra: dict[str, object] = {}
    user = actor.user
    if user is None or actor.role not in (Role.unit_handler, Role.unit_leader):
        raise Forbidden("role_not_allowed", "只有承办单位可以提出申诉或认定申请",
                        "only handling units file appeals and designation requests")
    if kind not in KIND_ZH:
        raise BadRequest("bad_kind", "申请类型须为申诉、不合理诉求认定或派单异议", "kind must be appeal, designation or objection",
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
    elif kind == "objection":
        unit_id = order.lead_unit_id
        evaluation_id = None
        if order.status not in OBJECTABLE:
            raise Conflict("not_objectable", "只能对已派发、尚未答复的工单提出派单异议",
                           "an objection is filed on a dispatched order before the reply")
        basis = (basis or "").strip()
        if not 4 <= len(basis) <= 2000:
            raise BadRequest("basis_required", "请写明依据（三定规定条款或派单目录条目，4至2000字）",
                             "cite the grounds: a 三定 article or a catalogue entry (4 to 2000 characters)",
                             field="basis")
        proposed = None
        if proposed_unit:
            proposed = db.scalar(select(Unit).where(Unit.code == proposed_unit))
            if proposed is None or proposed.id == unit_id:
                raise BadRequest("bad_proposed_unit", "建议承办单位无效", "the proposed unit is not valid",
                                 field="proposed_unit")
        _, cal = bound()
        extra = {"basis": basis, "category_code": order.category_code,
                 "proposed_unit_id": proposed.id if proposed else None,
                 "decide_by": cal.add_working_days(now, kpi_settings().objection_decide_days).at}
        dup = (UnitRequest.order_id == order.id, UnitRequest.kind == "objection", UnitRequest.unit_id == unit_id)
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
                      filed_by_id=actor.user_id, filed_at=now, reason=reason, attachment_ids=[a.id for a in ids],
                      **extra)
    db.add(req)
    db.flush()
    do_action(db, order=order, actor=actor, action=Action.comment,
              payload={"note": f"提出{KIND_ZH[kind]}：{reason}"}, now=now)
    db.add(OutboxMessage(topic=f"{kind}.filed", channel="inbox", recipient="centre", order_id=order.id,
                         payload={"number": order.number, "request_id": req.id, "kind": kind}))
    return req


def do_decide(db: Session, *, req: UnitRequest, actor: Actor, accept: bool, note: str,
              redispatch_to: str = "", now: datetime | None = None) -> UnitRequest:
    """The centre accepts or rejects, always with a reason.  A sustained objection proposes a catalogue
    change and, with ``redispatch_to``, redispatches the order (改派) while the objecting unit still leads."""
    now = now or utcnow()
    if actor.user is None or not is_centre_in(actor.user, Role.dispatcher, Role.supervisor):
        raise Forbidden("role_not_allowed", "只有中心督办员或派单员可以审核", "only the centre reviews requests")
    if req.state != "pending":
        raise Conflict("already_decided", "该申请已审核", "this request has already been decided")
    note = decision_note(note)
    req.state = "accepted" if accept else "rejected"
    req.decided_by_id, req.decided_at, req.decision_note = actor.user_id, now, note
    if accept and req.kind == "appeal" and req.evaluation_id:
        ev = db.get(Evaluation, req.evaluation_id)
        if ev is not None:
            ev.excluded_reason = "appeal"
    elif accept and req.kind == "objection":
        req.change_state = "proposed"
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
    if accept and req.kind == "objection" and redispatch_to and req.order.lead_unit_id == req.unit_id:
        do_action(db, order=req.order, actor=actor, action=Action.redispatch, now=now,
                  payload={"lead_unit": redispatch_to, "note": f"派单异议成立，改派。{note}"})
    return req


def do_mark_change(db: Session, *, req: UnitRequest, actor: Actor, state: str, note: str = "",
                   now: datetime | None = None) -> UnitRequest:
    """An admin closes a proposed catalogue change: applied (after editing the catalogue) or dismissed."""
    now = now or utcnow()
    if actor.user is None or actor.role != Role.admin:
        raise Forbidden("role_not_allowed", "仅系统管理员可维护派单目录", "only admins edit the catalogue")
    if state not in ("applied", "dismissed"):
        raise BadRequest("bad_state", "状态须为已调整或不调整", "state must be applied or dismissed", field="state")
    if req.kind != "objection" or req.change_state != "proposed":
        raise Conflict("not_proposed", "该目录调整建议已处理", "this catalogue change is not pending")
    req.change_state = state
    db.add(AuditLog(at=now, actor_id=actor.user_id, actor_label=actor.label, action=f"catalogue_change.{state}",
                    entity="unit_request", entity_id=str(req.id),
                    data={"order": req.order.number, "category_code": req.category_code,
                          "proposed_unit": req.proposed_unit.code if req.proposed_unit else None,
                          "note": (note or "").strip()}))
    return req
