"""Reads of the unit tree for the administration pages and API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.org.models import Unit, User
from hotline.org.units import names

TYPE_ORDER = {"centre": 0, "district": 1, "street": 2, "township": 3, "community": 4, "department": 5,
              "enterprise": 6}
TYPE_ZH = {"centre": "热线中心", "district": "区县", "street": "街道", "township": "乡镇", "community": "社区/村",
           "department": "职能部门", "enterprise": "公共企事业单位"}


@dataclass
class Node:
    unit: Unit
    depth: int
    parent_code: str | None
    people: int
    children: int


def tree(db: Session, *, include_retired: bool = True) -> list[Node]:
    """Every unit of the acting city depth-first (parents before children), by kind and code."""
    units = list(db.scalars(select(Unit)))
    if not include_retired:
        units = [u for u in units if u.active]
    ids = {u.id: u for u in units}
    people = dict(db.execute(select(User.unit_id, func.count()).where(User.active.is_(True))
                             .group_by(User.unit_id)).all())
    kids: dict[int | None, list[Unit]] = {}
    for u in units:
        kids.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    for lst in kids.values():
        lst.sort(key=lambda u: (not u.active, TYPE_ORDER.get(u.type, 9), u.code))
    out: list[Node] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for u in kids.get(parent, []):
            if u.id in seen:
                continue
            seen.add(u.id)
            out.append(Node(u, depth, ids[u.parent_id].code if u.parent_id in ids else None, people.get(u.id, 0),
                            sum(1 for c in kids.get(u.id, []) if c.active)))
            walk(u.id, depth + 1)

    walk(None, 0)
    return out


def present(db: Session, u: Unit, *, parent_code: str | None = None, people: int | None = None) -> dict[str, Any]:
    if parent_code is None and u.parent_id:
        parent_code = db.scalar(select(Unit.code).where(Unit.id == u.parent_id))
    return {"code": u.code, "name": u.name, "short_name": u.short_name, "type": u.type, "parent": parent_code,
            "duties": u.duties, "phone": u.phone, "active": u.active, "keywords": list(u.keywords or []),
            "categories": list(u.categories or []),
            "former_names": [{"name": r.name, "valid_from": r.valid_from.isoformat() if r.valid_from else None,
                              "valid_to": r.valid_to.isoformat()} for r in names(db).former(u)],
            **({"people": people} if people is not None else {})}
