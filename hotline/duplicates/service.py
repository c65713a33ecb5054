"""Reads: duplicate candidates for a draft or an order, and a caller's history.

Duplicate candidates are other callers' open orders within the window, ranked
by ``similarity.Scorer``; scoping is the order list's (``visible_filter``), so
a sub-centre sees only its own.  Caller history is for the centre only: a
unit must not learn who else a citizen complained about.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.duplicates import index
from hotline.duplicates.models import DupDoc, RepeatLink
from hotline.duplicates.settings import rules
from hotline.duplicates.similarity import Doc, Prepared
from hotline.errors import Forbidden
from hotline.orders.enums import STATUS_ZH, Status
from hotline.orders.models import Order
from hotline.orders.scoping import visible_filter
from hotline.org.models import Unit, User
from hotline.org.scoping import is_centre

log = logging.getLogger(__name__)


@dataclass
class Candidate:
    number: str
    title: str
    status: str
    status_label: str
    created_at: datetime
    lead_unit: str | None
    score: float
    text: float
    place: float | None
    category: float | None
    likely: bool
    shared_places: list[str] = field(default_factory=list)
    shared_words: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def _candidates_stmt() -> Select:  # type: ignore[type-arg]
    """Candidate rows with their stored vectors (parameter ``ids``), built once; scoping is added per user."""
    return (select(Order.id, Order.number, Order.title, Order.status, Order.created_at, Order.citizen_phone,
                   Unit.name, DupDoc.feats)
            .join(DupDoc, DupDoc.order_id == Order.id).outerjoin(Unit, Unit.id == Order.lead_unit_id)
            .where(Order.id.in_(bindparam("ids", expanding=True)), Order.status.in_(sorted(index.OPEN_VALUES))))


def find(db: Session, *, user: User, doc: Doc, phone: str | None = None, exclude_ids: set[int] | None = None,
         now: datetime | None = None, limit: int = 10) -> list[Candidate]:
    """Open orders from other callers about the same matter, best first."""
    r = rules()
    now = now or utcnow()
    sc = index.scorer(db)
    prep = sc.prepare(doc)
    ids = index.candidate_ids(db, index.tokens_for(doc, prep, sc), since=now - timedelta(days=r.window_days),
                              limit=r.max_candidates)
    ids = [i for i in ids if i not in (exclude_ids or set())]
    if not ids:
        return []
    stmt = _candidates_stmt().where(visible_filter(db, user))
    scored = []
    for _id, number, title, status, created, cphone, unit, feats in db.execute(stmt, {"ids": ids}):
        if phone and cphone == phone:
            continue  # the same caller: a repeat demand, shown in the caller's history instead
        other = Prepared.from_json(feats)
        m = sc.compare(prep, other, reasons=False)
        if m.score >= r.show_from:
            scored.append((m, other, (number, title, status, created, unit)))
    scored.sort(key=lambda x: -x[0].score)
    out = []
    for m, other, (number, title, status, created, unit) in scored[:limit]:
        m.shared_words = sc.shared_words(prep, other, m.shared_places)  # reasons only for what is shown
        out.append(Candidate(number, title, status, STATUS_ZH[Status(status)], created, unit, m.score, m.text,
                             m.place, m.category, m.score >= r.threshold, m.shared_places, m.shared_words))
    return out


def for_order(db: Session, *, user: User, order: Order, limit: int = 10) -> list[Candidate]:
    """Candidates for an existing order (not itself, its parent or its merged children)."""
    related = {order.id} | set(db.scalars(select(Order.id).where(Order.parent_id == order.id)))
    if order.parent_id:
        related.add(order.parent_id)
    return find(db, user=user, doc=index.order_doc(order), phone=order.citizen_phone, exclude_ids=related,
                limit=limit)


def children(db: Session, *, order: Order) -> list[Order]:
    return list(db.scalars(select(Order).where(Order.parent_id == order.id).order_by(Order.id)))


def _designations(db: Session, phone: str) -> list[dict[str, Any]]:
    """不合理诉求认定 of this caller, from the packages that extend ``duplicates.caller_designations``
    (appeals); nothing when none is installed."""
    from hotline import registry

    out: list[dict[str, Any]] = []
    for fn in registry.get().extensions_of("duplicates.caller_designations"):
        try:
            out += list(fn(db=db, phone=phone))
        except Exception:  # noqa: BLE001 - another package's read must not break the call-taker's panel
            log.exception("caller designations failed")
    return out


def caller_history(db: Session, *, user: User, phone: str, now: datetime | None = None,
                   limit: int = 20) -> dict[str, Any]:
    """The caller's past orders and counts.  Centre roles only (403 for units)."""
    if not is_centre(user):
        raise Forbidden("centre_only", "来电人历史仅限热线中心查看", "caller history is for the hotline centre only")
    now = now or utcnow()
    phone = phone.strip()
    base = select(Order).where(Order.citizen_phone == phone)
    # the three counts in one read of the caller's orders (the intake assistant asks on every keystroke)
    counts = db.execute(select(
        func.count(Order.id),
        func.count(case((Order.created_at >= now - timedelta(days=30), Order.id))),
        func.count(case((Order.status == Status.merged.value, Order.id))),
    ).where(Order.citizen_phone == phone)).one()
    total, recent, merged = (int(n or 0) for n in counts)
    repeats = db.scalar(select(func.count(RepeatLink.id)).where(RepeatLink.phone == phone)) or 0
    rows = db.scalars(base.order_by(Order.created_at.desc(), Order.id.desc()).limit(limit))
    orders = [{"number": o.number, "created_at": o.created_at, "title": o.title, "status": o.status,
               "status_label": STATUS_ZH[Status(o.status)], "unit": o.lead_unit.name if o.lead_unit else None,
               "kind": o.kind} for o in rows]
    return {"phone": phone, "total": total, "last_30_days": recent, "repeat_calls": repeats,
            "merged": merged, "orders": orders, "designations": _designations(db, phone)}


def open_repeat_links(db: Session, *, limit: int = 100) -> list[tuple[RepeatLink, Order, Order]]:
    """Repeat calls waiting for a dispatcher (merge or reopen suggested)."""
    from sqlalchemy.orm import aliased

    earlier = aliased(Order)
    stmt = (select(RepeatLink, Order, earlier).join(Order, Order.id == RepeatLink.order_id)
            .join(earlier, earlier.id == RepeatLink.earlier_order_id)
            .where(RepeatLink.state == "open").order_by(RepeatLink.id.desc()).limit(limit))
    return [tuple(r) for r in db.execute(stmt)]  # type: ignore[misc]
