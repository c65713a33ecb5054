"""idempotency: expired Idempotency-Keys are purged by the worker."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.idempotency import service

    r.worker_task("idempotency", service.purge_task, phase="maintain")
