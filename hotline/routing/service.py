"""Routing suggestions: category, responsible unit, territory, urgency and kind, each with its reasons.

Three kinds of evidence are combined (docs/routing.md):

1. the learned classifier (``model.TextClassifier``) gives a calibrated
   probability for each top-level category (and, when a unit model has been
   trained on the city's own history, for each unit);
2. the dispatch catalogue gives keyword evidence for leaf categories and units;
3. territory (属地): a territorial category goes to the street or township of
   the address.

Models are files registered in ``routing_models``; the running service checks
the active version at most every ``RELOAD_SECONDS`` and loads a new one without
a restart.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import CityFile
from hotline.city.service import current_city
from hotline.org.models import Unit
from hotline.routing.catalogue import leaves, score_leaves, score_units
from hotline.routing.models import RoutingModel
from hotline.routing.places import index_for
from hotline.routing.rules import read_flags

RELOAD_SECONDS = 30.0
MODEL_WEIGHT = 0.6  # share of the learned model in a leaf category's score; the rest is keyword evidence


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

    @property
    def top_unit(self) -> Choice | None:
        return self.units[0] if self.units else None

    @property
    def top_category(self) -> Choice | None:
        return self.categories[0] if self.categories else None

    def to_dict(self) -> dict[str, Any]:
        return {"categories": [asdict(c) for c in self.categories], "units": [asdict(u) for u in self.units],
                "territory": self.territory, "flags": self.flags, "model_version": self.model_version}


class _Registry:
    """The active models of this process, reloaded when the database says so."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked: dict[int | None, float] = {}  # per city (each city has its own models)
        self.loaded: dict[tuple[int | None, str], tuple[str, Any]] = {}  # (city, purpose) → (version, model)

    def get(self, db: Session, purpose: str) -> tuple[str, Any] | None:
        from hotline.city.tenancy import current_scope

        city = current_scope().id
        now = time.monotonic()
        if now - self.checked.get(city, -1e9) > RELOAD_SECONDS or (city, purpose) not in self.loaded:
            with self.lock:
                self.checked[city] = now
                for row in db.scalars(select(RoutingModel).where(RoutingModel.active.is_(True))):
                    have = self.loaded.get((city, row.purpose))
                    if have is None or have[0] != row.version:
                        model = _load(row.path)
                        if model is not None:
                            self.loaded[(city, row.purpose)] = (row.version, model)
        return self.loaded.get((city, purpose))

    def forget(self) -> None:
        with self.lock:
            self.loaded.clear()
            self.checked.clear()


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


def _top_level_probs(db: Session, city: CityFile, text: str) -> tuple[dict[str, float], str | None, Any]:
    """Top-level category code → probability from the category model (uniform if none)."""
    tops = {c.name: c.code for c in city.categories} | {c.code: c.code for c in city.categories}
    got = REGISTRY.get(db, "category")
    if got is None:
        return {c.code: 1.0 / len(city.categories) for c in city.categories}, None, None
    version, model = got
    probs: dict[str, float] = {}
    for label, p in model.predict_topk(text, k=len(model.labels)):
        code = tops.get(label)
        if code is not None:
            probs[code] = probs.get(code, 0.0) + p
    return probs, version, model


def suggest(db: Session, *, text: str, address: str = "", city: CityFile | None = None,
            explain: bool = True) -> Suggestion:
    """Suggestions for one demand; ``explain=False`` skips the model's word-level reasons (intake hooks)."""
    city = city or current_city()
    text = text.strip()
    places = index_for(city).territory(address, text)
    flags = read_flags(city, text)
    probs, version, model = _top_level_probs(db, city, text)
    leaf_ev = score_leaves(city, text)
    max_kw = max((e.score for e in leaf_ev.values()), default=0.0) or 1.0

    # ---- categories
    cat_index = city.category_index()
    scored: list[Choice] = []
    for top, leaf in leaves(city):
        ev = leaf_ev.get(leaf.code)
        if ev is None:
            continue
        p_top = probs.get(top.code, 0.0)
        score = MODEL_WEIGHT * p_top + (1 - MODEL_WEIGHT) * (ev.score / max_kw)
        reasons = [f"关键词：{'、'.join(ev.words[:4])}"]
        if version:
            reasons.append(f"模型：{top.name} {p_top:.0%}")
        scored.append(Choice(leaf.code, _path(cat_index, city, leaf.code), round(score, 3), reasons))
    scored.sort(key=lambda c: -c.confidence)
    # top-level categories from the model fill the list when keywords are silent
    seen_tops = {c.code[:2] for c in scored}
    for code, p in sorted(probs.items(), key=lambda kv: -kv[1]):
        if len(scored) >= 3:
            break
        if code not in seen_tops and version:
            reason = [f"模型：{cat_index[code].name} {p:.0%}"]
            if model is not None and explain:
                words = model.explain(text, cat_index[code].name, n=3)
                if words:
                    reason.append(f"依据词：{'、'.join(words)}")
            scored.append(Choice(code, cat_index[code].name, round(MODEL_WEIGHT * p, 3), reason))
    categories = scored[:3]

    # ---- units
    unit_kw, units = _unit_keywords(db)
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

    territory = {"community": places.community, "street": places.street, "district": places.district,
                 "matched": list(places.matched),
                 "names": {k: units[v].name for k, v in (("community", places.community),
                                                          ("street", places.street),
                                                          ("district", places.district)) if v and v in units}}
    fl = {"urgent": flags.urgent, "urgent_words": list(flags.urgent_words), "emergency": flags.emergency,
          "emergency_words": list(flags.emergency_words), "out_of_scope": flags.out_of_scope,
          "out_of_scope_words": list(flags.out_of_scope_words), "kind": flags.kind.value,
          "kind_words": list(flags.kind_words)}
    versions = [v for v in (version, unit_model[0] if unit_model else None) if v]
    return Suggestion(categories, ranked, territory, fl, "+".join(versions) or None)


def _path(index: dict[str, Any], city: CityFile, code: str) -> str:
    parts = []
    for n in (2, 4, 6):
        if len(code) >= n and code[:n] in index:
            parts.append(index[code[:n]].name)
    return "/".join(parts)
