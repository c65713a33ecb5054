"""governance: 每月一题 projects and 未诉先办 proactive tasks (CLI and the worker's daily prediction)."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.governance import cli, views

    r.api(views.router)

    r.command("governance", cli.governance_app)
    r.worker_task("governance", cli.predict_task, phase="maintain")  # at most daily per city
