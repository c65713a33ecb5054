"""Rankings: SQL counts rolled up through the unit tree, grouped by unit type, ranked by composite.

Groups (docs/kpi.md §4): departments and public enterprises; streets and townships
(with their communities); districts (with everything below them).  Units under
the minimum volume are listed apart; units under the satisfaction threshold are
flagged "named and summoned".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.kpi_settings import KpiSettings, kpi_settings
from hotline.db import utcnow
from hotline.kpi import definitions, formulas, queries
from hotline.kpi.formulas import Counts, Period, Ranked
from hotline.org.memo import memo
from hotline.org.models import Unit
from hotline.org.units import names as unit_names
from hotline.pushdown import service as pushdown_service

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
    pushdowns: dict[int, int] = field(default_factory=dict)  # 下沉派单 received, rolled up (hotline.pushdown)
    basic_counts: bool = True
    #: a renamed unit's name as it was at the period's end (``unit_names``), where it differs from today's:
    #: last year's ranking names 城管局 as it was called then (docs/admin.md, "Units")
    names: dict[int, str] = field(default_factory=dict)


def unit_tree(db: Session, *, include_retired: bool = False) -> tuple[dict[int, Unit], dict[int, list[int]]]:
    """The units by id (active ones only unless ``include_retired``) and each one's children.

    The rows are read once per transaction (``hotline.org.memo``, forgotten on a write of a unit): the
    dashboard and the rankings each ask for the tree, and the board of retired units asks for it again."""
    every: list[Unit] = memo(db, ("kpi.unit_tree",), lambda: list(db.scalars(select(Unit).order_by(Unit.id))))
    units = {u.id: u for u in every if include_retired or u.active}
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
    if counts is None:  # with the exclusion rules of the same settings as the weights
        counts = queries.unit_counts(db, period, as_of=as_of or utcnow(), rules=cfg.exclusions.enabled())
    # a merged or retired unit keeps its rankings history: it is ranked in the periods it has figures for
    units, children = unit_tree(db, include_retired=True)
    received = pushdown_service.per_unit(db, period.start, period.end)
    book, last = unit_names(db), period.end - timedelta(microseconds=1)
    then = {uid: n for uid, u in units.items() if (n := book.name(u, last)) is not None and n != u.name}

    def pushed(uid: int) -> int:
        return received.get(uid, 0) + sum(pushed(c) for c in children.get(uid, []))

    out = []
    for key in groups or list(GROUPS):
        label, types = GROUPS[key]
        items = [(uid, formulas.roll_up(counts, children, uid)) for uid, u in units.items() if u.type in types]
        items = [(uid, c) for uid, c in items if units[uid].active or any(c.as_dict().values())]
        ranked, few = formulas.rank(items, weights=weights_of(cfg), basic_counts=cfg.basic_counts_as_satisfied,
                                    min_orders=cfg.min_orders_for_ranking,
                                    summon_below=cfg.summon_below_satisfaction)
        pd = {uid: pushed(uid) for uid, _ in items} if key == "streets" else {}
        out.append(Board(key, label, ranked, few, pd, cfg.basic_counts_as_satisfied, then))
    return out, units


def row(r: Ranked, units: dict[int, Unit], board: Board | None = None) -> dict[str, Any]:
    """One unit's row: its rates, counts, each rate's sample size (``<rate>_n``) and Wilson 95 %
    interval (``<rate>_ci``), and on the streets board the push-downs it received (docs/kpi.md §4)."""
    u = units[r.unit_id]
    c = r.counts.as_dict()
    basic = board.basic_counts if board is not None else True
    sample: dict[str, Any] = {}
    for rate in definitions.RATES:
        num = sum(c[k] for k in rate.num + (rate.num_if_basic if basic else ()))
        sample[f"{rate.key}_n"] = c[rate.den]
        sample[f"{rate.key}_ci"] = formulas.wilson(num, c[rate.den])
    name = board.names.get(u.id, u.name) if board is not None else u.name
    out = {"unit_code": u.code, "unit_name": name, "unit_type": u.type, "rank": r.rank,
           "summoned": r.summoned, **r.rates.as_dict(), **sample,
           **{definitions.row_key(k): v for k, v in c.items()}}
    if name != u.name:
        out["unit_current_name"] = u.name
    if board is not None and board.group == "streets":
        n = board.pushdowns.get(r.unit_id, 0)
        out["pushdowns"], out["pushdown_share"] = n, formulas.ratio(n, c["dispatched"])
    return out


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
