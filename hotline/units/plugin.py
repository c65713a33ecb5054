"""units: the 单位 administration pages (``/admin/units``) and API (``/api/v1/admin/units``)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.units import pages, views

    r.api(views.router)
    r.pages(pages.router)
