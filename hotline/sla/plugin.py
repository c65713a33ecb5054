"""sla: the deadline sweep (a worker task), the supervisor board and ``hotline sla``."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.sla import cli, pages, sweep

    r.worker_task("sweep", sweep.run_sweep, phase="sweep")
    r.pages(pages.router)
    r.nav_item("督办看板", "/supervision", roles=pages.BOARD_ROLES, order=60)
    r.command("sla", cli.sla_app)
