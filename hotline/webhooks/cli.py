"""``hotline webhooks deliver``: attempt the due webhook deliveries (when no worker owns the channel)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from hotline.webhooks import hooks as _hooks  # noqa: F401  (CLI flows that change orders queue webhooks too)

webhooks_app = typer.Typer(help="Webhooks: signed notifications of order events", no_args_is_help=True)


@webhooks_app.command("deliver")
def deliver(loop: Annotated[bool, typer.Option(help="keep running, every --interval seconds")] = False,
            interval: Annotated[float, typer.Option(min=1)] = 10) -> None:
    """Deliver due webhook messages once (or forever with --loop), with exponential backoff."""
    from hotline.db import session_scope
    from hotline.webhooks.delivery import run_due

    while True:
        with session_scope() as db:
            counts = run_due(db)
        typer.echo(f"webhooks: {counts}")
        if not loop:
            return
        time.sleep(interval)
