"""appeals: 申诉 and unreasonable-demand designations (pages and API)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.appeals import pages, views

    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("申诉", "/appeals", roles={"dispatcher", "supervisor", "unit_handler", "unit_leader"}, order=45)
