"""``hotline outbox run`` (alias ``hotline worker``): the background worker; ``hotline outbox status``."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

outbox_app = typer.Typer(help="The worker: deadline sweep and outbox delivery", no_args_is_help=True)


@outbox_app.command("run")
def run(
    interval: Annotated[float, typer.Option(help="seconds between passes")] = 30.0,
    once: Annotated[bool, typer.Option("--once", help="one pass, then exit")] = False,
    no_sweep: Annotated[bool, typer.Option("--no-sweep", help="deliver the outbox only")] = False,
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING")] = "INFO",
    lease: Annotated[float, typer.Option(help="seconds a claimed message is this worker's before another "
                                              "worker may resend it (with the same id)")] = 120.0,
) -> None:
    """Sweep deadlines (催办/督办) and deliver notifications every INTERVAL seconds until SIGTERM/SIGINT."""
    from hotline.outbox.worker import Worker

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    w = Worker(interval=interval, sweep_enabled=not no_sweep, lease=lease)
    w.install_signals()
    w.run(once=once)


@outbox_app.command("status")
def status() -> None:
    """How many messages are pending, sent and failed, by channel."""
    from sqlalchemy import func, select

    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline.db import session_factory
    from hotline.outbox.models import OutboxMessage

    with session_factory()() as db:
        rows = db.execute(select(OutboxMessage.channel, OutboxMessage.state, func.count())
                          .group_by(OutboxMessage.channel, OutboxMessage.state)
                          .order_by(OutboxMessage.channel, OutboxMessage.state)).all()
    for channel, state, n in rows:
        typer.echo(f"{channel:8} {state:8} {n}")
