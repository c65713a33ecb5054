"""Writes: merge (并单), unmerge, the outcome of a parent reaching its merged children,
and linking repeat calls (重复诉求) at intake.

Merging is the state machine's ``cancel_duplicate`` on each child, so every
rule (dispatcher only, open children only, no merge into a finished or merged
parent) is the core's.  What this module adds is what happens around it:
the parent's timeline names its children, the parent's outcome is copied to
every child's timeline and each child's citizen gets the completion notice,
and a call from the same number about the same matter is linked to the
earlier order instead of being dispatched again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import transaction_scoped, utcnow
from hotline.duplicates import index
from hotline.duplicates.models import RepeatLink
from hotline.duplicates.settings import rules
from hotline.errors import BadRequest, Conflict, NotFound
from hotline.orders import lifecycle
from hotline.orders.actor import SYSTEM_ACTOR, Actor
from hotline.orders.enums import Action, Status
from hotline.orders.flows import do_action
from hotline.orders.models import Order, OrderEvent
from hotline.org.models import AuditLog
from hotline.outbox.models import OutboxMessage

log = logging.getLogger(__name__)


def do_merge(db: Session, *, parent: Order, children: list[Order], actor: Actor, note: str | None = None,
             now: datetime | None = None) -> list[OrderEvent]:
    """并单: each child becomes a merged duplicate of ``parent``; units then work the parent only."""
    now = now or utcnow()
    if not children:
        raise BadRequest("no_children", "请选择要并入的工单", "choose the orders to merge", field="children")
    events = []
    for child in children:
        if child.id == parent.id:
            raise BadRequest("bad_parent", "不能并入自身", "an order cannot be merged into itself", field="children")
        events.append(do_action(db, order=child, actor=actor, action=Action.cancel_duplicate, now=now,
                                payload={"parent_number": parent.number, "note": note}))
    numbers = "、".join(c.number for c in children)
    events.append(do_action(db, order=parent, actor=actor, action=Action.comment, now=now,
                            payload={"note": f"并单：{numbers} 作为重复工单并入本单"}))
    return events


def unmerge_available() -> bool:
    """The state machine has an ``unmerge`` move (docs/patches/unmerge.patch adds it)."""
    return hasattr(Action, "unmerge") and Action("unmerge") in lifecycle.RULES


def do_unmerge(db: Session, *, child: Order, actor: Actor, reason: str, now: datetime | None = None) -> OrderEvent:
    """Undo a merge: the child leaves its parent and waits for dispatch again."""
    if not unmerge_available():
        raise Conflict("unmerge_unavailable", "当前版本尚不支持撤销并单", "undoing a merge is not available yet")
    if child.parent_id is None or child.status != Status.merged.value:
        raise Conflict("not_merged", "该工单未被并单", "this order is not merged")
    return do_action(db, order=child, actor=actor, action=Action("unmerge"), now=now,
                     payload={"reason": reason})


def _timeline_note(db: Session, order: Order, actor: Actor, note: str, data: dict[str, Any],
                   now: datetime) -> None:
    """A comment row on a merged child's timeline (the child has no unit left to scope a do_action)."""
    db.add(OrderEvent(order_id=order.id, at=now, actor_id=actor.user_id, actor_label=actor.label,
                      actor_role=actor.role, action=Action.comment.value, from_status=order.status,
                      to_status=order.status, note=note, data=data))


def outcome_to_children(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """Every citizen of a merged child sees the parent's outcome: timeline note and, when done, an SMS."""
    kids = list(db.scalars(select(Order).where(Order.parent_id == order.id,
                                               Order.status == Status.merged.value)))
    if not kids:
        return
    done = event.action != Action.reply.value
    label = "已办结" if done else "已答复"
    for kid in kids:
        note = f"主工单 {order.number} {label}" + (f"：{event.note}" if event.note else "")
        _timeline_note(db, kid, actor, note[:4000], {"parent": order.number, "outcome": event.action}, now)
        if done and kid.citizen_phone and not kid.anonymous:
            db.add(OutboxMessage(
                topic="order.completed", channel="sms", recipient=kid.citizen_phone, order_id=kid.id,
                payload={"number": kid.number, "title": kid.title, "parent": order.number, "merged": True},
                dedupe_key=f"dup-completed:{kid.id}:{order.reopen_count}"))


# ---------------------------------------------------------------- repeat demands (重复诉求)


def _auto_merge_allowed() -> bool:
    """The city merges repeat calls at once (``duplicates.auto_merge_repeats``): on by default, as
    国办函〔2025〕66号 asks that repeat demands be merged (并单); a city that turns it off gets the
    dispatcher's suggestion instead."""
    rule = lifecycle.RULES[Action.cancel_duplicate]
    return rules().auto_merge_repeats and lifecycle.SYSTEM in rule.roles


def find_repeat(db: Session, order: Order, *, now: datetime) -> tuple[Order, float, str] | None:
    """The same caller's earlier order about the same matter, with the score and reasons."""
    r = rules()
    since = now - timedelta(days=r.repeat_window_days)
    earlier = list(db.scalars(select(Order).where(
        Order.citizen_phone == order.citizen_phone, Order.id != order.id, Order.created_at >= since,
        Order.status.not_in([Status.merged.value, Status.withdrawn.value]))
        .order_by(Order.created_at.desc()).limit(30)))
    if not earlier:
        return None
    sc = index.scorer(db)
    mine = sc.prepare(index.order_doc(order))
    best = None
    for e in earlier:
        m = sc.compare(mine, sc.prepare(index.order_doc(e)))
        if m.score >= r.repeat_threshold and (best is None or m.score > best[1]):
            why = "；".join(x for x in ("地点：" + "、".join(m.shared_places) if m.shared_places else "",
                                        "内容：" + "、".join(m.shared_words) if m.shared_words else "") if x)
            best = (e, m.score, why)
    return best


def do_link_repeat(db: Session, *, order: Order, actor: Actor, now: datetime | None = None) -> RepeatLink | None:
    """重复诉求: link a new order to the caller's earlier one (merge if open, suggest 重办 if just done)."""
    now = now or utcnow()
    if not order.citizen_phone or order.anonymous:
        return None
    hit = find_repeat(db, order, now=now)
    if hit is None:
        return None
    earlier, score, why = hit
    r = rules()
    status = Status(earlier.status)
    if status.value in index.OPEN_VALUES and earlier.parent_id is None:
        outcome = "merge_suggested"
        if _auto_merge_allowed():
            do_action(db, order=order, actor=SYSTEM_ACTOR, action=Action.cancel_duplicate, now=now,
                      payload={"parent_number": earlier.number, "note": f"重复来电，并入 {earlier.number}"})
            outcome = "merged"
            _tell_citizen(db, order, earlier)
        _timeline_note(db, earlier, actor, f"重复来电：{order.number}（同一来电人，相似度 {score:.2f}）",
                       {"repeat": order.number, "score": score}, now)
    elif status in (Status.completed, Status.closed) and (earlier.completed_at or earlier.closed_at) and (
            (earlier.completed_at or earlier.closed_at) >= now - timedelta(days=r.reopen_window_days)):  # type: ignore[operator]
        outcome = "reopen_suggested"
    else:
        return None
    link = RepeatLink(order_id=order.id, earlier_order_id=earlier.id, phone=order.citizen_phone, score=score,
                      outcome=outcome, state="done" if outcome == "merged" else "open", reasons=why,
                      created_at=now)
    db.add(link)
    db.add(OutboxMessage(topic=f"order.repeat_{outcome}", channel="inbox", recipient="centre", order_id=order.id,
                         payload={"number": order.number, "earlier": earlier.number, "score": score},
                         dedupe_key=f"repeat:{order.id}"))
    if outcome != "reopen_suggested":
        db.flush()
        _raise_urgency(db, earlier, now)
    return link


def _tell_citizen(db: Session, order: Order, earlier: Order) -> None:
    """The caller learns the open order's number and status, instead of a receipt for a new number
    that was merged away the same moment (its ``order.received`` SMS is withdrawn before it is sent)."""
    from hotline.orders.enums import STATUS_ZH

    for msg in db.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"received:{order.number}",
                                                      OutboxMessage.sent_at.is_(None))):
        db.delete(msg)
    if order.citizen_phone and not order.anonymous:
        db.add(OutboxMessage(topic="order.repeat_attached", channel="sms", recipient=order.citizen_phone,
                             order_id=earlier.id, dedupe_key=f"repeat-attached:{order.id}",
                             payload={"number": earlier.number, "earlier": earlier.number,
                                      "status": STATUS_ZH[Status(earlier.status)], "repeat": order.number}))


def repeat_count(db: Session, order: Order) -> int:
    """How many repeat calls are linked to this (open) order, merged or waiting for the dispatcher."""
    return len(list(db.scalars(select(RepeatLink.order_id).where(
        RepeatLink.earlier_order_id == order.id, RepeatLink.outcome.in_(("merged", "merge_suggested"))))))


def _raise_urgency(db: Session, earlier: Order, now: datetime) -> None:
    """Repeats pile up: at ``urgent_after_repeats`` the open order becomes urgent (a system timeline event).

    Deadlines already set at dispatch stay as they are (a limit is the one the unit was given); an
    order still awaiting dispatch gets the urgent policy when it is dispatched."""
    threshold = rules().urgent_after_repeats
    if not threshold or earlier.urgency == "urgent":
        return
    n = repeat_count(db, earlier)
    if n < threshold:
        return
    before = earlier.urgency
    earlier.urgency = "urgent"
    _timeline_note(db, earlier, SYSTEM_ACTOR, f"同一诉求重复来电已达 {n} 次，紧急程度由一般升为紧急",
                   {"urgency": {"from": before, "to": "urgent"}, "repeats": n}, now)
    db.add(OutboxMessage(topic="order.repeat_urgent", channel="inbox", recipient="centre", order_id=earlier.id,
                         payload={"number": earlier.number, "title": earlier.title, "repeats": n},
                         dedupe_key=f"repeat-urgent:{earlier.id}"))


#: db.info: {order id: the outcome of its RepeatLink, or None: none} for the orders this transaction's
#: intake checked, so that a later hook (``replies.flows.fake_on_repeat_call``) need not read it back
REPEAT_CHECKED = "hotline.duplicates.repeat_checked"


def repeat_on_create(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """Runs inside intake; a failure here is logged and rolled back to a savepoint, never blocks the call."""
    outcome: str | None = None
    if order.citizen_phone and not order.anonymous:
        try:
            with db.begin_nested():
                link = do_link_repeat(db, order=order, actor=actor, now=now)
            outcome = link.outcome if link is not None else None
        except Exception:  # noqa: BLE001 - linking is a help, taking the call is the job
            log.exception("repeat-demand linking failed for %s", order.number)  # rolled back: no link
    db.info.setdefault(REPEAT_CHECKED, {})[order.id] = outcome


def repeat_checked(db: Session, order_id: int) -> tuple[bool, str | None]:
    """(whether this transaction's intake checked ``order_id``, its RepeatLink's outcome or None)."""
    checked: dict[int, str | None] = db.info.get(REPEAT_CHECKED, {})
    return (order_id in checked, checked.get(order_id))


transaction_scoped(REPEAT_CHECKED)  # nothing held outlives its transaction or a savepoint rolled back


def do_resolve_repeat(db: Session, *, link_id: int, actor: Actor, state: str) -> RepeatLink:
    """A dispatcher closes a repeat suggestion: ``done`` (acted on) or ``dismissed``."""
    if state not in ("done", "dismissed"):
        raise BadRequest("bad_state", "处理结果只能是已处理或忽略", "state must be done or dismissed", field="state")
    link = db.get(RepeatLink, link_id)
    if link is None:
        raise NotFound("repeat_not_found", "找不到该重复来电记录", "repeat link not found")
    link.state = state
    db.add(AuditLog(actor_id=actor.user_id, actor_label=actor.label, action=f"repeat.{state}",
                    entity="repeat_link", entity_id=str(link.id), data={"order_id": link.order_id}))
    return link
