"""Territory (属地) from the citizen's words: which community, street and district.

The city file names every district, street, township and community, and maps
roads, compounds, markets and landmarks to the unit they lie in.  We scan the
address first, then the text, for the longest names (so 人民中路 beats 人民路),
and answer with the most specific unit found together with the words that gave
it away — the operator sees why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hotline.city.schema import CityFile, UnitType

LEVEL = {UnitType.community: 3, UnitType.street: 2, UnitType.township: 2, UnitType.district: 1}
_SUFFIX = re.compile(r"(社区|村|街道|镇|乡|区|县)$")


@dataclass(frozen=True)
class Place:
    unit_code: str
    unit_name: str
    level: int  # 1 district, 2 street/township, 3 community
    matched: str


@dataclass(frozen=True)
class Territory:
    community: str | None
    street: str | None
    district: str | None
    matched: tuple[str, ...]

    @property
    def most_specific(self) -> str | None:
        return self.community or self.street or self.district


class PlaceIndex:
    """Names → units, longest first."""

    def __init__(self, city: CityFile):
        self.units = {u.code: u for u in city.units}
        names: dict[str, tuple[str, int]] = {}
        for u in city.units:
            if u.type not in LEVEL:
                continue
            level = LEVEL[u.type]
            for name in {u.name, u.short_name or u.name, _SUFFIX.sub("", u.name)}:
                if len(name) >= 2 and (name not in names or names[name][1] < level):
                    names[name] = (u.code, level)
        for road in city.roads:
            unit = self.units[road.unit]
            level = LEVEL.get(unit.type, 2)
            for name in [road.name, *road.aliases]:
                if len(name) >= 2:
                    names[name] = (road.unit, level)
        self.names = sorted(names.items(), key=lambda kv: -len(kv[0]))

    def find(self, text: str) -> list[Place]:
        out: list[Place] = []
        taken: list[tuple[int, int]] = []
        for name, (code, level) in self.names:
            start = text.find(name)
            while start >= 0:
                end = start + len(name)
                if not any(s < end and start < e for s, e in taken):
                    taken.append((start, end))
                    out.append(Place(code, self.units[code].name, level, name))
                    break
                start = text.find(name, start + 1)
        return out

    def ancestors(self, code: str) -> dict[int, str]:
        """level → unit code for the unit and its parents."""
        out: dict[int, str] = {}
        cur = self.units.get(code)
        while cur is not None:
            if cur.type in LEVEL:
                out.setdefault(LEVEL[cur.type], cur.code)
            cur = self.units.get(cur.parent) if cur.parent else None
        return out

    def territory(self, address: str, text: str) -> Territory:
        """The address wins over the text; within each, the most specific consistent place."""
        for source in (address, text):
            places = self.find(source or "")
            if not places:
                continue
            best = max(places, key=lambda p: p.level)
            chain = self.ancestors(best.unit_code)
            return Territory(community=chain.get(3), street=chain.get(2), district=chain.get(1),
                             matched=tuple(p.matched for p in places))
        return Territory(None, None, None, ())


_INDEXES: dict[int, tuple[CityFile, PlaceIndex]] = {}


def index_for(city: CityFile) -> PlaceIndex:
    """One index per loaded city (the city object is kept alive beside it)."""
    hit = _INDEXES.get(id(city))
    if hit is None or hit[0] is not city:
        hit = (city, PlaceIndex(city))
        _INDEXES[id(city)] = hit
    return hit[1]
