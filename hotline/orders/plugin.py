"""orders: the core's action handlers and the orders API."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.orders import views
    from hotline.orders.actions import CORE_HANDLERS

    for action, fn in CORE_HANDLERS.items():
        r.handler(action, fn)
    r.api(views.router)
