"""Ranked Chinese search over work orders: every order is indexed at intake (kind ``order``).

Title, content and address are indexed once when the order is created (they do
not change afterwards); search ranks with BM25 and is limited to the orders the
viewer may see (``visible_filter``), so a unit never finds another unit's order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.orders.actor import Actor
from hotline.orders.models import Order, OrderEvent
from hotline.orders.scoping import visible_filter
from hotline.org.models import User
from hotline.org.scoping import is_centre
from hotline.textindex import index

KIND = "order"


def order_text(order: Order) -> str:
    return f"{order.title}\n{order.content}\n{order.address or ''}"


def index_new_order(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    index.index_doc(db, kind=KIND, doc_id=order.id, text=order_text(order), new=True)  # no postings yet


def search_orders(db: Session, *, user: User, q: str, limit: int = 20) -> list[tuple[Order, float]]:
    scope = None if is_centre(user) else select(Order.id).where(visible_filter(db, user))
    hits = index.search(db, kind=KIND, query=q, limit=limit, scope=scope)
    orders = {o.id: o for o in db.scalars(select(Order).where(Order.id.in_([h.doc_id for h in hits])))}
    return [(orders[h.doc_id], h.score) for h in hits if h.doc_id in orders]
