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
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline import registry
from hotline.db import flush_or_conflict, utcnow
from hotline.errors import BadRequest, Conflict
from hotline.orders import lifecycle
from hotline.orders.actions.common import Handler, check_category, notify, unit_by_code
from hotline.orders.actor import CITIZEN_ACTOR, SYSTEM_ACTOR, Actor
from hotline.orders.attachments import store_attachment
from hotline.orders.enums import Action
from hotline.orders.models import Attachment, Order, OrderEvent
from hotline.orders.numbers import next_order_number
from hotline.orders.scoping import check_scope
from hotline.org.models import Unit
from hotline.sla import service as sla

__all__ = ["CITIZEN_ACTOR", "SYSTEM_ACTOR", "Actor"]  # the entry points' actors, imported with them

# What other packages add (hooks, guards, blockers, handlers) is declared in their plugin.py and
# installed in one order by ``hotline.registry``; nothing here registers by being imported.

Hook = Callable[[Session, Order, Actor, OrderEvent, datetime], None]
PreCheck = Callable[[Session, Order, Actor, dict[str, Any], datetime], None]
BlockerSource = Callable[[Session, Order], list[lifecycle.Blocker]]

_PENDING = "hotline.pending_hooks"  # db.info key: hooks of nested actions, waiting for the outer ones


def _run_hooks(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """Run the installed hooks of ``event``'s action, in installation order.

    Observers of every action (webhooks, indexes) run first: they see the order as this
    action left it.  A hook that starts another action (routing's auto-dispatch inside 受理)
    does not run that action's hooks in the middle of its own: they are queued and run after
    every hook of the outer action, so what the outer action's hooks queue comes first.
    """
    pending = db.info.get(_PENDING)
    if pending is not None:  # inside another action's hooks: after them
        pending.append((order, actor, event, now))
        return
    queue: list[tuple[Order, Actor, OrderEvent, datetime]] = [(order, actor, event, now)]
    db.info[_PENDING] = queue
    try:
        while queue:
            o, a, ev, at = queue.pop(0)
            db.info[_PENDING] = nested = []
            specs = registry.get().hooks
            ordered = [h for h in specs if h.actions is None] + [h for h in specs if h.actions is not None]
            for spec in ordered:
                if spec.applies(ev.action, ev.to_status or o.status):
                    spec.fn(db, o, a, ev, at)
            queue[:0] = nested  # the nested actions' hooks, in the order they happened
    finally:
        db.info.pop(_PENDING, None)


def blockers_for(db: Session, order: Order) -> tuple[lifecycle.Blocker, ...]:
    return tuple(b for fn, _pkg in registry.get().blockers for b in fn(db, order))


def _run_guards(db: Session, order: Order, actor: Actor, action: Action, payload: dict[str, Any],
                now: datetime) -> None:
    for actions, fn, _pkg in registry.get().guards:
        if action.value in actions:
            fn(db, order, actor, payload, now)


def handler_for(action: Action) -> Handler | None:
    """The installed handler of ``action``: the core's (``CORE_HANDLERS``) or a package's."""
    entry = registry.get().handlers.get(action.value)
    return entry[0] if entry else None


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
        external_id=data.get("external_id"), enterprise_uscc=data.get("enterprise_uscc"),
        requester_type="enterprise" if data.get("enterprise_uscc") else data.get("requester_type") or "citizen",
    )
    if order.anonymous:
        order.citizen_name = None
    db.add(order)
    db.flush()
    ev = _event(db, order, actor, Action.create, now=now, before=None, note=data.get("note"),
                data={"channel": order.channel, "self_service": self_service})
    if order.citizen_phone and not order.anonymous:
        notify(db, order, "order.received", channel="sms", recipient=order.citizen_phone,
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
        check_scope(db, order, actor, Action.comment)
    att = store_attachment(db, order=order, filename=filename, data=data, user_id=actor.user_id)
    _event(db, order, actor, Action.comment, now=now, before=order.status, note=f"上传附件：{att.filename}",
           data={"attachment": att.filename, "size": att.size})
    return att


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
    check_scope(db, order, actor, action)
    _run_guards(db, order, actor, action, payload, now)
    handler = handler_for(action)
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
