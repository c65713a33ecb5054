"""sla: the working-day calendar and time-limit policies (pure; read by orders and supervision);
``hotline sla``."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.sla import cli

    r.command("sla", cli.sla_app)
