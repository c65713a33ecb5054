"""surges: alerts when a category × territory or a hot matter rises beyond its expected level (weekday,
season, China's holidays), found by the worker and ``hotline surges detect``; pages, API and panels."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.surges import cli, detect, pages, views

    r.command("surges", cli.surges_app)
    r.api(views.router)
    r.pages(pages.router)
    r.extend("supervision.board_panels", pages.panel)  # open alerts on /supervision
    r.extend("kpi.dashboard_panels", pages.panel)  # and on the leader's /dashboard
    r.nav_item("突发", "/surges", roles={"leader", "supervisor"}, order=59)
    r.worker_task("surges", detect.surges_task, phase="maintain")  # at most hourly per city
