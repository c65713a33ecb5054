"""Routing suggestions: category, responsible unit, territory, urgency and kind, each with its reasons.

Three kinds of evidence are combined (docs/routing.md):

1. the learned classifier (``model.TextClassifier``) gives a calibrated
   probability for each top-level category (and, when a unit model has been
   trained on the city's own history, for each unit); until the city has a category model
   trained on real messages, the shipped starter model (``routing.starter``) adds its first-level
   probability;
2. the dispatch catalogue gives keyword evidence for leaf categories and units;
3. territory (属地): a territorial category goes to the street or township of
   the address.

Models are files registered in ``routing_models``; the running service checks
the active version at most every ``RELOAD_SECONDS`` and loads a new one without
a restart.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import CategoryDef, CityFile
from hotline.city.service import current_city
from hotline.org.models import Unit
from hotline.routing.catalogue import (
    CatalogueView,
    Evidence,
    leaves,
    score_leaves,
    score_top_levels,
    score_units,
)
from hotline.routing.models import RoutingModel
from hotline.routing.places import index_for
from hotline.routing.rules import read_flags

RELOAD_SECONDS = 30.0
# Weight of log P(model) in the first-level score (_top_level_probs). A model trained on real messages
# (a city's history, a CSV) leads, the lexicon a mild prior: on real messages 0.924 macro-F1 at 3, 0.914 for
# the model alone, 0.83 at 0.1. A model trained on the demo generator's texts is only a tie-break
# (0.1): on real messages the lexicon alone ranks as well as with it (docs/routing.md, "Day one").
MODEL_EXPONENT = 3.0
GENERATED_MODEL_EXPONENT = 0.1
GENERATED_SOURCE = "demo generator"  # RoutingModel.source of models trained on generated texts
LEXICON_WEIGHT = 1.0  # weight of each matched lexicon word in the first-level score
# Where the city has no category model trained on real messages, the shipped starter model (入门模型,
# hotline/routing/starter/) joins the score as b × (log(P_starter + 0.01) − log(1/K + 0.01)), K its labels,
# and each lexicon word then counts STARTER_LEXICON_WEIGHT. Chosen on the dev half only, with the starter
# scored out of fold (bench/routing_starter_tune.py: macro-F1 0.885, ECE 0.024; the best F1 of the grid was
# 0.888 at ECE 0.070), measured once on the test half (docs/routing.md, "Day one").
STARTER_EXPONENT = 1.0
STARTER_LEXICON_WEIGHT = 0.25


@dataclass
class Choice:
    code: str
    name: str
    confidence: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class Suggestion:
    categories: list[Choice]
    units: list[Choice]
    territory: dict[str, Any]
    flags: dict[str, Any]
    model_version: str | None
    # the three most likely first-level categories with their probability (model and lexicon combined)
    top_levels: list[Choice] = field(default_factory=list)
    # the catalogue entry's co-units (协办) when an entry of the dispatch catalogue decided the lead unit
    co_units: list[Choice] = field(default_factory=list)

    @property
    def top_unit(self) -> Choice | None:
        return self.units[0] if self.units else None

    @property
    def top_category(self) -> Choice | None:
        return self.categories[0] if self.categories else None

    def to_dict(self) -> dict[str, Any]:
        return {"categories": [asdict(c) for c in self.categories], "units": [asdict(u) for u in self.units],
                "territory": self.territory, "flags": self.flags, "model_version": self.model_version,
                "top_levels": [asdict(c) for c in self.top_levels], "co_units": [asdict(c) for c in self.co_units]}


class _Registry:
    """The active models of this process, reloaded when the database says so."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked: dict[int | None, float] = {}  # per city (each city has its own models)
        self.loaded: dict[tuple[int | None, str], tuple[str, Any]] = {}  # (city, purpose) → (version, model)
        self.sources: dict[tuple[int | None, str], str] = {}  # (city, purpose) → RoutingModel.source
        # (city, purpose) looked for at the city's last check: a purpose without an active model (the
        # demo city has no unit model) is looked for again at the next periodic check, not on every
        # suggestion (it was two SELECTs of routing_models per intake, issue #15)
        self.sought: set[tuple[int | None, str]] = set()

    def get(self, db: Session, purpose: str) -> tuple[str, Any] | None:
        from hotline.city.tenancy import current_scope

        city = current_scope().id
        now = time.monotonic()
        key = (city, purpose)
        if now - self.checked.get(city, -1e9) > RELOAD_SECONDS or (key not in self.loaded and key not in self.sought):
            with self.lock:
                if self.checked.get(city) is None or now - self.checked[city] > RELOAD_SECONDS:
                    self.sought = {k for k in self.sought if k[0] != city}
                self.checked[city] = now
                self.sought.add(key)
                for row in db.scalars(select(RoutingModel).where(RoutingModel.active.is_(True))):
                    have = self.loaded.get((city, row.purpose))
                    if have is None or have[0] != row.version:
                        model = _load(row.path)
                        if model is not None:
                            self.loaded[(city, row.purpose)] = (row.version, model)
                            self.sources[(city, row.purpose)] = row.source or ""
        return self.loaded.get((city, purpose))

    def source(self, purpose: str) -> str:
        """The loaded model's source text for the acting city ('' when none is loaded)."""
        from hotline.city.tenancy import current_scope

        return self.sources.get((current_scope().id, purpose), "")

    def forget(self) -> None:
        with self.lock:
            self.loaded.clear()
            self.sources.clear()
            self.checked.clear()
            self.sought.clear()


REGISTRY = _Registry()


def _load(path: str) -> Any:
    from hotline.routing.model import TextClassifier

    p = Path(path)
    if not p.exists():
        return None
    return TextClassifier.load(p)


@dataclass(frozen=True)
class _UnitInfo:
    code: str
    name: str
    type: str


_CATALOGUES: dict[int | None, dict[str, Any]] = {}  # per city


def _unit_keywords(db: Session) -> tuple[dict[str, list[str]], dict[str, _UnitInfo]]:
    """Duty keywords and names of active units, re-read at most every ``RELOAD_SECONDS``.

    Reading ~100 units per suggestion cost more than the model; an admin's edit in this
    process clears the cache at once (``forget_catalogue``), other processes see it
    within the reload interval.
    """
    from hotline.city.tenancy import current_scope

    now = time.monotonic()
    cat = _CATALOGUES.setdefault(current_scope().id, {"at": -1e9})
    if now - cat["at"] > RELOAD_SECONDS:
        rows = list(db.scalars(select(Unit).where(Unit.active.is_(True))))
        cat["units"] = {u.code: _UnitInfo(u.code, u.name, u.type) for u in rows}
        cat["kw"] = {u.code: list(u.keywords or []) for u in rows if u.type in ("department", "enterprise")}
        cat["at"] = now
    return cat["kw"], cat["units"]


def forget_catalogue() -> None:
    _CATALOGUES.clear()
    for fn in _catalogue_providers():
        getattr(fn, "forget", lambda: None)()


def _catalogue_providers() -> list[Any]:
    from hotline import registry

    return registry.get().extensions_of("routing.catalogue")


def catalogue_view(db: Session, city: CityFile) -> CatalogueView | None:
    """The dispatch catalogue's current version for this city, or None (the city file decides).

    The extension point ``routing.catalogue``: ``fn(db, city) -> CatalogueView | None`` (the
    ``catalogue`` package).  The provider reads the current version number on every call (one
    indexed row), so a new version is used at once, in every process; ``fn.forget()`` (if any)
    drops what it keeps between calls.
    """
    for fn in _catalogue_providers():
        view = fn(db, city)
        if view is not None:
            return view  # type: ignore[no-any-return]
    return None


def live_categories(db: Session) -> dict[str, CategoryDef]:
    """Every category of the acting city in force, by code: the dispatch catalogue's current version
    (unretired; renamed, moved and added ones as it has them), else the city file's.  What any reader
    of "the categories" should use instead of ``current_city().categories``."""
    base = current_city()
    view = catalogue_view(db, base)
    return (view.city if view is not None else base).category_index()


def branch_of(db: Session, code: str) -> str:
    """The first-level category (branch) a category is in, by the live tree's parents (a category
    moved to another branch in the catalogue is in its new branch); without a version, the city
    file's tree; a code in neither: its first two characters (the demo numbering)."""
    base = current_city()
    view = catalogue_view(db, base)
    if view is not None:
        return view.top_of(code)
    for top in base.categories:
        stack = [top]
        while stack:
            c = stack.pop()
            if c.code == code:
                return top.code
            stack.extend(c.children)
    return code[:2]


def branches(db: Session) -> dict[str, str]:
    """Every category in force (any level) → its first-level category, from the live tree: for readers
    that group many orders by branch at once (one catalogue read, not one per order)."""
    out: dict[str, str] = {}
    base = current_city()
    view = catalogue_view(db, base)
    for top in (view.city if view is not None else base).categories:
        stack = [top]
        while stack:
            c = stack.pop()
            out[c.code] = top.code
            stack.extend(c.children)
    return out


def is_leaf(db: Session, code: str) -> bool:
    """A category without children in the tree in force (only a leaf is dispatched automatically)."""
    cat = live_categories(db).get(code)
    return cat is not None and not cat.children


def _top_level_probs(db: Session, city: CityFile, text: str, base: CityFile | None = None
                     ) -> tuple[dict[str, float], str | None, Any, dict[str, Evidence], dict[str, float]]:
    """First-level category code → probability: the category model, the lexicon and (on day one) the
    starter model, combined.

    ``score = a × log(P_model + 0.01) + LEXICON_WEIGHT × matched lexicon words``, then a
    softmax over the first-level categories. Why a product of the two rather than the model alone: a
    model trained on generated texts (the demo's first day) is sure of itself on real messages for
    the wrong reasons (ECE 0.15 on real messages, docs/routing.md); the words a message uses for
    its subject are independent evidence, and a few of them overrule a confident model. ``a`` is
    ``GENERATED_MODEL_EXPONENT`` for such a model, ``MODEL_EXPONENT`` for one trained on real
    messages, which then leads. Without a model only the lexicon speaks (uniform when it is silent).
    Without a model trained on real messages, the starter model speaks too (``starter_probs``).
    """
    tops = {c.name: c.code for c in city.categories} | {c.code: c.code for c in city.categories}
    tops = {c.name: c.code for c in (base or city).categories if c.code in tops} | tops  # a renamed branch
    lex = score_top_levels(city, text)
    got = REGISTRY.get(db, "category")
    model_p = {c.code: 1.0 / len(city.categories) for c in city.categories}
    version, model = (None, None) if got is None else got
    if model is not None:
        model_p = dict.fromkeys(model_p, 0.0)
        for label, p in model.predict_topk(text, k=len(model.labels)):
            code = tops.get(label)
            if code is not None:
                model_p[code] = model_p.get(code, 0.0) + p
    generated = REGISTRY.source("category").startswith(GENERATED_SOURCE)
    exponent = GENERATED_MODEL_EXPONENT if generated else MODEL_EXPONENT
    got_starter = starter_probs(city, text, base) if model is None or generated else None
    starter, n_labels, starter_version = got_starter or ({}, 0, "")
    lex_weight = STARTER_LEXICON_WEIGHT if starter else LEXICON_WEIGHT
    raw = {code: exponent * math.log(p + 0.01) + lex_weight * (lex[code].score if code in lex else 0.0)
           for code, p in model_p.items()}
    if starter:
        neutral = math.log(1.0 / n_labels + 0.01)  # the log of the starter's uniform share
        for code in raw:
            if code in starter:  # a branch the starter has no label for gets nothing from it, either way
                raw[code] += STARTER_EXPONENT * (math.log(starter[code] + 0.01) - neutral)
        version = f"{version}+{starter_version}" if version else starter_version
    top = max(raw.values())
    exp = {code: math.exp(v - top) for code, v in raw.items()}
    total = sum(exp.values())
    return {code: v / total for code, v in exp.items()}, version, model, lex, starter


def starter_enabled(city: CityFile) -> bool:
    """The starter model may speak for this city: the settings and the city file's ``routing.starter`` allow it."""
    from hotline.config import get_settings

    return bool(get_settings().routing_starter and city.routing.starter)


def starter_probs(city: CityFile, text: str, base: CityFile | None = None
                  ) -> tuple[dict[str, float], int, str] | None:
    """First-level category code → the starter model's probability, mapped by name, with the number of the
    starter's labels and its version; None when it does not speak.

    A starter label that is no first-level name of the city (nor the city file's name of a renamed branch)
    is dropped; a branch without a label gets no entry. It speaks only where the switch allows it and at
    least two branches map.
    """
    from hotline.routing.starter.model import get_starter

    if not starter_enabled(base or city):
        return None
    starter = get_starter()
    if starter is None:
        return None
    codes = {c.code for c in city.categories}
    by_name = {c.name: c.code for c in (base or city).categories if c.code in codes}  # a renamed branch
    by_name |= {c.name: c.code for c in city.categories}
    probs = starter.predict_proba(text)
    out: dict[str, float] = {}
    for label, p in probs.items():
        code = by_name.get(label)
        if code is not None:
            out[code] = out.get(code, 0.0) + p
    return (out, len(probs), starter.version) if len(out) >= 2 else None


def suggest(db: Session, *, text: str, address: str = "", city: CityFile | None = None,
            explain: bool = True) -> Suggestion:
    """Suggestions for one demand; ``explain=False`` skips the model's word-level reasons (intake hooks)."""
    base = city or current_city()
    text = text.strip()
    places = index_for(base).territory(address, text)
    flags = read_flags(base, text)
    # the categories are the dispatch catalogue's current version when there is one (docs/routing.md)
    view = catalogue_view(db, base)
    city = view.city if view is not None else base
    probs, version, model, lex, starter = _top_level_probs(db, city, text, base)
    leaf_ev = score_leaves(city, text)
    if view is not None:  # an entry's keywords count for its category where the entry applies
        leaf_codes = {leaf.code for _top, leaf in leaves(city)}
        for e in view.entries:
            if e.category in leaf_codes and view.applies(e, places.street):
                for word in e.keywords:
                    if len(word) >= 2 and word in text:
                        leaf_ev.setdefault(e.category, Evidence()).add(word)

    # ---- categories: the first-level distribution decides the branch, leaf keywords the leaf
    cat_index = city.category_index()
    best_in_top: dict[str, float] = {}
    for top, leaf in leaves(city):
        if leaf.code in leaf_ev:
            best_in_top[top.code] = max(best_in_top.get(top.code, 0.0), leaf_ev[leaf.code].score)

    def branch_reasons(code: str) -> list[str]:
        out = []
        if version:
            out.append(f"模型+词表：{cat_index[code].name} {probs.get(code, 0.0):.0%}")
        if code in starter:
            out.append(f"入门模型：{starter[code]:.0%}")
        if code in lex:
            out.append(f"词表：{'、'.join(lex[code].words[:4])}")
        return out

    scored: list[Choice] = []
    for top, leaf in leaves(city):
        ev = leaf_ev.get(leaf.code)
        if ev is None:
            continue
        p_top = probs.get(top.code, 0.0)
        # P(leaf) ≈ P(branch) × a share that grows with the leaf's keyword evidence within its branch
        score = p_top * (0.5 + 0.5 * ev.score / best_in_top[top.code])
        reasons = [f"关键词：{'、'.join(ev.words[:4])}", *branch_reasons(top.code)]
        scored.append(Choice(leaf.code, _path(cat_index, city, leaf.code, view), round(score, 3), reasons))
    # first-level categories fill in where no leaf keyword matched
    for code, p in probs.items():
        if code not in best_in_top and (version or code in lex):
            reason = branch_reasons(code)
            if model is not None and explain and p >= 0.05 and cat_index[code].name in model.labels:
                words = model.explain(text, cat_index[code].name, n=3)
                if words:
                    reason.append(f"依据词：{'、'.join(words)}")
            scored.append(Choice(code, cat_index[code].name, round(p, 3), reason))
    scored.sort(key=lambda c: -c.confidence)
    # the most likely branch comes first, with its best leaf when one matched
    best_top = max(probs, key=lambda c: probs[c]) if probs else None
    top_of = view.top_of if view is not None else (lambda code: code[:2])
    lead = next((c for c in scored if top_of(c.code) == best_top), None)
    if lead is not None:
        scored.remove(lead)
        scored.insert(0, lead)
    categories = scored[:3]
    top_levels = [Choice(code, cat_index[code].name, round(p, 3), branch_reasons(code))
                  for code, p in sorted(probs.items(), key=lambda kv: -kv[1])[:3]]

    # ---- units
    unit_kw, units = _unit_keywords(db)
    max_kw = max((e.score for e in leaf_ev.values()), default=0.0) or 1.0
    unit_scores: dict[str, Choice] = {}

    def bump(code: str, amount: float, reason: str) -> None:
        if code not in units or amount <= 0:
            return
        ch = unit_scores.setdefault(code, Choice(code, units[code].name, 0.0, []))
        ch.confidence += amount
        if reason not in ch.reasons:
            ch.reasons.append(reason)

    for ch in categories:
        cat = cat_index.get(ch.code)
        if cat is None:
            continue
        if cat.territorial:
            target = places.street or places.community
            if target:
                bump(target, ch.confidence, f"属地：{'、'.join(places.matched[:2])}（{cat.name}属地管理）")
        for code in cat.units:
            bump(code, ch.confidence / max(1, len(cat.units)), f"派单目录：{cat.name}")
    for code, ev in score_units(unit_kw, text).items():
        bump(code, 0.5 * ev.score / max(max_kw, ev.score), f"职责关键词：{'、'.join(ev.words[:4])}")
    unit_model = REGISTRY.get(db, "unit")
    if unit_model is not None:
        for code, p in unit_model[1].predict_topk(text, k=3):
            bump(code, 0.5 * p, f"历史派单模型 {p:.0%}")
    total = sum(c.confidence for c in unit_scores.values()) or 1.0
    best_cat = categories[0].confidence if categories else 0.0
    ranked = sorted(unit_scores.values(), key=lambda c: -c.confidence)[:3]
    for ch in ranked:
        # the share of evidence for this unit, scaled by how sure we are of the category
        ch.confidence = round(min(1.0, ch.confidence / total) * min(1.0, best_cat + 0.2), 3)
    # a matching entry of the dispatch catalogue decides the lead unit and the co-units
    entry = view.match(categories[0].code, places.street) if view is not None and categories else None
    co_units: list[Choice] = []
    catalogue: dict[str, Any] | None = None
    if view is not None and entry is not None and entry.lead in units:
        sure = round(min(1.0, best_cat + 0.2), 3)
        where = f"（{units[entry.territory].name}）" if entry.territory and entry.territory in units else ""
        cat_name = cat_index[entry.category].name if entry.category in cat_index else entry.category
        why = f"派单目录第{view.version}版：{cat_name}{where}"
        lead_choice = next((c for c in ranked if c.code == entry.lead), None) or Choice(entry.lead, units[entry.lead].name, 0.0)
        lead_choice.confidence = max(lead_choice.confidence, sure)
        lead_choice.reasons.insert(0, f"{why} → 主办")
        ranked = [lead_choice, *[c for c in ranked if c.code not in (entry.lead, *entry.co_units)]][:3]
        co_units = [Choice(code, units[code].name, sure, [f"{why} → 协办"]) for code in entry.co_units if code in units]
        catalogue = {"version": view.version, "category": entry.category, "territory": entry.territory,
                     "lead": entry.lead, "co_units": list(entry.co_units)}

    territory = {"community": places.community, "street": places.street, "district": places.district,
                 "matched": list(places.matched),
                 "names": {k: units[v].name for k, v in (("community", places.community),
                                                          ("street", places.street),
                                                          ("district", places.district)) if v and v in units}}
    fl = {"urgent": flags.urgent, "urgent_words": list(flags.urgent_words), "emergency": flags.emergency,
          "emergency_words": list(flags.emergency_words), "out_of_scope": flags.out_of_scope,
          "out_of_scope_words": list(flags.out_of_scope_words), "kind": flags.kind.value,
          "kind_words": list(flags.kind_words)}
    if catalogue is not None:
        fl["catalogue"] = catalogue  # kept in the routing decision with the rest (RoutingDecision.flags)
    versions = [v for v in (version, unit_model[0] if unit_model else None) if v]
    return Suggestion(categories, ranked, territory, fl, "+".join(versions) or None, top_levels, co_units)


def _path(index: dict[str, Any], city: CityFile, code: str, view: CatalogueView | None = None) -> str:
    if view is not None:  # a moved category keeps its code: the parents say where it is now
        return "/".join(index[c].name for c in reversed(view.ancestry(code)) if c in index)
    parts = []
    for n in (2, 4, 6):
        if len(code) >= n and code[:n] in index:
            parts.append(index[code[:n]].name)
    return "/".join(parts)
