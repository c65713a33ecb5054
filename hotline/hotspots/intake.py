"""Incremental grouping at intake: a new order joins the best-matching open hot matter at once.

Why: the re-grouping runs at most hourly in the worker's background lane; a leader looking at a
matter should see the call that came in a minute ago.  The periodic re-grouping stays the authority
(it may move or drop the order at its next pass).  Cheap by construction: no segmentation of its own —
the duplicates' index has just prepared the order (``DupDoc``, the observer runs before action hooks)
and its posting lists give the candidates (``duplicates.index.candidate_ids``: one indexed statement);
only candidates that sit in an active, open place matter are scored with the pair model.

Corrections are honoured: only open matters are joined (not one a leader marked handled), the
new order goes with the side of a split it matches best, and a matter is skipped if any member is
cannot-linked to the best-matching member.  The join is a plain (unversioned) update inside a
savepoint, so it neither loses nor wins a race with a leader's correction or an hour's re-grouping
(which would otherwise lose to every call that came in meanwhile); a failure never blocks the call.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from hotline.duplicates import index
from hotline.duplicates.models import DupDoc
from hotline.duplicates.similarity import Prepared
from hotline.hotspots import tuning
from hotline.hotspots.models import HotMatter, HotMatterEvent, HotMatterLink, HotMatterOrder
from hotline.hotspots.refresh import EXCLUDED, SYSTEM, WINDOW_DAYS
from hotline.orders.actor import Actor
from hotline.orders.models import Order, OrderEvent

log = logging.getLogger(__name__)
CANDIDATES = 30  # orders read from the duplicates' index


def join_on_create(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """Order hook (create): join the best-matching open hot matter; a failure never blocks the call."""
    if order.status in {s.value for s in EXCLUDED}:
        return
    try:
        with db.begin_nested():
            do_join(db, order=order, now=now)
    except Exception:  # noqa: BLE001 - grouping is a help, taking the call is the job
        log.exception("hot matter join at intake failed for %s", order.number)


def do_join(db: Session, *, order: Order, now: datetime) -> HotMatter | None:
    sc = index.scorer(db)
    kept = index.held(db, order.id)  # what the index wrote in this request: no read back, no re-ranking
    if kept is not None:
        prep, tokens = Prepared.from_json(kept[0]), kept[1]
    else:
        feats = db.scalar(select(DupDoc.feats).where(DupDoc.order_id == order.id))
        if feats is None:
            return None
        prep = Prepared.from_json(feats)
        tokens = index.tokens_for(index.order_doc(order), prep, sc)
    ids = index.candidate_ids(db, tokens, since=now - timedelta(days=WINDOW_DAYS), limit=CANDIDATES)
    ids = [i for i in ids if i != order.id]
    if not ids:
        return None
    rows = db.execute(select(HotMatterOrder.order_id, HotMatterOrder.hot_matter_id, DupDoc.feats)
                      .join(HotMatter, HotMatter.id == HotMatterOrder.hot_matter_id)
                      .join(DupDoc, DupDoc.order_id == HotMatterOrder.order_id)
                      .where(HotMatterOrder.order_id.in_(ids), HotMatter.kind == "place",
                             HotMatter.active.is_(True), HotMatter.state == "open")).all()
    if not rows:
        return None
    scores: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for oid, mid, other in rows:
        scores[mid].append((sc.compare(prep, Prepared.from_json(other), reasons=False).score, oid))
    best_mid, (best, best_oid) = max(((mid, max(s)) for mid, s in scores.items()), key=lambda x: (x[1][0], -x[0]))
    # the city's grouping threshold (``tuning``: learned from its leaders' corrections, else the shipped
    # ``grouping.THRESHOLD``), read from the live-settings table without a query
    if best < tuning.threshold_live():
        return None
    apart = db.scalar(select(HotMatterLink.id).join(
        HotMatterOrder, and_(HotMatterOrder.hot_matter_id == best_mid, or_(
            and_(HotMatterLink.order_a_id == best_oid, HotMatterLink.order_b_id == HotMatterOrder.order_id),
            and_(HotMatterLink.order_b_id == best_oid, HotMatterLink.order_a_id == HotMatterOrder.order_id))))
        .where(HotMatterLink.kind == "cannot").limit(1))
    if apart is not None:
        return None
    db.add(HotMatterOrder(hot_matter_id=best_mid, order_id=order.id))
    # a plain UPDATE, not a versioned one: a join is an addition the next re-grouping re-derives, so it
    # must not make an hour's re-grouping lose its race with every call that came in meanwhile
    db.execute(update(HotMatter).where(HotMatter.id == best_mid)
               .values(size=HotMatter.size + 1, last_at=order.created_at or now)
               .execution_options(synchronize_session="fetch"))
    size = db.scalar(select(HotMatter.size).where(HotMatter.id == best_mid))
    db.add(HotMatterEvent(hot_matter_id=best_mid, kind="grew", at=now, actor_label=SYSTEM,
                          data={"orders": [order.number], "size": size, "at_intake": True}))
    db.flush()
    return db.get(HotMatter, best_mid)
