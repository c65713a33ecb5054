"""imports: CSV/Excel import and export; pages, API and ``hotline imports``."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.imports import cli, pages, views

    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("导入", "/imports", roles={"admin"}, order=91)
    r.command("imports", cli.imports_app)
