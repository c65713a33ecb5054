"""hotspots: the grouping of demands about the same matter, its CLI, the province's cross-city panel, and
the city's hot matters and systemic problems as entities (pages, API, the worker's re-grouping)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.hotspots import cli, intake, pages, province, refresh, tuning, views
    from hotline.hotspots import map as hot_map
    from hotline.orders.enums import Action

    r.command("hotspots", cli.hotspots_app)
    r.extend("province.panels", province.panel)  # cross-city hot matters on /province
    r.extend("settings.blocks", tuning.settings_block)  # the threshold's history and rollback in 管理
    r.api(hot_map.router)  # before views: /api/v1/hotspots/map is not a {matter_id}
    r.api(views.router)
    r.pages(hot_map.pages)  # before pages: /hotspots/map likewise
    r.pages(pages.router)
    r.nav_item("热点", "/hotspots", roles={"leader", "supervisor"}, order=58)
    r.on_action(intake.join_on_create, Action.create)  # a new order joins its open hot matter at once
    r.worker_task("hotspots", refresh.refresh_task, phase="background")  # its own lane; at most hourly per city
