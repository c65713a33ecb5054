"""org: the users, units and tokens API, and the people administration API (``/api/v1/admin``)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.org import admin_views, views

    r.api(views.router)
    r.api(admin_views.router)
