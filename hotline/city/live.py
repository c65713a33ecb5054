"""Live settings: the newest saved version of a city's ``sla`` or ``kpi`` block, else the city file's.

Why: the time limits, the holiday calendar and the KPI weights change by decree, and an
administrator changes them in the console (``hotline.settings``), not by editing YAML.  The readers
(``hotline.sla.service.bound``, ``hotline.city.kpi_settings.kpi_settings``) ask this module for the
effective block and stay as they were: no database argument, cheap enough to call per order.

**Freshness across processes.**  The web server and the worker (and every web worker) are separate
processes, each with its own cache, so a version saved in one must reach the others without a
restart and without a query per read.  The design:

- At the start of every database transaction of every ``Session`` (the SQLAlchemy ``after_begin``
  event, installed by ``hotline.city.plugin``; not at a savepoint inside one) one small query reads the *stamp* of each block of
  each city: the id and time of its newest version (``settings_versions`` holds a handful of rows
  per city; the unique key ``(city_id, block, version)`` serves it).  It runs on the transaction's
  own connection, so it sees what that transaction sees (a test's uncommitted rows too).
- Only when a stamp differs from the cached one is that block's body loaded (same connection).
- Readers then look the acting city's block up in this process-wide table: no query at all.

So a request, a worker pass or a sweep (each one or a few transactions) sees the settings that were
committed when it began; a change is visible to every process at its next transaction.  Before the
first transaction of a process, or where the table does not exist yet (a database not upgraded),
the city file applies.

This package is first in the install order and imports no other package: the bodies are plain
dicts here, validated by their readers' models (``SlaConfig`` in ``hotline.sla``, ``KpiSettings``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, event, func, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

BLOCKS = ("sla", "kpi")


@dataclass(frozen=True)
class LiveBlock:
    """The newest version of one block of one city."""

    id: int
    version: int
    created_at: datetime | None
    body: dict[str, Any]

    @property
    def key(self) -> tuple[int, int, datetime | None]:
        """Identifies the body for caches built from it (``sla.service``, ``kpi_settings``)."""
        return (self.id, self.version, self.created_at)


_lock = threading.Lock()
_live: dict[tuple[int, str], LiveBlock] = {}  # (city_id, block) → newest version, replaced as a whole
_table_seen = False


_STAMPS: Select[Any] | None = None  # built once: it runs at the start of every transaction


def _stamps_statement() -> Select[Any]:
    global _STAMPS
    if _STAMPS is None:
        from hotline.city.models import SettingsVersion as V

        newest = (select(V.city_id, V.block, func.max(V.version).label("v"))
                  .group_by(V.city_id, V.block).subquery())
        _STAMPS = (select(V.city_id, V.block, V.id, V.version, V.created_at)
                   .join(newest, (V.city_id == newest.c.city_id) & (V.block == newest.c.block)
                         & (V.version == newest.c.v)))
    return _STAMPS


def _stamps(conn: Connection) -> dict[tuple[int, str], tuple[int, int, Any]]:
    rows = conn.execute(_stamps_statement())
    return {(r.city_id, r.block): (r.id, r.version, r.created_at) for r in rows}


def refresh(conn: Connection) -> None:
    """Bring the process-wide table up to what ``conn``'s transaction sees (see the module doc)."""
    global _live, _table_seen
    if not _table_seen:
        if not inspect(conn).has_table("settings_versions"):
            return
        _table_seen = True
    from hotline.city.models import SettingsVersion as V

    stamps = _stamps(conn)
    current = _live
    if len(stamps) == len(current) and all(
            (b := current.get(k)) is not None and (b.id, b.version, b.created_at) == s for k, s in stamps.items()):
        return
    fresh: dict[tuple[int, str], LiveBlock] = {}
    for k, (vid, version, created) in stamps.items():
        old = current.get(k)
        if old is not None and (old.id, old.version, old.created_at) == (vid, version, created):
            fresh[k] = old
            continue
        body = conn.execute(select(V.body).where(V.city_id == k[0], V.id == vid)).scalar_one()
        fresh[k] = LiveBlock(vid, version, created, dict(body or {}))
    with _lock:
        _live = fresh


def _after_begin(session: Session, transaction: Any, connection: Connection) -> None:
    # a savepoint (``begin_nested``: the intake's hooks take three) is not a new transaction: the
    # transaction that holds it has refreshed the table at its start
    if session.info.get("no_live_settings") or getattr(transaction, "nested", False):
        return
    refresh(connection)


def install_listener() -> None:
    """Refresh at the start of every session transaction (called once by ``hotline.city.plugin``)."""
    if not event.contains(Session, "after_begin", _after_begin):
        event.listen(Session, "after_begin", _after_begin)


def forget() -> None:
    """Drop the table (tests, after rolling back rows the next stamp check might not notice)."""
    global _live
    with _lock:
        _live = {}


def live_block(block: str, city_id: int | None = None) -> LiveBlock | None:
    """The newest saved version of ``block`` for the acting city (or ``city_id``); None: the file applies."""
    if city_id is None:
        from hotline.city.tenancy import current_scope

        city_id = current_scope().id
        if city_id is None:  # the provincial read-only scope has no settings of its own
            return None
    return _live.get((city_id, block))


def file_block(block: str) -> dict[str, Any]:
    """The acting city's file's block (what applies while no version was saved)."""
    from hotline.city.service import current_city

    return dict(getattr(current_city(), block) or {})


def effective_body(block: str) -> tuple[int, dict[str, Any]]:
    """(version number, body) of the block in force: the newest version, else the file's (version 0)."""
    live = live_block(block)
    if live is not None:
        return live.version, live.body
    return 0, file_block(block)
