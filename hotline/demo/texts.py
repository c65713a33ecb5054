"""Realistic citizen demands (诉求) for the demo city.

Why a generator and not a fixture file: the demo, the seed script and the
router's smoke tests all need many plausible demands that mention the city's
own roads, compounds and villages, are routed to the city's own units, and
differ from one run to the next only when the seed does.  Each leaf category
has a hand-written spec — what the matter is called, where it usually happens,
first-person problem sentences and questions with slots — and kind-specific
frames (complaint, help, report, consultation, suggestion, praise) turn a spec
into a demand.  Slots are filled from the city file and small invented pools
(shop names, amounts, times), so nothing real is copied.

The words live in ``hotline/demo/data/`` (``specs.yaml``: one spec per leaf;
``frames.yaml``: the kind frames and titles; ``pools.yaml``: names, phone
prefixes, slot values, shop names, place kinds; ``mix.yaml``: category and kind
shares); this module is the code that combines them.  The same city, size and
seed give the same demands — ``tests/unit/test_demo_texts.py`` pins a hash.

The texts are invented.  Phone numbers are random, well-formed mainland mobile
numbers; any match with a real subscriber is a coincidence.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from hotline.city.schema import CategoryDef, CityFile, Kind, UnitDef, UnitType

__all__ = [
    "DemandText",
    "generate_demands",
    "generate_duplicate_cluster",
    "leaf_codes_with_templates",
    "MOBILE_RE",
]

#: A mainland China mobile number as the generator writes it (11 digits, 13x–19x).
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class DemandText:
    """One generated demand, with the routing answer the demo expects.

    ``lead_unit_code`` and ``category_code`` are the "gold" labels: the
    territorial street for 属地 leaves, otherwise one of the leaf's units.
    """

    title: str
    content: str
    kind: Kind
    category_code: str
    lead_unit_code: str
    address: str
    territory_code: str
    urgency: str  # "urgent" | "normal"
    citizen_name: str | None
    phone: str | None
    anonymous: bool
    confidential: bool


@dataclass(frozen=True)
class _Spec:
    """How citizens talk about one leaf category.

    ``place`` is the kind of location the matter usually happens at (road,
    compound, village, market, school, hospital, scenic or any) so that a
    pothole lands on a road and a lift on a residential compound.
    """

    code: str
    issue: str
    place: str
    problems: tuple[str, ...]
    questions: tuple[str, ...]
    suggest: str


DATA_DIR = Path(__file__).parent / "data"


def _read(name: str) -> Any:
    """One of the generator's data files (package data, so an installed wheel has them)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)  # a safe loader (the C one where PyYAML has it)


def _strings(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


# ── how citizens talk about each leaf (data/specs.yaml) ────────────────────

_SPECS: tuple[_Spec, ...] = tuple(
    _Spec(str(s["code"]), str(s["issue"]), str(s["place"]), _strings(s["problems"]), _strings(s["questions"]),
          str(s["suggest"]))
    for s in _read("specs.yaml")
)
_SPEC_BY_CODE: dict[str, _Spec] = {s.code: s for s in _SPECS}


def leaf_codes_with_templates() -> frozenset[str]:
    """Leaf codes the generator can write about (the demo city's taxonomy)."""
    return frozenset(_SPEC_BY_CODE)


# ── slot pools (data/pools.yaml) ───────────────────────────────────────────

_POOLS: dict[str, Any] = _read("pools.yaml")
_SURNAMES: str = _POOLS["surnames"]
_GIVEN = _strings(_POOLS["given_names"])
_HONORIFICS = _strings(_POOLS["honorifics"])
_MOBILE_PREFIXES = _strings(_POOLS["mobile_prefixes"])
#: {slot} → what it is drawn from (once per demand: ``_Slots``).
_SLOT_POOLS: dict[str, tuple[str, ...]] = {k: _strings(v) for k, v in _POOLS["slots"].items()}
_SHOP_HEAD = _strings(_POOLS["shops"]["head"])
_SHOP_TAIL = _strings(_POOLS["shops"]["tail"])
_SHOP_KIND: dict[str, tuple[str, ...]] = {k: _strings(v) for k, v in _POOLS["shops"]["kinds"].items()}
_NEARBY: dict[str, str] = {k: str(v) for k, v in _POOLS["nearby"].items()}
_KIND_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (str(e["kind"]), _strings(e["suffixes"])) for e in _POOLS["place_suffixes"])

# ── kind frames (data/frames.yaml) ─────────────────────────────────────────

_FRAMES: dict[str, Any] = _read("frames.yaml")
_OPENERS = _strings(_FRAMES["openers"])
_VILLAGE_OPENERS = _strings(_FRAMES["village_openers"])
_COMPLAINT_ASKS = _strings(_FRAMES["complaint_asks"])
_HELP_OPENERS = _strings(_FRAMES["help_openers"])
_HELP_ASKS = _strings(_FRAMES["help_asks"])
_REPORT_OPENERS_NAMED = _strings(_FRAMES["report_openers_named"])
_REPORT_OPENERS_ANON = _strings(_FRAMES["report_openers_anonymous"])
_REPORT_ASKS = _strings(_FRAMES["report_asks"])
_CONFIDENTIAL_ASKS = _strings(_FRAMES["confidential_asks"])
_CONSULT_OPENERS = _strings(_FRAMES["consult_openers"])
_CONSULT_CONTEXTS = _strings(_FRAMES["consult_contexts"])
_CONSULT_TAILS = _strings(_FRAMES["consult_tails"])
_PADS = _strings(_FRAMES["pads"])
_SUGGEST_OPENERS = _strings(_FRAMES["suggest_openers"])
_SUGGEST_TAILS = _strings(_FRAMES["suggest_tails"])
_PRAISE = _strings(_FRAMES["praise"])
_TITLES: dict[Kind, tuple[str, ...]] = {Kind(k): _strings(v) for k, v in _FRAMES["titles"].items()}
_DUP_OPENERS = _strings(_FRAMES["duplicate_openers"])
_DUP_ASKS = _strings(_FRAMES["duplicate_asks"])
_DUP_CORE = str(_FRAMES["duplicate_core"])

# ── the mix (data/mix.yaml) ────────────────────────────────────────────────

_MIX: dict[str, Any] = _read("mix.yaml")
#: Rough share of each top-level category in real hotline traffic (城乡建设 leads).
_TOP_WEIGHTS: dict[str, int] = {str(k): int(v) for k, v in _MIX["top_weights"].items()}
_KIND_WEIGHTS: dict[Kind, int] = {Kind(k): int(v) for k, v in _MIX["kind_weights"].items()}
#: Leaves where a 举报 (naming a violation) is natural; reports are drawn from these only.
_REPORTABLE = frozenset(_strings(_MIX["reportable"]))
_ACTIVE_KINDS = (Kind.complaint, Kind.help)
_SLOT_RE = re.compile(r"\{(\w+)\}")
_MIN_LEN, _MAX_LEN, _TITLE_MAX = 40, 300, 40


@dataclass(frozen=True)
class _Place:
    """A location a demand can happen at, resolved to its territory."""

    name: str  # what the citizen says: 人民路, 桃源小区, 杨庄村
    kind: str
    territory: str  # community or street code
    district: str  # district display name, "" when none


class _CityView:
    """Lookups over one city file that the generator needs."""

    def __init__(self, city: CityFile) -> None:
        self.city = city
        self.units: dict[str, UnitDef] = {u.code: u for u in city.units}
        self.cats: dict[str, CategoryDef] = city.category_index()
        tops = sorted(c.code for c in city.categories)
        self.leaves_by_top: dict[str, list[CategoryDef]] = {t: [] for t in tops}
        for top in city.categories:
            stack = [top]
            while stack:
                c = stack.pop()
                if c.children:
                    stack.extend(c.children)
                elif c.code in _SPEC_BY_CODE:
                    self.leaves_by_top[top.code].append(c)
        for t in self.leaves_by_top:
            self.leaves_by_top[t].sort(key=lambda c: c.code)
        self.leaves_by_top = {t: v for t, v in self.leaves_by_top.items() if v}
        if not self.leaves_by_top:
            raise ValueError("the city has no leaf category the generator has templates for")
        self.places: dict[str, list[_Place]] = {}
        for r in city.roads:
            self._add(_Place(r.name, _classify(r.name), r.unit, self._district_name(r.unit)))
        for u in city.units:
            if u.type == UnitType.community and (u.short_name or u.name).endswith("村"):
                self._add(_Place(u.short_name or u.name, "village", u.code, self._district_name(u.code)))
        if not self.places:
            for u in city.units:
                if u.type in (UnitType.street, UnitType.township, UnitType.community):
                    self._add(_Place(u.short_name or u.name, "other", u.code, self._district_name(u.code)))
        if not self.places:
            raise ValueError("the city has no roads and no territorial units to place demands at")

    def _add(self, p: _Place) -> None:
        self.places.setdefault(p.kind, []).append(p)

    def _ancestor(self, code: str, types: tuple[UnitType, ...]) -> UnitDef | None:
        seen: set[str] = set()
        cur = self.units.get(code)
        while cur is not None and cur.code not in seen:
            if cur.type in types:
                return cur
            seen.add(cur.code)
            cur = self.units.get(cur.parent) if cur.parent else None
        return None

    def _district_name(self, code: str) -> str:
        d = self._ancestor(code, (UnitType.district,))
        return (d.short_name or d.name) if d else ""

    def street_of(self, code: str) -> UnitDef | None:
        return self._ancestor(code, (UnitType.street, UnitType.township))

    def short(self, code: str) -> str:
        u = self.units[code]
        return u.short_name or u.name

    def pick_place(self, rng: random.Random, want: str) -> _Place:
        pools: dict[str, tuple[str, ...]] = {
            "any": ("road", "compound", "other", "village", "market"),
            "scenic": ("scenic",),
            "village": ("village", "compound"),
        }
        kinds = pools.get(want, (want,))
        cands = [p for k in kinds for p in self.places.get(k, [])]
        if not cands:
            cands = [p for ps in self.places.values() for p in ps]
        return rng.choice(cands)

    def names_of(self, kind: str) -> list[str]:
        return [p.name for p in self.places.get(kind, [])]


def _classify(name: str) -> str:
    """Kind of a road or landmark, guessed from its last characters."""
    for kind, tails in _KIND_SUFFIXES:
        if name.endswith(tails):
            return kind
    return "other"


def _shop(rng: random.Random, kind: str) -> str:
    return rng.choice(_SHOP_HEAD) + rng.choice(_SHOP_TAIL) + rng.choice(_SHOP_KIND[kind])


def _person(rng: random.Random) -> str:
    surname = rng.choice(_SURNAMES)
    if rng.random() < 0.3:
        return surname + rng.choice(_HONORIFICS)
    return surname + rng.choice(_GIVEN)


def _mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


class _Slots(dict[str, str]):
    """Slot values drawn on first use, so one demand says one thing consistently."""

    def __init__(self, rng: random.Random, view: _CityView, place: _Place, loc: str, unit: str,
                 preset: dict[str, str] | None = None) -> None:
        super().__init__(preset or {})
        self.rng, self.view = rng, view
        street = view.street_of(place.territory)
        terr = view.units[place.territory]
        self.update(place=place.name, loc=loc, district=place.district or view.city.city.name,
                    street=(street.short_name or street.name) if street else place.district,
                    community=terr.short_name or terr.name, unit=unit)
        if place.kind in ("school", "hospital"):
            self[place.kind] = place.name

    def __missing__(self, key: str) -> str:
        rng = self.rng
        if key in _SLOT_POOLS:
            value = rng.choice(_SLOT_POOLS[key])
        elif key in _SHOP_KIND:
            value = _shop(rng, key)
        elif key == "plate":
            value = f"{rng.randrange(1000):03d}"
        elif key in ("school", "hospital"):
            names = self.view.names_of(key)
            value = rng.choice(names) if names else _NEARBY[key]
        else:
            raise KeyError(f"unknown slot {{{key}}} in a demand template")
        self[key] = value
        return value


def _fill(template: str, slots: _Slots) -> str:
    return template.format_map(slots)


def _address(rng: random.Random, view: _CityView, place: _Place) -> tuple[str, str]:
    """(full address, the short location phrase used inside the text)."""
    city = view.city.city.name
    prefix = city + place.district
    if place.kind == "road":
        loc = f"{place.name}{rng.randint(1, 260)}号"
        return prefix + loc, loc
    if place.kind == "compound":
        b, u = rng.randint(1, 28), rng.randint(1, 4)
        return f"{prefix}{place.name}{b}栋{u}单元", f"{place.name}{b}栋"
    if place.kind == "village":
        street = view.street_of(place.territory)
        town = (street.short_name or street.name) if street else ""
        loc = f"{place.name}{rng.randint(1, 9)}组"
        return prefix + town + loc, loc
    return prefix + place.name, place.name


def _lead_unit(rng: random.Random, view: _CityView, leaf: CategoryDef, territory: str) -> str:
    street = view.street_of(territory)
    if leaf.territorial or not leaf.units:
        return street.code if street else territory
    if len(leaf.units) == 1 or rng.random() < 0.85:
        return leaf.units[0]
    return rng.choice(leaf.units[1:])


def _is_urgent(view: _CityView, kind: Kind, content: str) -> bool:
    """Urgent when a citizen asks for action about an urgent matter (停水, 燃气泄漏 …)."""
    return kind in _ACTIVE_KINDS and any(w in content for w in view.city.urgent_keywords)


def _clip_title(title: str) -> str:
    return title if len(title) <= _TITLE_MAX else title[: _TITLE_MAX - 1] + "…"


def _compose(rng: random.Random, view: _CityView, spec: _Spec, kind: Kind, slots: _Slots, anonymous: bool,
             confidential: bool, problem: str | None = None) -> str:
    """Turn a spec into first-person text of one kind."""
    opener = rng.choice(_VILLAGE_OPENERS if slots["community"].endswith("村") else _OPENERS)
    prob = problem if problem is not None else rng.choice(spec.problems)
    if kind == Kind.complaint:
        parts = [opener, prob, rng.choice(_COMPLAINT_ASKS)]
    elif kind == Kind.help:
        parts = [rng.choice(_HELP_OPENERS), prob, rng.choice(_HELP_ASKS)]
    elif kind == Kind.report:
        head = rng.choice(_REPORT_OPENERS_ANON if anonymous else _REPORT_OPENERS_NAMED)
        parts = [head, prob, rng.choice(_REPORT_ASKS)]
        if confidential:
            parts.append(rng.choice(_CONFIDENTIAL_ASKS))
    elif kind == Kind.consultation:
        parts = [rng.choice(_CONSULT_OPENERS), rng.choice(_CONSULT_CONTEXTS), rng.choice(spec.questions),
                 rng.choice(_CONSULT_TAILS)]
    elif kind == Kind.suggestion:
        parts = [rng.choice(_SUGGEST_OPENERS), prob, "建议", spec.suggest, "，", rng.choice(_SUGGEST_TAILS)]
    else:
        parts = [rng.choice(_PRAISE)]
    text = _fill("".join(parts), slots)
    if len(text) < _MIN_LEN:
        text += rng.choice(_PADS)
    return text[:_MAX_LEN]


def _make(rng: random.Random, view: _CityView, leaf: CategoryDef, kind: Kind,
          place: _Place | None = None, address: tuple[str, str] | None = None, lead: str | None = None,
          problem: str | None = None, preset: dict[str, str] | None = None) -> DemandText:
    spec = _SPEC_BY_CODE[leaf.code]
    place = place or view.pick_place(rng, spec.place)
    full, loc = address or _address(rng, view, place)
    lead = lead or _lead_unit(rng, view, leaf, place.territory)
    slots = _Slots(rng, view, place, loc, view.short(lead), preset)
    slots["issue"] = spec.issue
    anonymous = rng.random() < (0.4 if kind == Kind.report else 0.08)
    confidential = kind == Kind.report and (anonymous or rng.random() < 0.35)
    content = _compose(rng, view, spec, kind, slots, anonymous, confidential, problem)
    title_tpl = rng.choice(_TITLES[kind])
    if place.name not in content:  # a title must not name a place the citizen never mentioned
        title_tpl = title_tpl.replace("{place}", "")
    title = _clip_title(_fill(title_tpl, slots))
    if anonymous:
        name, phone = None, (_mobile(rng) if rng.random() < 0.5 else None)
    else:
        name, phone = _person(rng), (_mobile(rng) if rng.random() < 0.92 else None)
    return DemandText(
        title=title, content=content, kind=kind, category_code=leaf.code, lead_unit_code=lead, address=full,
        territory_code=place.territory, urgency="urgent" if _is_urgent(view, kind, content) else "normal",
        citizen_name=name, phone=phone, anonymous=anonymous, confidential=confidential,
    )


def generate_demands(city: CityFile, n: int, seed: int = 0) -> list[DemandText]:
    """``n`` distinct demands; the same city, ``n`` and seed give the same list.

    The first items cover every top-level category and every kind, so even a
    small demo batch shows the whole taxonomy; after that top-level categories
    follow rough real-world shares.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    rng = random.Random(f"hotline-demo:{seed}")
    view = _CityView(city)
    tops = list(view.leaves_by_top)
    rng.shuffle(tops)
    kinds = list(Kind)
    rng.shuffle(kinds)
    weights = [_TOP_WEIGHTS.get(t, 10) for t in view.leaves_by_top]
    out: list[DemandText] = []
    seen: set[str] = set()
    for i in range(n):
        top = tops[i] if i < len(tops) else rng.choices(list(view.leaves_by_top), weights)[0]
        kind = kinds[i] if i < len(kinds) else rng.choices(list(_KIND_WEIGHTS), list(_KIND_WEIGHTS.values()))[0]
        pool = view.leaves_by_top[top]
        if kind == Kind.report:
            pool = [c for c in pool if c.code in _REPORTABLE] or pool
        demand = _make(rng, view, rng.choice(pool), kind)
        for _ in range(30):  # slot filling makes repeats rare; retry the few that happen
            if demand.content not in seen:
                break
            demand = _make(rng, view, rng.choice(pool), kind)
        seen.add(demand.content)
        out.append(demand)
    return out


#: Slots that may differ between callers describing one matter (each remembers it differently).
_PER_CALLER_SLOTS = frozenset({"when", "days", "hours", "months", "night", "hour", "praise_tail"})
_KNOWN_SLOTS = frozenset({"place", "loc", "district", "street", "community", "unit", "issue"})


def _recover(tpl: str, content: str, known: dict[str, str]) -> dict[str, str] | None:
    """Slot values of ``content`` if it was written from ``tpl`` (None otherwise).

    Why: a near-duplicate must name the same shop, company or bus route as the
    original, and DemandText keeps only the text.
    """
    pattern, seen = "", set()
    pos = 0
    for m in _SLOT_RE.finditer(tpl):
        pattern += re.escape(tpl[pos:m.start()])
        name = m.group(1)
        if name in known:
            pattern += re.escape(known[name])
        elif name in seen:
            pattern += f"(?P={name})"
        else:
            pattern += f"(?P<{name}>[^，。！？：]+?)"
            seen.add(name)
        pos = m.end()
    pattern += re.escape(tpl[pos:])
    found = re.search(pattern, content)
    return found.groupdict() if found else None


def generate_duplicate_cluster(city: CityFile, base: DemandText, k: int, seed: int = 0) -> list[DemandText]:
    """``k`` demands about the same matter as ``base`` from different callers.

    Why: 并单 (merging duplicates) and hot-spot detection need realistic
    near-duplicates — same place, same category, same responsible unit, same
    shop or company, different words and different people, as when a whole
    street calls about one dark street light.
    """
    if base.category_code not in _SPEC_BY_CODE:
        raise ValueError(f"no templates for category {base.category_code}")
    rng = random.Random(f"hotline-dup:{seed}:{base.content}")
    view = _CityView(city)
    leaf = view.cats[base.category_code]
    spec = _SPEC_BY_CODE[leaf.code]
    district = view._district_name(base.territory_code)
    prefix = city.city.name + district
    loc = base.address[len(prefix):] if base.address.startswith(prefix) else base.address
    matches = [p for ps in view.places.values() for p in ps if p.name in base.address]
    place = max(matches, key=lambda p: len(p.name)) if matches else _Place(
        loc, "other", base.territory_code, district)
    place = replace(place, territory=base.territory_code)
    known = {"place": place.name, "loc": loc}
    tpl, preset = rng.choice(spec.problems), {}
    for candidate in spec.problems:
        values = _recover(candidate, base.content, known)
        if values is not None:
            tpl, preset = candidate, {k2: v for k2, v in values.items() if k2 not in _PER_CALLER_SLOTS}
            break
    kind = base.kind if base.kind in (*_ACTIVE_KINDS, Kind.report) else Kind.complaint
    out: list[DemandText] = []
    seen = {base.content}
    names = {base.citizen_name}
    for _ in range(k):
        demand = base
        for _attempt in range(30):
            core = tpl if rng.random() < 0.8 else _DUP_CORE
            dup_problem = rng.choice(_DUP_OPENERS) + core + rng.choice(_DUP_ASKS)
            demand = _make(rng, view, leaf, kind, place=place, address=(base.address, loc),
                           lead=base.lead_unit_code, problem=dup_problem, preset=dict(preset))
            if demand.content not in seen and (demand.citizen_name is None or demand.citizen_name not in names):
                break
        seen.add(demand.content)
        names.add(demand.citizen_name)
        out.append(replace(demand, category_code=base.category_code, territory_code=base.territory_code,
                           urgency=base.urgency))
    return out
