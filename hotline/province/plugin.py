"""province: every city side by side for provincial readers, and the provincial administrator's
'add a city' (pages and API)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.city.schema import Role
    from hotline.province import pages, service, views

    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("全省概览", "/province", roles=service.PROVINCE_VIEW, order=5)
    r.nav_item("城市管理", "/province/cities", roles={Role.province_admin.value}, order=6)
