"""orders: the core's action handlers and the orders API."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.orders import flows, views

    for action, fn in flows.CORE_HANDLERS.items():
        r.handler(action, fn)
    r.api(views.router)
