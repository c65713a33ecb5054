"""Rankings: SQL counts rolled up through the unit tree, grouped by unit type, ranked by composite.

Groups (docs/kpi.md §4): departments and public enterprises; streets and townships
(with their communities); districts (with everything below them).  Units under
the minimum volume are listed apart; units under the satisfaction threshold are
flagged "named and summoned".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.kpi import definitions, formulas, queries
from hotline.kpi.formulas import Counts, Period, Ranked
from hotline.kpi.settings import KpiSettings, kpi_settings
from hotline.org.models import Unit

GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "departments": ("职能部门和公共企事业单位", ("department", "enterprise")),
    "streets": ("街道和乡镇", ("street", "township")),
    "districts": ("区县", ("district",)),
}


@dataclass
class Board:
    group: str
    label: str
    ranked: list[Ranked]
    too_few: list[Ranked]


def unit_tree(db: Session) -> tuple[dict[int, Unit], dict[int, list[int]]]:
    units = {u.id: u for u in db.scalars(select(Unit).where(Unit.active.is_(True)))}
    children: dict[int, list[int]] = defaultdict(list)
    for u in units.values():
        if u.parent_id is not None:
            children[u.parent_id].append(u.id)
    return units, children


def weights_of(cfg: KpiSettings) -> dict[str, float]:
    return cfg.weights.as_map()


def boards(db: Session, period: Period, *, as_of: datetime | None = None, groups: list[str] | None = None,
           cfg: KpiSettings | None = None, counts: dict[int, Counts] | None = None
           ) -> tuple[list[Board], dict[int, Unit]]:
    cfg = cfg or kpi_settings()
    if counts is None:
        counts = queries.unit_counts(db, period, as_of=as_of or utcnow())
    units, children = unit_tree(db)
    out = []
    for key in groups or list(GROUPS):
        label, types = GROUPS[key]
        items = [(uid, formulas.roll_up(counts, children, uid)) for uid, u in units.items() if u.type in types]
        items = [(uid, c) for uid, c in items if any(c.as_dict().values()) or units[uid].type in types]
        ranked, few = formulas.rank(items, weights=weights_of(cfg), basic_counts=cfg.basic_counts_as_satisfied,
                                    min_orders=cfg.min_orders_for_ranking,
                                    summon_below=cfg.summon_below_satisfaction)
        out.append(Board(key, label, ranked, few))
    return out, units


def row(r: Ranked, units: dict[int, Unit]) -> dict[str, Any]:
    u = units[r.unit_id]
    return {"unit_code": u.code, "unit_name": u.name, "unit_type": u.type, "rank": r.rank,
            "summoned": r.summoned, **r.rates.as_dict(),
            **{definitions.row_key(k): v for k, v in r.counts.as_dict().items()}}


def centre_totals(db: Session, period: Period, *, as_of: datetime | None = None,
                  counts: dict[int, Counts] | None = None) -> dict[str, Any]:
    """The whole city: all units' counts summed, plus first-contact resolution."""
    cfg = kpi_settings()
    if counts is None:
        counts = queries.unit_counts(db, period, as_of=as_of or utcnow())
    total = sum(counts.values(), Counts())
    fc_num, fc_den = queries.first_contact(db, period)
    r = formulas.rates(total, weights=weights_of(cfg), basic_counts=cfg.basic_counts_as_satisfied)
    return {**total.as_dict(), **r.as_dict(), "first_contact": formulas.ratio(fc_num, fc_den),
            "first_contact_resolved": fc_num, "received": fc_den}
