"""outbox: the default senders (inbox, SMS, e-mail), delivery as the worker's last task, retention in its
background lane, ``hotline outbox``."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.outbox import cli, retention, senders, worker

    for channel, sender in senders.default_senders().items():
        r.sender(channel, sender)
    r.worker_task("outbox_retention", retention.prune_task, phase="background")  # its own lane; every 10 min a city
    r.worker_task("deliver", worker.deliver_task, phase="deliver")
    r.command("outbox", cli.outbox_app)
