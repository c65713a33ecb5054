"""The learning loop: record each suggestion at intake, auto-dispatch when sure, learn from returns.

Hooks on the order's life (same transaction as the action):
- create → suggest, store a ``RoutingDecision``; a self-service order (one the citizen submitted:
  the portal, an Open311 client — the create event's ``self_service``, never the channel field)
  whose top unit and first-level category are both at least ``auto_dispatch_threshold`` sure is
  dispatched by the system, others
  wait in the dispatcher's triage queue with the suggestion beside them.  An order an operator
  keys in (whatever its channel: 电话, 网站, 微信 …) is never auto-dispatched: the operator routes
  it, and their choice wins;
- first dispatch → what was chosen, and whether it matched the suggestion;
- return approved / redispatch → the first choice did not hold: the suggestion is marked wrong.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.config import get_settings
from hotline.orders.actor import SYSTEM_ACTOR, Actor
from hotline.orders.enums import Action, Status
from hotline.orders.flows import do_action
from hotline.orders.models import Order, OrderEvent
from hotline.org.models import Unit, User
from hotline.routing.models import RoutingDecision
from hotline.routing.service import branch_of, is_leaf, suggest

log = logging.getLogger(__name__)


def decision_for(db: Session, order: Order) -> RoutingDecision | None:
    return db.scalar(select(RoutingDecision).where(RoutingDecision.order_id == order.id))


def record_suggestion(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    if order.channel == "import":
        return  # history being moved in: its dispatch already happened elsewhere
    s = suggest(db, text=f"{order.title}\n{order.content}", address=order.address or "", explain=False)
    top_u, top_c = s.top_unit, s.top_category
    dec = RoutingDecision(
        order_id=order.id, suggested_at=now, model_version=s.model_version,
        categories=[c.__dict__ for c in s.categories], units=[u.__dict__ for u in s.units],
        territory=s.territory, flags=s.flags, top_unit=top_u.code if top_u else None,
        top_category=top_c.code if top_c else None, confidence=top_u.confidence if top_u else 0.0)
    db.add(dec)
    if not (event.data or {}).get("self_service"):
        return  # a person is routing it (the operator, with the suggestion in view)
    threshold = get_settings().auto_dispatch_threshold
    # Both must be sure: the unit, and the first-level branch its category is in. Why the branch too:
    # the unit's confidence is a share of the unit evidence, high whenever one unit owns the matched
    # keywords; the branch probability is the calibrated one (docs/routing.md, "Calibration").
    branch = s.top_levels[0] if s.top_levels else None
    # the branch and the leaf are the live category tree's (hotline.catalogue), not the code's shape:
    # a category moved to another branch is dispatched by its new branch
    sure = (top_u is not None and top_c is not None and is_leaf(db, top_c.code)
            and top_u.confidence >= threshold
            and branch is not None and branch.code == branch_of(db, top_c.code) and branch.confidence >= threshold)
    if sure and not s.flags.get("emergency") and not s.flags.get("out_of_scope"):
        assert top_u is not None and top_c is not None
        dec.auto_dispatched = True
        do_action(db, order=order, actor=SYSTEM_ACTOR, action=Action.dispatch, now=now,
                  payload={"lead_unit": top_u.code, "category_code": order.category_code or top_c.code,
                           "note": f"自动派单（置信度 {top_u.confidence:.0%}）"})
    else:
        dec.triage = True


def record_choice(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    dec = decision_for(db, order)
    if dec is None or order.lead_unit is None:
        return
    dec.triage = False
    if dec.chosen_unit is not None:
        return  # only the first dispatch is judged
    dec.chosen_unit = order.lead_unit.code
    dec.chosen_category = order.category_code
    dec.unit_correct = dec.top_unit == dec.chosen_unit if dec.top_unit else None
    if dec.top_category and order.category_code:
        dec.category_correct = branch_of(db, order.category_code) == branch_of(db, dec.top_category) and (
            not is_leaf(db, dec.top_category) or order.category_code == dec.top_category)
    dec.outcome = "held"
    dec.triage = False


def record_failure(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    dec = decision_for(db, order)
    if dec is None or dec.outcome != "held":
        return
    dec.outcome = "returned" if event.action == Action.approve_return.value else "redispatched"
    if dec.top_unit == dec.chosen_unit:
        dec.unit_correct = False
    if event.action == Action.approve_return.value:
        dec.triage = order.status == Status.received.value  # back in the dispatcher's triage queue


KEYWORD_SEPARATORS = ("，", "、", ",", "；", ";")
KEYWORD_MAX = 20


def split_keywords(value: str | list[str]) -> list[str]:
    """Duty keywords from a typed list or from the console's one text box, split the same way:
    on Chinese and Latin commas, 、 and semicolons; trimmed, 1–20 characters, each once, in order."""
    items = [value] if isinstance(value, str) else list(value)
    words: list[str] = []
    for item in items:
        for sep in KEYWORD_SEPARATORS[1:]:
            item = item.replace(sep, KEYWORD_SEPARATORS[0])
        words += [w.strip() for w in item.split(KEYWORD_SEPARATORS[0])]
    return list(dict.fromkeys(w for w in words if 1 <= len(w) <= KEYWORD_MAX))


def do_edit_keywords(db: Session, *, unit_code: str, keywords: str | list[str], actor: User,
                     duties: str | None = None) -> Unit:
    """维护派单目录: a unit's duty keywords (and duty text), audited; routing reads them at once."""
    from hotline.errors import NotFound
    from hotline.org.models import AuditLog

    unit = db.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise NotFound("unknown_unit", f"未知单位：{unit_code}", f"unknown unit: {unit_code}")
    before = list(unit.keywords or [])
    unit.keywords = split_keywords(keywords)
    if duties is not None:
        unit.duties = duties
    db.add(AuditLog(actor_id=actor.id, actor_label=actor.username, action="unit.keywords", entity="unit",
                    entity_id=unit.code, data={"before": before, "after": unit.keywords}))
    db.flush()
    return unit  # the caller commits, then ``routing.service.forget_catalogue()`` (not before: a
    # request in between would cache the old words again)
