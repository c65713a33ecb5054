"""textindex: a new order's text enters the full-text index; the search API."""

from __future__ import annotations

from hotline.orders.enums import Action
from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.textindex import orders, views

    r.on_action(orders.index_new_order, Action.create)
    r.api(views.router)
