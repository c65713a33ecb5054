"""partitions: the worker's partition maintenance (pg_partman makes the months ahead).

The commands (``hotline db partition``, ``hotline db archive-year``) live with the other ``hotline
db`` commands in hotline/cli.py; they call hotline.partitions.service.
"""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.partitions import worker

    r.worker_task("partition_maintenance", worker.maintenance_task, phase="maintain")
