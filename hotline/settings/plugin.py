"""settings: the 管理 screens 时限 / 节假日 / KPI设置 and their version history; ``/api/v1/admin/settings``."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.settings import pages, views

    r.api(views.router)
    r.pages(pages.router)
