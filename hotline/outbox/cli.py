"""``hotline outbox run`` (alias ``hotline worker``): the background worker; ``hotline outbox status``;
``hotline outbox prune``: retention by hand (the worker prunes too)."""

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
    """How many messages are pending, sent, failed and cancelled, by channel; how many of them retention
    compacted (payload emptied, kept for their dedupe key); the retention period and the oldest row's age."""
    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline.config import get_settings
    from hotline.db import session_factory, utcnow
    from hotline.outbox import retention

    with session_factory()() as db:
        k = retention.kept(db)
    days = get_settings().outbox_retention_days
    typer.echo("保留期 / retention: " + (f"{days} 天 / days (HOTLINE_OUTBOX_RETENTION_DAYS)" if days
                                         else "0：永久保留 / keep for ever (HOTLINE_OUTBOX_RETENTION_DAYS=0)"))
    if k.oldest is None:
        typer.echo("最早的通知 / oldest row: 无 / none (outbox empty)")
    else:
        age = utcnow() - k.oldest
        typer.echo(f"最早的通知 / oldest row: {age.days} 天前 / days old ({k.oldest:%Y-%m-%d %H:%M} UTC, {k.oldest_state})")
    typer.echo(f"{'渠道/channel':12} {'状态/state':12} {'条数/rows':>10} {'已压缩/compacted':>16}")
    for (channel, state), (n, compacted) in k.rows.items():
        typer.echo(f"{channel:12} {state:12} {n:>10} {compacted:>16}")
    states, known = k.by_state(), ("pending", "sent", "failed", "cancelled")
    typer.echo("合计 / total: " + " ".join(f"{s}={states.get(s, 0)}" for s in [*known, *sorted(set(states) - set(known))])
               + f" compacted={k.compacted}")


@outbox_app.command("prune")
def prune(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count what would go, change nothing")] = False,
    older_than: Annotated[int | None, typer.Option(
        "--older-than", min=1, help="days; default HOTLINE_OUTBOX_RETENTION_DAYS")] = None,
    city: Annotated[str | None, typer.Option(help="one city's code; default every city")] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, max=10000, help="rows per transaction "
                                                   "(default 1000 on PostgreSQL, 200 on SQLite)")] = None,
) -> None:
    """Remove sent and cancelled notices older than the retention period (hotline.outbox.retention):
    deleted, or compacted where their dedupe key must stay; pending and failed ones never.  Then the
    in-console notifications read more than HOTLINE_NOTIFICATION_RETENTION_DAYS ago (unread ones never)."""
    from hotline import registry
    from hotline.city.service import cities
    from hotline.city.tenancy import acting_as, scope_by_code
    from hotline.config import get_settings
    from hotline.db import session_factory, utcnow
    from hotline.outbox import inbox_retention, retention

    registry.install()
    days = older_than if older_than is not None else get_settings().outbox_retention_days
    inbox_days = get_settings().notification_retention_days
    if days == 0 and inbox_days == 0:
        typer.echo("保留期为 0：永久保留，未清理 / retention is 0 (keep for ever): nothing pruned")
        return
    factory = session_factory()
    with factory() as db:
        every = [(c.code, c.name) for c in cities(db) if city is None or c.code == city]
    if not every:
        raise typer.BadParameter(f"没有该城市 / no such city: {city}", param_hint="--city")
    now = utcnow()
    verb = "将清理 / would prune" if dry_run else "已清理 / pruned"
    for code, name in every:
        with factory() as db:
            scope = scope_by_code(db, code)
        with acting_as(scope):
            if days:
                stats = retention.prune(factory, now=now, days=days, dry_run=dry_run, limit=batch_size,
                                        actor_label="通知保留清理(CLI) / outbox prune (CLI)")
            if inbox_days:
                inbox = inbox_retention.prune(factory, now=now, days=inbox_days, dry_run=dry_run,
                                              limit=batch_size or 1000,
                                              actor_label="站内通知保留清理(CLI) / notifications prune (CLI)")
        if days:
            typer.echo(f"{name} ({code}): {verb} {days} 天前 / older than {days} days "
                       f"(before {stats.cutoff:%Y-%m-%d %H:%M} UTC): "
                       f"deleted={stats.deleted} compacted={stats.compacted} batches={stats.batches}")
            for (state, channel, what), n in sorted(stats.rows.items()):
                typer.echo(f"  {state:9} {channel:8} {what:9} {n}")
        if inbox_days:
            typer.echo(f"{name} ({code}): 站内通知 / notifications: {verb} {inbox_days} 天前已读 / read, older than "
                       f"{inbox_days} days (HOTLINE_NOTIFICATION_RETENTION_DAYS): deleted={inbox.deleted} "
                       f"batches={inbox.batches}")
