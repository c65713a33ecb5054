"""cityfile: ``GET /api/v1/admin/city-file`` (export), the import's preview and apply (API and the
管理 · 城市文件 page at ``/admin/city-file``)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.cityfile import pages, views

    r.api(views.router)
    r.pages(pages.router)
