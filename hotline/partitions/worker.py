"""The worker's partition maintenance: at most once an hour per worker process, for the whole
database (pg_partman's configuration is not per city, so the first city's pass does it)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger("hotline.partitions")
EVERY = timedelta(hours=1)  # 4 months are made ahead: an hour late is never a missing partition
_last_run: list[datetime] = []


def maintenance_task(*, now: datetime) -> dict[str, Any]:
    from hotline.db import get_engine
    from hotline.partitions.service import maintain

    if _last_run and timedelta(0) <= now - _last_run[0] < EVERY:
        return {"skipped": "fresh"}
    _last_run[:] = [now]
    try:
        return maintain(get_engine())
    except Exception:  # noqa: BLE001  (never the pass's deliveries: the next hour tries again)
        _last_run.clear()
        log.exception("partition maintenance failed")
        return {"failed": True}


def forget() -> None:
    """Tests: the next pass runs the maintenance again."""
    _last_run.clear()
