"""org: the users, units and tokens API."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.org import views

    r.api(views.router)
