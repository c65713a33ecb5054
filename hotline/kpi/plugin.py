"""kpi: the limit facts the rates are computed from follow dispatch and extensions; rankings,
dashboard, public page and API."""

from __future__ import annotations

from hotline.orders.enums import Action
from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.kpi import cli, daily, facts, pages, service, views

    r.on_action(facts.record_limits, Action.dispatch, Action.subdispatch, Action.redispatch, Action.reopen)
    r.on_action(facts.move_due, Action.approve_extension, Action.resume)
    r.worker_task("kpi_facts", daily.refresh_task, phase="maintain")  # at most every 5 minutes per city
    r.command("kpi", cli.kpi_app)
    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("考核排名", "/kpi", roles={x.value for x in service.RANKING_ROLES}, order=60)
    r.nav_item("驾驶舱", "/dashboard", roles={x.value for x in service.DASHBOARD_ROLES}, order=61)
