"""Units over time: the names a unit had (``unit_names``) and moving one unit's catalogue duties
into another (a merge, 机构改革).

- **Name history.** A rename keeps the old name in ``unit_names`` with the time it stopped being
  valid; ``NameBook.name(unit, at)`` is the name valid at ``at`` (the current ``Unit.name`` when
  no older name covers it).  The order page, its timeline and the order export show a unit by the
  name valid when the thing happened (an order dispatched to 城管局 in 2025 still says 城管局).
- **Duties.** ``merge_duties(source, target)`` adds the source's duty keywords and catalogue
  categories (and its duty text) to the target's, without duplicates, and says what it added.
  It is the one function for that; the dispatch-catalogue editor reuses it.  The caller audits
  and, after committing, makes routing forget its per-city catalogue caches.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.org.models import Unit, UnitName

_CACHE_KEY = "hotline.unit_names"


class NameBook:
    """The former names of the acting city's units, read once (a small table)."""

    def __init__(self, rows: list[UnitName]) -> None:
        self._by_unit: dict[int, list[UnitName]] = defaultdict(list)
        for r in sorted(rows, key=lambda r: r.valid_to):
            self._by_unit[r.unit_id].append(r)

    def name(self, unit: Unit | None, at: datetime | None) -> str | None:
        """The unit's name at ``at`` (its current name for ``None`` or after every rename)."""
        if unit is None:
            return None
        if at is not None:
            for r in self._by_unit.get(unit.id, ()):
                if at < r.valid_to and (r.valid_from is None or at >= r.valid_from):
                    return r.name
        return unit.name

    def former(self, unit: Unit) -> list[UnitName]:
        return list(self._by_unit.get(unit.id, ()))


def names(db: Session) -> NameBook:
    """The name book of this session (cached in ``db.info``; a rename clears it)."""
    book = db.info.get(_CACHE_KEY)
    if book is None:
        book = db.info[_CACHE_KEY] = NameBook(list(db.scalars(select(UnitName))))
    return book


def forget_names(db: Session) -> None:
    db.info.pop(_CACHE_KEY, None)


def record_rename(db: Session, unit: Unit, new_name: str, *, at: datetime) -> UnitName | None:
    """Keep the unit's current name as a former name valid until ``at``, then rename it."""
    if new_name == unit.name:
        return None
    last = db.scalar(select(UnitName).where(UnitName.unit_id == unit.id).order_by(UnitName.valid_to.desc()).limit(1))
    row = UnitName(unit_id=unit.id, name=unit.name, valid_from=last.valid_to if last else None, valid_to=at)
    db.add(row)
    unit.name = new_name
    forget_names(db)
    return row


def merge_duties(source: Unit, target: Unit) -> dict[str, Any]:
    """Add ``source``'s duty keywords, categories and duty text to ``target``; returns what was added
    (``keywords``, ``categories``, ``duties``: bool).  ``source`` keeps its own (its history)."""
    have_kw, have_cat = list(target.keywords or []), list(target.categories or [])
    new_kw = [k for k in (source.keywords or []) if k not in have_kw]
    new_cat = [c for c in (source.categories or []) if c not in have_cat]
    if new_kw:
        target.keywords = have_kw + new_kw  # a new list: the JSON column sees the change
    if new_cat:
        target.categories = have_cat + new_cat
    text = (source.duties or "").strip()
    added_text = bool(text) and text not in (target.duties or "")
    if added_text:
        target.duties = f"{target.duties.rstrip()}\n（原{source.name}职责）{text}".strip()
    return {"keywords": new_kw, "categories": new_cat, "duties": added_text}


def name_at(db: Session, unit: Unit | None, at: datetime | None) -> str | None:
    """The unit's name valid at ``at`` (its current one for ``None``); ``None`` for no unit."""
    return names(db).name(unit, at)
