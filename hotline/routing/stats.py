"""How well routing works: first-dispatch accuracy, returns by unit, and where suggestions go wrong."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from hotline.orders.models import Assignment, Order
from hotline.org.models import Unit
from hotline.routing.models import RoutingDecision


def accuracy(db: Session, *, since: datetime | None = None, until: datetime | None = None) -> dict[str, Any]:
    conds = []
    if since:
        conds.append(RoutingDecision.suggested_at >= since)
    if until:
        conds.append(RoutingDecision.suggested_at < until)
    where = and_(*conds) if conds else True
    rows = db.execute(select(RoutingDecision.top_unit, RoutingDecision.chosen_unit, RoutingDecision.unit_correct,
                             RoutingDecision.category_correct, RoutingDecision.outcome,
                             RoutingDecision.auto_dispatched).where(where)).all()
    judged = [r for r in rows if r.unit_correct is not None]
    cat_judged = [r for r in rows if r.category_correct is not None]
    dispatched = [r for r in rows if r.outcome is not None]
    held = [r for r in dispatched if r.outcome == "held"]
    names = dict(db.execute(select(Unit.code, Unit.name)).all())
    confusion = Counter((r.top_unit, r.chosen_unit) for r in judged if r.top_unit != r.chosen_unit)
    return {
        "suggested": len(rows),
        "dispatched": len(dispatched),
        "auto_dispatched": sum(1 for r in rows if r.auto_dispatched),
        "first_dispatch_held": len(held),
        "first_dispatch_held_rate": round(len(held) / len(dispatched), 4) if dispatched else None,
        "unit_suggestion_accuracy": round(sum(1 for r in judged if r.unit_correct) / len(judged), 4) if judged else None,
        "unit_judged": len(judged),
        "category_suggestion_accuracy": (round(sum(1 for r in cat_judged if r.category_correct) / len(cat_judged), 4)
                                         if cat_judged else None),
        "confusion": [{"suggested": s, "suggested_name": names.get(s or "", s), "chosen": c,
                       "chosen_name": names.get(c or "", c), "count": n}
                      for (s, c), n in confusion.most_common(20)],
    }


def returns_by_unit(db: Session, *, since: datetime | None = None) -> list[dict[str, Any]]:
    """Return rate (退单率) per unit: lead assignments ended by an approved return / lead assignments."""
    conds = [Assignment.role == "lead"]
    if since:
        conds.append(Assignment.assigned_at >= since)
    total = func.count(Assignment.id)
    returned = func.sum(case((Assignment.end_reason == "returned", 1), else_=0))
    rows = db.execute(select(Unit.code, Unit.name, total, returned).join(Unit, Unit.id == Assignment.unit_id)
                      .where(*conds).group_by(Unit.code, Unit.name).order_by(total.desc())).all()
    return [{"unit": code, "name": name, "assignments": n, "returns": int(r or 0),
             "return_rate": round(int(r or 0) / n, 4) if n else None} for code, name, n, r in rows]


def triage_queue(db: Session) -> list[tuple[Order, RoutingDecision]]:
    rows = db.execute(select(Order, RoutingDecision).join(RoutingDecision, RoutingDecision.order_id == Order.id)
                      .where(RoutingDecision.triage.is_(True), Order.status == "received")
                      .order_by(Order.created_at).limit(200)).all()
    return [(o, d) for o, d in rows]
