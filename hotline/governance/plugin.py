"""governance: 每月一题 projects and 未诉先办 proactive tasks (pages, API, CLI and the worker's daily prediction)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.governance import cli, pages, service, views

    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("每月一题", "/governance", roles={"leader", "supervisor", *service.UNIT_ROLES}, order=59)
    r.extend("hotspots.detail_actions", pages.matter_actions)  # 设为每月一题 on a hot matter's page

    r.command("governance", cli.governance_app)
    r.worker_task("governance", cli.predict_task, phase="maintain")  # at most daily per city
