"""catalogue: the dispatch catalogue and the category taxonomy, versioned — API, the 管理 pages, and the
``routing.catalogue`` extension point that makes routing use the current version."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.catalogue import pages, service, views

    r.api(views.router)
    r.pages(pages.router)
    r.extend("routing.catalogue", service.view_for)
