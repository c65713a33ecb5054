"""phrases: 常用语 (reply templates) — API, the templates page, the reply form's tools."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.phrases import pages, views

    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("常用语", "/reply-templates", roles={"unit_handler", "unit_leader", "admin"}, order=47)
