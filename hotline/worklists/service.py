"""Reading saved views: which views a person sees, what a view's query is, how many orders it holds."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.console.order_pages import FILTER_KEYS, _filters
from hotline.console.queue_pages import list_count, list_filter, list_sections, unfiltered_sections
from hotline.errors import NotFound
from hotline.orders import service as orders
from hotline.org.models import User
from hotline.worklists.models import VIEW_LISTS, SavedView

SHARE_ROLES = ("admin", "supervisor")  # may keep a view for a whole role


LIST_PATHS = {"orders": "/orders", "queue": "/queue", "inbox": "/inbox"}  # where a view of each list opens
LIST_LABELS = {"orders": "工单列表", "queue": "派单队列", "inbox": "待办"}


def clean_query(raw: dict[str, Any], list_: str = "orders") -> dict[str, str]:
    """Only the list's own parameters, blanks dropped, each value as the list reads it."""
    params = {k: str(v) for k, v in raw.items() if v is not None and k in (*FILTER_KEYS, "light")}
    _, clean = list_filter(params, list_) if list_ in ("queue", "inbox") else _filters(params)
    return {k: v for k, v in clean.items() if v}


def visible_views(db: Session, *, user: User, list_: str | None = None) -> list[SavedView]:
    """The person's own views, then those kept for their role."""
    stmt = select(SavedView).where(or_(SavedView.owner_id == user.id, SavedView.role == user.role))
    if list_ is not None and list_ in VIEW_LISTS:
        stmt = stmt.where(SavedView.list == list_)
    rows = list(db.scalars(stmt.order_by(SavedView.role.is_not(None), SavedView.name, SavedView.id)))
    return rows


def get_view(db: Session, *, view_id: int, user: User) -> SavedView:
    v = db.get(SavedView, view_id)
    if v is None or not (v.owner_id == user.id or v.role == user.role):
        raise NotFound("view_not_found", "找不到该视图", "saved view not found")
    return v


def count(db: Session, *, user: User, view: SavedView, loaded: dict[str, Any] | None = None) -> int:
    """How many orders the view's list holds now: counted the way the list itself filters.

    ``loaded`` keeps a queue's or an inbox's unfiltered sections across the views of one bar."""
    if view.list in ("queue", "inbox"):
        f, _ = list_filter(view.query, view.list)
        if loaded is None:
            return list_count(list_sections(db, user, view.list, f))
        if view.list not in loaded:
            loaded[view.list] = unfiltered_sections(db, user, view.list)
        return list_count(list_sections(db, user, view.list, f, found=loaded[view.list]))
    f, _ = _filters(view.query)
    return orders.count_orders(db, user=user, f=f)


def href(view: SavedView) -> str:
    q = urlencode({**view.query, "view": view.id})
    return f"{LIST_PATHS.get(view.list, '/orders')}?{q}"


def present(db: Session, view: SavedView, *, user: User, with_count: bool = True,
            loaded: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": view.id, "name": view.name, "list": view.list, "query": dict(view.query),
            "shared_with_role": view.role, "mine": view.owner_id == user.id,
            "count": count(db, user=user, view=view, loaded=loaded) if with_count else None, "href": href(view)}


def present_all(db: Session, views: list[SavedView], *, user: User) -> list[dict[str, Any]]:
    """Several views with their counts; a queue or an inbox is read once for all its views."""
    loaded: dict[str, Any] = {}
    return [present(db, v, user=user, loaded=loaded) for v in views]
