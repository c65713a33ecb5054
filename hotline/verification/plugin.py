"""verification: on-site checks (现场核查) ordered by reviewers and supervisors, done by grid workers on
their phone app (a PWA under /grid/), patrol reports (主动发现) into intake as channel 网格."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.verification import pages, views

    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("现场核查", "/site-checks", roles={"dispatcher", "supervisor"}, order=47)
    r.nav_item("网格员应用", "/grid/", roles={"grid_worker"}, order=10)
