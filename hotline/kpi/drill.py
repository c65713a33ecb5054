"""Drill-down: the records behind one figure of one unit (its subtree) in one period.

Excluded records are listed too, with the reason ("excluded: appeal accepted"),
so a unit can check that what it won on appeal really left its rates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from hotline.appeals.models import UnitRequest
from hotline.callbacks.models import Evaluation
from hotline.kpi.formulas import ENDED_EARLY, Period
from hotline.kpi.models import AssignmentLimit
from hotline.orders.models import Assignment, Order, OrderRequest

MEASURES = {"dispatched": "派单（签收及时率、退单率分母）", "due": "应办结（按期办结率分母）",
            "evaluated": "评价（解决率、满意率分母）", "returns": "退单"}
EXCLUDED_ZH = {"appeal": "申诉已采纳，不计入考核", "designation": "不合理诉求，不计入考核", "merged": "已并单，不计入"}


def records(db: Session, *, unit_ids: list[int], measure: str, period: Period, as_of: datetime,
            limit: int = 500) -> list[dict[str, Any]]:
    designated = set(db.scalars(select(UnitRequest.order_id).where(
        UnitRequest.kind == "designation", UnitRequest.state == "accepted")))
    out: list[dict[str, Any]] = []
    if measure in ("dispatched", "due"):
        L, A = AssignmentLimit, Assignment
        col = L.assigned_at if measure == "dispatched" else L.due_at
        q = (select(L, A, Order.number, Order.title).join(A, A.id == L.assignment_id).join(Order, Order.id == L.order_id)
             .where(L.unit_id.in_(unit_ids), col >= period.start, col < period.end).order_by(col).limit(limit))
        for lim, a, number, title in db.execute(q):
            excl = "designation" if lim.order_id in designated else ("merged" if a.end_reason == "merged" else None)
            if measure == "due":
                if a.end_reason in ENDED_EARLY and excl is None:
                    continue
                if lim.due_at >= as_of and a.replied_at is None:
                    continue
                ok = a.replied_at is not None and a.replied_at <= lim.due_at
            else:
                ok = a.signed_at is not None and (lim.sign_due_at is None or a.signed_at <= lim.sign_due_at)
            out.append({"number": number, "title": title, "at": lim.assigned_at if measure == "dispatched" else lim.due_at, "ok": ok,
                        "excluded": excl, "detail": a.end_reason})
    elif measure == "evaluated":
        q = (select(Evaluation, Order.number, Order.title).join(Order, Order.id == Evaluation.order_id)
             .where(Evaluation.unit_id.in_(unit_ids), Evaluation.at >= period.start, Evaluation.at < period.end)
             .order_by(Evaluation.at).limit(limit))
        for e, number, title in db.execute(q):
            out.append({"number": number, "title": title, "at": e.at, "ok": e.solved,
                        "excluded": e.excluded_reason, "detail": e.satisfaction})
    elif measure == "returns":
        R = OrderRequest
        q = (select(R, Order.number, Order.title).join(Order, Order.id == R.order_id)
             .where(and_(R.unit_id.in_(unit_ids), R.kind == "return", R.state == "approved",
                         R.decided_at >= period.start, R.decided_at < period.end)).order_by(R.decided_at).limit(limit))
        for r, number, title in db.execute(q):
            out.append({"number": number, "title": title, "at": r.decided_at, "ok": None,
                        "excluded": "designation" if r.order_id in designated else None, "detail": r.reason})
    return out
