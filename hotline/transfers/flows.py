"""Writes of 转办: send (转办), accept (接收转办), return (退回转办), and the overdue-acceptance sweep step.

**The one place that writes in two cities in one transaction.**  Each handler first flushes what
the acting city changed, then writes the other city's side inside ``tenancy.acting_as(<other
city>)`` (grep for ``acting_as``), flushing before it leaves the block, so the tenancy guard
(``before_flush``: a row of another city is refused) holds for every statement: the sender's
rows are written only while acting as the sender, the receiver's only while acting as the
receiver.  Both orders' timelines get an ``OrderEvent`` naming the actor as ``城市·姓名(用户名)``;
the other city's user is not linked by id (their row is not visible there).  The caller's single
``commit_or_conflict`` commits both sides or neither; a concurrent change of either order is 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.models import City
from hotline.city.tenancy import CityScope, acting_as, current_scope, province_read_only, scope_of
from hotline.errors import BadRequest, Conflict
from hotline.orders import lifecycle
from hotline.orders.actions.common import Handled, notify
from hotline.orders.actor import Actor
from hotline.orders.enums import Action, Status
from hotline.orders.models import Order, OrderEvent
from hotline.orders.numbers import next_order_number
from hotline.orders.payloads import text
from hotline.transfers import service
from hotline.transfers.models import Transfer

#: Where the receiving centre's notices go (the dispatchers decide accept or return).
CENTRE_DESK = "role:dispatcher"


def _here() -> CityScope:
    scope = current_scope()
    if scope.id is None:
        raise province_read_only()
    return scope


def _label(scope: CityScope, actor: Actor) -> str:
    return f"{scope.name}·{actor.label}"


def _local(at: datetime) -> str:
    from hotline.city.service import city_tz

    return at.astimezone(city_tz()).strftime("%Y-%m-%d %H:%M")


def _event(db: Session, order: Order, *, actor: Actor, label: str, action: Action, before: str | None,
           now: datetime, note: str | None, data: dict[str, Any]) -> None:
    """The other city's timeline row: the actor by label only (their user row is not visible there)."""
    db.add(OrderEvent(order_id=order.id, at=now, actor_id=None, actor_label=label, actor_role=actor.role,
                      action=action.value, from_status=before, to_status=order.status, note=note, data=data))


def _receiving_city(db: Session, p: dict[str, Any], here: CityScope) -> CityScope:
    code = str(p.get("to_city") or "").strip()
    row = db.scalar(select(City).where(City.code == code, City.kind == "city")) if code else None
    if row is None:
        raise BadRequest("unknown_city", f"未知城市：{code}", f"unknown city: {code}", field="to_city")
    if row.id == here.id:
        raise BadRequest("same_city", "不能转办给本市", "a transfer goes to another city", field="to_city")
    return scope_of(row)


def h_transfer_city(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    """转办: the sending order waits (已转办待接收); the receiving city gets a new order of its own
    (its number, its prefix) waiting for acceptance within its own time limit."""
    reason = text(p, Action.transfer_city, "reason")
    here = _here()
    dest = _receiving_city(db, p, here)
    label = _label(here, actor)
    db.flush()  # this city's side first: nothing of it may be pending while acting as the other
    with acting_as(dest):  # 转办: writes in the receiving city
        from hotline.sla.service import bound

        _, cal = bound()  # the RECEIVING city's calendar
        due = cal.add_working_days(now, service.ACCEPT_WITHIN_WORKING_DAYS).at
        incoming = Order(
            number=next_order_number(db, now), channel=order.channel, kind=order.kind, category_code=None,
            title=order.title, content=order.content, citizen_name=order.citizen_name,
            citizen_phone=order.citizen_phone, anonymous=order.anonymous, confidential=order.confidential,
            address=order.address, latitude=order.latitude, longitude=order.longitude, urgency=order.urgency,
            status=lifecycle.arrival_status().value, created_at=now, updated_at=now,
        )
        db.add(incoming)
        db.flush()
        _event(db, incoming, actor=actor, label=label, action=Action.transfer_city, before=None, now=now,
               note=reason, data={"from_city": here.code, "from_number": order.number, "due_at": due.isoformat()})
        notify(db, incoming, "transfer.requested", recipient=CENTRE_DESK, payload={
            "from_city": here.name, "from_number": order.number, "reason": reason, "due": _local(due)})
        db.flush()
        to_id, to_number = incoming.id, incoming.number
    db.add(Transfer(from_order_id=order.id, from_number=order.number, to_city_id=dest.id, to_order_id=to_id,
                    to_number=to_number, reason=reason, requested_at=now, requested_by=actor.label, due_at=due))
    return reason, None, {"to_city": dest.code, "to_city_name": dest.name, "to_number": to_number,
                          "due_at": due.isoformat()}


def _pending(db: Session, order: Order) -> Transfer:
    t = service.incoming_for(db, order)
    if t is None or t.state != "requested":
        raise Conflict("no_pending_transfer", "没有待接收的转办", "there is no pending transfer")
    return t


def _answer(db: Session, incoming: Order, t: Transfer, actor: Actor, action: Action, now: datetime, *,
            state: str, note: str | None, topic: str, payload: dict[str, Any]) -> CityScope:
    """The receiving city's answer, written on the sender's side (its order, the transfer row, notices)."""
    here = _here()
    label = _label(here, actor)
    db.flush()  # this city's side first
    sender = service.city_for(db, t.city_id)
    with acting_as(sender):  # 转办: writes in the sending city
        sending = db.scalar(select(Order).where(Order.id == t.from_order_id))
        if sending is None or sending.status != Status.transfer_sent:
            raise Conflict("transfer_moved", "原工单已不在转办状态", "the sending order is no longer awaiting this transfer")
        before = sending.status
        lifecycle.transition(sending, action, lifecycle.SYSTEM, now=now)  # the sender's side: system-only rule
        sending.updated_at = now
        t.state, t.decided_at, t.decided_by, t.decision_note = state, now, label, note
        data = {"to_city": here.code, "to_number": incoming.number, "transfer_id": t.id}
        _event(db, sending, actor=actor, label=label, action=action, before=before, now=now,
               note=note or f"{here.name}已接收，新工单编号{incoming.number}", data=data)
        notify(db, sending, topic, recipient=CENTRE_DESK, payload={"to_city": here.name, **payload})
        if state == "accepted" and sending.citizen_phone and not sending.anonymous:
            notify(db, sending, "order.transferred", channel="sms", recipient=sending.citizen_phone,
                   payload={"city": here.name, "new_number": incoming.number},
                   dedupe_key=f"transferred:{sending.number}:{t.id}")
        db.flush()
    return sender


def h_accept_transfer(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    """接收转办: this city's order now waits for dispatch like any new order; the sender's is transferred out."""
    t = _pending(db, order)
    note = str(p.get("note") or "").strip() or None
    sender = _answer(db, order, t, actor, Action.transfer_out_accepted, now, state="accepted", note=note,
                     topic="transfer.accepted", payload={"to_number": order.number})
    return (note or f"接收{sender.name}转办（原工单{t.from_number}）", None,
            {"from_city": sender.code, "from_number": t.from_number, "transfer_id": t.id})


def h_return_transfer(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    """退回转办: with a reason; the sender's order is back in its centre's queue (待派单)."""
    t = _pending(db, order)
    reason = text(p, Action.return_transfer, "reason")
    sender = _answer(db, order, t, actor, Action.transfer_out_returned, now, state="returned", note=reason,
                     topic="transfer.returned", payload={"reason": reason})
    return reason, None, {"from_city": sender.code, "from_number": t.from_number, "transfer_id": t.id}


def flag_overdue_transfers(db: Session, *, now: datetime, limit: int, stats: Any) -> None:
    """A sweep step, per city: transfers to this city not accepted in time are flagged once, with a
    notice to this centre (on its order) and to the sender's (on theirs)."""
    here = current_scope()
    if here.id is None:
        return
    while True:
        due = list(db.scalars(service._incoming(db).where(
            Transfer.state == "requested", Transfer.due_at < now, Transfer.overdue_noticed_at.is_(None))
            .order_by(Transfer.id).limit(limit)))
        if not due:
            return
        for t in due:
            incoming = db.scalar(select(Order).where(Order.id == t.to_order_id))
            with acting_as(service.city_for(db, t.city_id)):  # the row and the sender's notice: sender's city
                t.overdue_noticed_at = now
                sending = db.scalar(select(Order).where(Order.id == t.from_order_id))
                if sending is not None:
                    notify(db, sending, "transfer.overdue", recipient=CENTRE_DESK,
                           payload={"due": _local(t.due_at), "to_number": t.to_number})
                db.flush()
            if incoming is not None:
                notify(db, incoming, "transfer.overdue", recipient=CENTRE_DESK,
                       payload={"due": _local(t.due_at), "to_number": t.to_number})
                db.flush()
        db.commit()


def h_sender_side(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    """对方接收/退回转办 are the sending order's side of the receiving city's 接收转办 / 退回转办
    (``_answer`` applies them there, in one transaction); taken on their own they are refused."""
    raise Conflict("transfer_sender_side", "此操作只能由接收城市的“接收转办”或“退回转办”完成",
                   "this happens only through the receiving city's accept or return of the transfer")
