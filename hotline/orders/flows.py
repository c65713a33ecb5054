"""Every write to an order, as one action: rules, side data, timeline row, outbox.

Each public ``do_*`` function runs inside the caller's transaction and leaves
nothing half-done: it checks the state machine and the actor's scope first,
then changes the order and its side rows, appends the timeline event (the audit
trail) and queues notifications in the outbox.  The caller commits once
(``commit_or_conflict``); a concurrent change to the same order makes that
commit fail with 409 and roll everything back, thanks to the order's version
column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.db import is_concurrency_error, stale_conflict, utcnow
from hotline.errors import BadRequest, Conflict, Forbidden
from hotline.orders import lifecycle
from hotline.orders.attachments import store_attachment
from hotline.orders.enums import EMERGENCY_NUMBERS, TERMINAL, Action, EmergencyService, Status
from hotline.orders.models import Assignment, Attachment, Order, OrderEvent, OrderRequest, Reply
from hotline.orders.numbers import next_order_number
from hotline.org.models import Category, Unit, User
from hotline.org.scoping import is_centre, subtree_ids
from hotline.outbox.models import OutboxMessage
from hotline.sla import service as sla


@dataclass(frozen=True)
class Actor:
    """Who acts: a console user, an integration's user, the system or a citizen."""

    role: str
    label: str
    user: User | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(role=user.role, label=f"{user.name}({user.username})", user=user)

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def unit_id(self) -> int | None:
        return self.user.unit_id if self.user else None


SYSTEM_ACTOR = Actor(role=lifecycle.SYSTEM, label="系统")
CITIZEN_ACTOR = Actor(role=lifecycle.CITIZEN, label="诉求人")


def _stale() -> Conflict:
    return stale_conflict()


def flush_or_conflict(db: Session) -> None:
    """Flush; a concurrent update of the same order becomes a clean 409 (and a rollback).

    Sessions from ``hotline.db`` already translate lost races on every flush
    (``HotlineSession``); this also covers a plain ``Session`` (tests, scripts).
    """
    try:
        db.flush()
    except Conflict:
        db.rollback()
        raise
    except Exception as exc:
        if not is_concurrency_error(exc):
            raise
        db.rollback()
        raise _stale() from exc


def commit_or_conflict(db: Session) -> None:
    """Commit; a concurrent update of the same order becomes a clean 409 (and a rollback)."""
    try:
        db.commit()
    except Conflict:
        db.rollback()
        raise
    except IntegrityError as exc:
        db.rollback()
        raise integrity_conflict(exc) from exc
    except Exception as exc:
        if not is_concurrency_error(exc):
            raise
        db.rollback()
        raise _stale() from exc


def integrity_conflict(exc: IntegrityError) -> Conflict:
    """A unique rule another request satisfied first (an external id, a key) — 409, not 500."""
    if "external_id" in str(exc.orig):
        return Conflict("duplicate_external_id", "该外部编号已受理，不能重复创建工单",
                        "an order with this external id from this channel already exists")
    return Conflict("integrity", "数据冲突，请重试", "conflicting data; please retry")


# ---------------------------------------------------------------- extension points

Hook = Callable[[Session, Order, Actor, OrderEvent, datetime], None]
_HOOKS: dict[Action, list[Hook]] = {}


def on_action(*actions: Action) -> Callable[[Hook], Hook]:
    """Register a function to run after these actions, in the same transaction.

    Other packages react to the order's life here (a callback task when an order
    is completed, a webhook delivery queued on every change …) without the core
    importing them.  A hook that raises aborts the whole action.
    """

    def deco(fn: Hook) -> Hook:
        for action in actions:
            _HOOKS.setdefault(action, []).append(fn)
        return fn

    return deco


def _run_hooks(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    # Observers of every action (webhooks) first: they see the order as this action left it, and
    # what they queue precedes what this action's own hooks cause (create before its auto-dispatch).
    for fn in _HOOKS.get(Action.any, []) + _HOOKS.get(Action(event.action), []):
        fn(db, order, actor, event, now)


PreCheck = Callable[[Session, Order, Actor, dict[str, Any], datetime], None]
_PRE_CHECKS: dict[Action, list[PreCheck]] = {}


def before_action(*actions: Action) -> Callable[[PreCheck], PreCheck]:
    """Register a check that may refuse these actions (raise a 4xx) before anything changes."""

    def deco(fn: PreCheck) -> PreCheck:
        for action in actions:
            _PRE_CHECKS.setdefault(action, []).append(fn)
        return fn

    return deco


BlockerSource = Callable[[Session, Order], list[lifecycle.Blocker]]
_BLOCKER_SOURCES: list[BlockerSource] = []


def register_blockers(fn: BlockerSource) -> BlockerSource:
    """Let a package say which actions would orphan its pending work on an order.

    The callbacks package, for instance, blocks 归档 while a callback result waits
    for the centre's review.  ``do_action`` and the console's buttons both ask.
    """
    if fn in _BLOCKER_SOURCES:
        raise RuntimeError(f"blocker source registered twice: {fn.__qualname__}")
    _BLOCKER_SOURCES.append(fn)
    return fn


def blockers_for(db: Session, order: Order) -> tuple[lifecycle.Blocker, ...]:
    return tuple(b for fn in _BLOCKER_SOURCES for b in fn(db, order))


# ---------------------------------------------------------------- lookups


def unit_by_code(db: Session, code: str | None, *, field: str) -> Unit:
    unit = db.scalar(select(Unit).where(Unit.code == code, Unit.active.is_(True))) if code else None
    if unit is None:
        raise BadRequest("unknown_unit", f"未知单位：{code}", f"unknown unit: {code}", field=field)
    return unit


def check_category(db: Session, code: str | None, *, required: bool) -> None:
    if not code:
        if required:
            raise BadRequest("category_required", "请选择诉求分类", "a category is required", field="category_code")
        return
    if db.get(Category, code) is None:
        raise BadRequest("unknown_category", f"未知分类：{code}", f"unknown category: {code}",
                         field="category_code")


def _event(db: Session, order: Order, actor: Actor, action: Action, *, now: datetime,
           before: str | None, note: str | None = None, unit: Unit | None = None,
           data: dict[str, Any] | None = None) -> OrderEvent:
    ev = OrderEvent(
        order_id=order.id, at=now, actor_id=actor.user_id, actor_label=actor.label, actor_role=actor.role,
        action=action.value, from_status=before, to_status=order.status, note=note,
        unit_id=unit.id if unit else actor.unit_id, data=data or {},
    )
    db.add(ev)
    return ev


def _notify(db: Session, order: Order, topic: str, *, unit: Unit | None = None,
            recipient: str | None = None, channel: str = "inbox", payload: dict[str, Any] | None = None,
            dedupe_key: str | None = None) -> None:
    db.add(OutboxMessage(
        topic=topic, channel=channel, recipient=recipient or (f"unit:{unit.code}" if unit else "centre"),
        order_id=order.id, payload={"number": order.number, "title": order.title, **(payload or {})},
        dedupe_key=dedupe_key,
    ))


def required_text(payload: dict[str, Any], key: str, zh: str, *, min_len: int = 2, max_len: int = 4000) -> str:
    """A required free-text field, trimmed, with a bilingual error naming it (shared by other packages)."""
    value = str(payload.get(key) or "").strip()
    if len(value) < min_len:
        raise BadRequest(f"{key}_required", f"请填写{zh}（至少{min_len}个字）",
                         f"{key} is required (at least {min_len} characters)", field=key)
    if len(value) > max_len:
        raise BadRequest(f"{key}_too_long", f"{zh}不能超过{max_len}个字",
                         f"{key} must be at most {max_len} characters", field=key)
    return value


# ---------------------------------------------------------------- intake


def do_create_order(db: Session, *, actor: Actor, data: dict[str, Any], now: datetime | None = None,
                    self_service: bool | None = None) -> Order:
    """受理: record the demand as a new order awaiting dispatch.

    ``self_service``: the citizen submitted it themselves (the portal, an Open311 client, the
    app), so no person is routing it; by default true only for the citizen actor.  The channel
    field says how the demand arrived, not who is routing it (an operator may key in a WeChat
    message).  The create event records it; routing reads it there.
    """
    now = now or utcnow()
    if self_service is None:
        self_service = actor.role == lifecycle.CITIZEN
    check_category(db, data.get("category_code"), required=False)
    territory = unit_by_code(db, data["territory_code"], field="territory_code") if data.get(
        "territory_code") else None
    status = lifecycle.initial_status(actor.role)
    order = Order(
        number=next_order_number(db, now),
        channel=data.get("channel", "phone"), kind=data["kind"], category_code=data.get("category_code"),
        title=data["title"], content=data["content"], citizen_name=data.get("citizen_name"),
        citizen_phone=data.get("citizen_phone"), anonymous=bool(data.get("anonymous")),
        confidential=bool(data.get("confidential")), address=data.get("address"),
        latitude=data.get("latitude"), longitude=data.get("longitude"),
        territory_unit_id=territory.id if territory else None, urgency=data.get("urgency", "normal"),
        status=status.value, created_at=now, updated_at=now, created_by_id=actor.user_id,
        external_id=data.get("external_id"),
    )
    if order.anonymous:
        order.citizen_name = None
    db.add(order)
    db.flush()
    ev = _event(db, order, actor, Action.create, now=now, before=None, note=data.get("note"),
                data={"channel": order.channel, "self_service": self_service})
    if order.citizen_phone and not order.anonymous:
        _notify(db, order, "order.received", channel="sms", recipient=order.citizen_phone,
                dedupe_key=f"received:{order.number}")
    db.flush()
    _run_hooks(db, order, actor, ev, now)
    return order


def do_intake(db: Session, *, actor: Actor, data: dict[str, Any], now: datetime | None = None) -> Order:
    """受理 and, when the operator chose a lead unit (and co-units), 派单 in the same transaction.

    The operator's choice wins: routing records its suggestion at creation but does not
    dispatch an order that a person is routing (``hotline.routing.flows``).
    """
    now = now or utcnow()
    lead, co = (data.get("lead_unit") or "").strip(), [c for c in data.get("co_units") or [] if c]
    if co and not lead:
        raise BadRequest("co_units_need_lead", "选择协办单位时须同时选择主办单位",
                         "choose a lead unit together with the co-units", field="lead_unit")
    order = do_create_order(db, actor=actor, data=data, now=now)
    if lead:
        do_action(db, order=order, actor=actor, action=Action.dispatch, now=now,
                  payload={"lead_unit": lead, "co_units": co, "category_code": data.get("category_code")})
    return order


def do_attach(db: Session, *, order: Order, actor: Actor, filename: str, data: bytes,
              now: datetime | None = None) -> Attachment:
    """Attach a file (photo, recording, evidence) and note it on the timeline."""
    now = now or utcnow()
    if actor.user is not None and actor.role != lifecycle.CITIZEN:
        _check_scope(db, order, actor, Action.comment)
    att = store_attachment(db, order=order, filename=filename, data=data, user_id=actor.user_id)
    _event(db, order, actor, Action.comment, now=now, before=order.status, note=f"上传附件：{att.filename}",
           data={"attachment": att.filename, "size": att.size})
    return att


# ---------------------------------------------------------------- scope


def _check_scope(db: Session, order: Order, actor: Actor, action: Action) -> None:
    """Units act only on their own orders; sub-centres only on theirs."""
    user = actor.user
    if user is None:
        return
    if user.role in (Role.unit_handler, Role.unit_leader):
        allowed = {user.unit_id}
        if user.role == Role.unit_leader:
            allowed = set(subtree_ids(db, user.unit_id))
        active = order.active_assignments()
        if action == Action.co_reply:
            units = {a.unit_id for a in active if a.role == "co"}
        elif action == Action.comment:
            units = {a.unit_id for a in active}
        else:
            units = {a.unit_id for a in active if a.role == "lead"}
        if not units & allowed:
            raise Forbidden("not_your_order", "该工单不由本单位承办", "this order is not assigned to your unit")
    elif user.role == Role.dispatcher and not is_centre(user):
        if order.subcentre_unit_id != user.unit_id:
            raise Forbidden("not_your_order", "该工单不属于本分中心", "this order is not at your sub-centre")
    elif not is_centre(user):
        raise Forbidden("not_your_order", "无权操作该工单", "you may not act on this order")


def _end_assignments(order: Order, *, now: datetime, reason: str) -> None:
    for a in order.active_assignments():
        a.active = False
        a.ended_at = now
        a.end_reason = reason


def _assign(db: Session, order: Order, lead: Unit, co: list[Unit], *, now: datetime) -> None:
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


def _set_clock(order: Order, now: datetime) -> None:
    d = sla.deadlines_for(order, start=now)
    order.clock_started_at = now
    order.sign_due_at, order.reply_due_at, order.due_at = d.sign_due_at, d.reply_due_at, d.complete_due_at
    order.sla_policy = d.policy_name
    order.deadline_uncertain = d.uncertain


def _pending_request(db: Session, order: Order, kind: str) -> OrderRequest | None:
    return db.scalar(select(OrderRequest).where(
        OrderRequest.order_id == order.id, OrderRequest.kind == kind, OrderRequest.state == "pending"))


# ---------------------------------------------------------------- actions


def do_action(db: Session, *, order: Order, actor: Actor, action: Action, payload: dict[str, Any],
              expected_version: int | None = None, now: datetime | None = None) -> OrderEvent:
    """Apply one action to one order.  Raises 4xx errors; never commits."""
    now = now or utcnow()
    if expected_version is not None and expected_version != order.version:
        raise Conflict("stale_version", "工单已被他人修改，请刷新后重试",
                       "the order was changed by someone else; reload and try again",
                       current_version=order.version)
    blockers = blockers_for(db, order)
    lifecycle.check(order, action, actor.role, blockers)
    _check_scope(db, order, actor, action)
    for check in _PRE_CHECKS.get(action, []):
        check(db, order, actor, payload, now)
    handler = _HANDLERS.get(action)
    if handler is None:  # e.g. 督办 without hotline.supervision installed: a wiring bug, not a user error
        raise RuntimeError(f"no handler registered for {action.value}")
    before = order.status
    # The state machine moves first (its guards see the order as it was); the handler then
    # does the side data.  If the handler refuses, the caller rolls the whole action back.
    lifecycle.transition(order, action, actor.role, now=now, blockers=blockers)
    due_before = (order.clock_started_at, order.due_at, order.sla_policy)
    note, unit, data = handler(db, order, actor, payload, now)
    if (order.clock_started_at, order.due_at, order.sla_policy) != due_before:
        order.warn_at = sla.warn_time(order)  # the deadline moved: so does the yellow light
    order.updated_at = now  # always an UPDATE, so the version moves even when the status does not
    ev = _event(db, order, actor, action, now=now, before=before, note=note, unit=unit, data=data)
    flush_or_conflict(db)
    _run_hooks(db, order, actor, ev, now)
    return ev


def register_handler(action: Action) -> Callable[[Handler], Handler]:
    """Let another package own the side data of a status-preserving action (e.g. 督办).

    One handler per action: registering a second one is an error, so a package can
    never silently replace another's (or the core's) handler.
    """

    def deco(fn: Handler) -> Handler:
        if action in _HANDLERS:
            raise RuntimeError(f"a handler for {action.value} is already registered: "
                               f"{_HANDLERS[action].__module__}.{_HANDLERS[action].__qualname__}")
        _HANDLERS[action] = fn
        return fn

    return deco


Handled = tuple[str | None, Unit | None, dict[str, Any]]
Handler = Callable[[Session, Order, Actor, dict[str, Any], datetime], Handled]


def _h_dispatch(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    if p.get("category_code"):
        check_category(db, p["category_code"], required=True)
        order.category_code = p["category_code"]
    check_category(db, order.category_code, required=True)
    lead = unit_by_code(db, p.get("lead_unit"), field="lead_unit")
    co = [unit_by_code(db, c, field="co_units") for c in p.get("co_units") or []]
    if actor.user is not None and actor.user.role == Role.dispatcher and not is_centre(actor.user):
        if lead.id not in subtree_ids(db, actor.user.unit_id):
            raise BadRequest("outside_subcentre", "分中心只能派给本辖区单位",
                             "a sub-centre dispatches only to units in its district", field="lead_unit")
    _assign(db, order, lead, co, now=now)
    _set_clock(order, now)
    _notify(db, order, "order.dispatched", unit=lead, dedupe_key=f"dispatched:{order.id}:{order.version}")
    _notify_co_added(db, order, [u for u in co if u.id != lead.id])
    return p.get("note"), lead, {"lead_unit": lead.code, "co_units": [u.code for u in co],
                                 "due_at": order.due_at.isoformat() if order.due_at else None}


def _notify_co_added(db: Session, order: Order, units: list[Unit]) -> None:
    """A co-unit is told it has work: its 协办意见 is awaited before the lead replies."""
    for u in units:
        _notify(db, order, "order.dispatched", unit=u,
                payload={"role": "co", "note": "贵单位为本工单协办单位，请在主办单位答复前提交协办意见"})


def _deciders(order: Order) -> str:
    """Who decides a unit's return, extension or reply: the sub-centre that dispatched it, else the
    centre's dispatchers (not every operator at the centre)."""
    if order.via_subcentre and order.subcentre_unit is not None:
        return f"unit:{order.subcentre_unit.code}"
    return f"role:{Role.dispatcher.value}"


def _h_to_subcentre(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    sub = unit_by_code(db, p.get("subcentre"), field="subcentre")
    if sub.type != "district":
        raise BadRequest("not_subcentre", "只能派至区级分中心", "the target must be a district sub-centre",
                         field="subcentre")
    if p.get("category_code"):
        check_category(db, p["category_code"], required=True)
        order.category_code = p["category_code"]
    order.via_subcentre = True
    order.subcentre_unit_id = sub.id
    _notify(db, order, "order.at_subcentre", unit=sub)
    return p.get("note"), sub, {"subcentre": sub.code}


def _h_sign(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    for a in order.active_assignments():
        if a.role == "lead":
            a.signed_at = now
    return p.get("note"), order.lead_unit, {}


def _h_request_return(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    reason = required_text(p, "reason", "退单理由", min_len=5)
    assert order.lead_unit_id is not None
    db.add(OrderRequest(order_id=order.id, kind="return", unit_id=order.lead_unit_id,
                        requested_by_id=actor.user_id, requested_at=now, reason=reason))
    _notify(db, order, "order.return_requested", recipient=_deciders(order), payload={"reason": reason})
    return reason, order.lead_unit, {}


def _void_pending_extension(db: Session, order: Order, now: datetime) -> None:
    """An extension request is moot once the unit no longer holds the order or has replied."""
    if order.pending_extension:
        req = _pending_request(db, order, "extension")
        if req is not None:
            req.state, req.decided_at, req.decision_note = "void", now, "工单已答复或已转出，延期申请自动作废"
        order.pending_extension = False


def _decide(db: Session, order: Order, kind: str, actor: Actor, now: datetime, state: str,
            note: str | None) -> OrderRequest:
    req = _pending_request(db, order, kind)
    if req is None:
        raise Conflict("no_pending_request", "没有待审批的申请", "there is no pending request")
    req.state, req.decided_by_id, req.decided_at, req.decision_note = state, actor.user_id, now, note
    return req


def _h_approve_return(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    req = _decide(db, order, "return", actor, now, "approved", p.get("note"))
    unit = order.lead_unit
    _void_pending_extension(db, order, now)
    _end_assignments(order, now=now, reason="returned")
    order.return_count += 1
    order.lead_unit_id = None
    order.lead_unit = None
    order.sign_due_at = order.reply_due_at = order.due_at = None
    order.signed_at = None
    if unit is not None:
        _notify(db, order, "order.return_approved", unit=unit)
    taker = order.created_by
    if order.status == Status.received and taker is not None and taker.role == Role.operator:
        # back in the centre's queue: the operator who took the call is told, with the unit's reason
        _notify(db, order, "order.return_approved", recipient=f"user:{taker.username}",
                payload={"reason": req.reason})
    return p.get("note") or req.reason, unit, {"reason": req.reason}


def _h_reject_return(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    note = required_text(p, "note", "驳回理由", min_len=2)
    _decide(db, order, "return", actor, now, "rejected", note)
    if order.lead_unit is not None:
        _notify(db, order, "order.return_rejected", unit=order.lead_unit, payload={"note": note})
    return note, order.lead_unit, {}


def _h_redispatch(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    lead = unit_by_code(db, p.get("lead_unit"), field="lead_unit")
    if lead.id == order.lead_unit_id:
        raise BadRequest("same_unit", "改派单位不能与原主办单位相同", "redispatch to a different unit",
                         field="lead_unit")
    if p.get("category_code"):
        check_category(db, p["category_code"], required=True)
        order.category_code = p["category_code"]
    co = [unit_by_code(db, c, field="co_units") for c in p.get("co_units") or []]
    pending = _pending_request(db, order, "return")
    if pending is not None:
        pending.state, pending.decided_by_id, pending.decided_at = "approved", actor.user_id, now
        pending.decision_note = "改派"
        order.return_count += 1
    old = order.lead_unit
    _void_pending_extension(db, order, now)
    _end_assignments(order, now=now, reason="redispatched")
    order.redispatch_count += 1
    order.signed_at = None
    _assign(db, order, lead, co, now=now)
    _set_clock(order, now)
    _notify(db, order, "order.dispatched", unit=lead)
    return p.get("note"), lead, {"from_unit": old.code if old else None, "lead_unit": lead.code}


def _h_request_extension(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    reason = required_text(p, "reason", "延期理由", min_len=5)
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
    _notify(db, order, "order.extension_requested", recipient=_deciders(order), payload={"days": days})
    return reason, order.lead_unit, {"extra_days": days}


def _h_approve_extension(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    req = _decide(db, order, "extension", actor, now, "approved", p.get("note"))
    old = order.due_at
    if order.due_at is not None and req.extra_days:
        order.due_at = sla.extend(order.due_at, req.extra_days)
    order.pending_extension = False
    order.extension_count += 1
    if order.lead_unit is not None:
        _notify(db, order, "order.extension_approved", unit=order.lead_unit)
    return p.get("note"), order.lead_unit, {
        "old_due_at": old.isoformat() if old else None,
        "due_at": order.due_at.isoformat() if order.due_at else None, "extra_days": req.extra_days}


def _h_reject_extension(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    note = required_text(p, "note", "驳回理由")
    _decide(db, order, "extension", actor, now, "rejected", note)
    order.pending_extension = False
    return note, order.lead_unit, {}


def _reply_row(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime, kind: str,
               unit: Unit) -> str:
    content = required_text(p, "content", "答复内容", min_len=10)
    db.add(Reply(order_id=order.id, unit_id=unit.id, author_id=actor.user_id, kind=kind, content=content,
                 created_at=now))
    return content


def _h_co_reply(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    assert actor.user is not None
    mine = [a for a in order.active_assignments() if a.role == "co" and a.unit_id == actor.user.unit_id]
    unit = mine[0].unit if mine else actor.user.unit
    content = _reply_row(db, order, actor, p, now, "co_opinion", unit)
    for a in mine:
        a.replied_at = now
    return content, unit, {}


def waiting_co_units(order: Order) -> list[Unit]:
    """Co-units whose 协办意见 the lead's reply still waits for."""
    return [a.unit for a in order.active_assignments() if a.role == "co" and a.replied_at is None]


def _h_reply(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
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
        override = required_text(p, "co_override_reason", "不待协办意见直接答复的理由", min_len=5)
        data = {"co_override": override, "co_units_overridden": [u.code for u in waiting]}
    content = _reply_row(db, order, actor, p, now, "reply", order.lead_unit)
    _void_pending_extension(db, order, now)
    for a in order.active_assignments():
        if a.role == "lead":
            a.replied_at = now
        elif a.role == "co" and a.replied_at is None and override is not None:
            a.active, a.ended_at, a.end_reason = False, now, "co_overridden"
            _notify(db, order, "order.co_removed", unit=a.unit,
                    payload={"reason": f"主办单位已答复，不再等待贵单位的协办意见：{override}"})
    _notify(db, order, "order.replied", recipient=_deciders(order))
    return content, order.lead_unit, data


def _h_add_co_unit(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
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
    _notify_co_added(db, order, added)
    note = str(p.get("note") or "").strip() or None
    return note or "增加协办单位：" + "、".join(u.name for u in added), None, {"co_units": [u.code for u in added]}


def _h_remove_co_unit(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    """撤销协办单位: with a reason; the co-unit is told its opinion is no longer needed."""
    reason = required_text(p, "reason", "撤销协办的理由", min_len=5)
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
        _notify(db, order, "order.co_removed", unit=a.unit, payload={"reason": reason})
    return reason, None, {"co_units": [u.code for u in removed]}


def _h_first_contact(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    assert actor.user is not None
    content = _reply_row(db, order, actor, p, now, "first_contact", actor.user.unit)
    return content, actor.user.unit, {"knowledge_entry": p.get("knowledge_entry")}


def _h_complete(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    order.resolution_note = p.get("note")
    if order.citizen_phone and not order.anonymous:
        _notify(db, order, "order.completed", channel="sms", recipient=order.citizen_phone,
                dedupe_key=f"completed:{order.id}:{order.reopen_count}")
    return p.get("note"), order.lead_unit, {}


def _h_reopen(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    reason = required_text(p, "reason", "重办理由", min_len=5)
    lead = order.lead_unit
    if lead is None:
        raise Conflict("no_lead_unit", "该工单没有主办单位，不能重办", "the order has no lead unit to reopen to")
    co = order.co_units()
    _end_assignments(order, now=now, reason="reopened")
    order.reopen_count += 1
    _assign(db, order, lead, co, now=now)
    d = sla.reopen_deadlines(order, start=now)
    order.clock_started_at, order.sign_due_at, order.reply_due_at, order.due_at = (
        now, d.sign_due_at, d.reply_due_at, d.complete_due_at)
    _notify(db, order, "order.reopened", unit=lead, payload={"reason": reason})
    return reason, lead, {"reopen_count": order.reopen_count}


def _h_note(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    return p.get("note"), None, {}


def _h_comment(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    return required_text(p, "note", "备注"), None, {}


def _h_suspend(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    return required_text(p, "reason", "挂账理由", min_len=5), order.lead_unit, {}


def _h_resume(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    old = order.due_at
    if order.due_at is not None and order.suspended_at is not None:
        order.due_at = sla.resume_after_pause(order.due_at, order.suspended_at, now)
    order.suspended_at = None
    return p.get("note"), order.lead_unit, {
        "old_due_at": old.isoformat() if old else None,
        "due_at": order.due_at.isoformat() if order.due_at else None}


def _h_hand_off(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    service = str(p.get("service") or "")
    if service not in set(EmergencyService):
        raise BadRequest("bad_service", f"请选择转办的应急号码（{EMERGENCY_NUMBERS}）",
                         f"service must be one of {EMERGENCY_NUMBERS}", field="service")
    order.emergency_service = service
    return p.get("note") or f"转{service}", None, {"service": service}


def _h_inform(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    channel = required_text(p, "channel", "告知的办理渠道", min_len=4)
    order.inform_channel = channel
    return channel, None, {}


def _h_withdraw(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    reason = required_text(p, "reason", "撤诉原因")
    _void_pending_extension(db, order, now)
    _end_assignments(order, now=now, reason="withdrawn")
    pending = _pending_request(db, order, "return")
    if pending is not None:
        pending.state, pending.decided_at = "void", now
    return reason, None, {}


def _h_cancel_duplicate(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
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
    _void_pending_extension(db, order, now)
    _end_assignments(order, now=now, reason="merged")
    return p.get("note") or f"并入 {parent.number}", None, {"parent": parent.number}


def _h_unmerge(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    reason = required_text(p, "reason", "撤销并单理由")
    parent = db.get(Order, order.parent_id) if order.parent_id else None
    order.parent_id = None
    return reason, None, {"parent": parent.number if parent else None}


_HANDLERS: dict[Action, Handler] = {
    Action.answer_first_contact: _h_first_contact,
    Action.dispatch: _h_dispatch,
    Action.dispatch_to_subcentre: _h_to_subcentre,
    Action.subdispatch: _h_dispatch,
    Action.sign: _h_sign,
    Action.request_return: _h_request_return,
    Action.approve_return: _h_approve_return,
    Action.reject_return: _h_reject_return,
    Action.redispatch: _h_redispatch,
    Action.request_extension: _h_request_extension,
    Action.approve_extension: _h_approve_extension,
    Action.reject_extension: _h_reject_extension,
    Action.co_reply: _h_co_reply,
    Action.reply: _h_reply,
    Action.complete: _h_complete,
    Action.reopen: _h_reopen,
    Action.close: _h_note,
    Action.suspend: _h_suspend,
    Action.resume: _h_resume,
    Action.hand_off: _h_hand_off,
    Action.inform: _h_inform,
    Action.withdraw: _h_withdraw,
    Action.cancel_duplicate: _h_cancel_duplicate,
    Action.unmerge: _h_unmerge,
    Action.comment: _h_comment,
    Action.add_co_unit: _h_add_co_unit,
    Action.remove_co_unit: _h_remove_co_unit,
    # urge / supervise / respond_supervision: registered by hotline.supervision (one handler per action)
}
