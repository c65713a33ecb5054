"""outbox: the default senders (inbox, SMS, e-mail), delivery as the worker's last task, retention as a
maintenance task, ``hotline outbox``."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.outbox import cli, retention, senders, worker

    for channel, sender in senders.default_senders().items():
        r.sender(channel, sender)
    r.worker_task("outbox_retention", retention.prune_task, phase="maintain")  # at most every 10 minutes per city
    r.worker_task("deliver", worker.deliver_task, phase="deliver")
    r.command("outbox", cli.outbox_app)
