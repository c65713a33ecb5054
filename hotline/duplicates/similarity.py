"""How alike two demands are, and why: text, place and category (pure; no database).

Why three signals: two citizens describing one dark street light use different
words (text similarity alone misses it) while two complaints about noise on
different roads use the same words (text alone over-merges).  So the score is
a weighted mean of
- text: cosine of TF-IDF vectors over jieba words and character bigrams
  (bigrams catch what segmentation splits differently),
- place: shared specific place names (a road or community from the city file,
  or a word ending in 小区/路/村 … found in the text), else the same territory unit,
- category: the same leaf category, or the same second level.
A signal that is unknown for either side (no place named, no category yet)
drops out and the others are re-weighted, rather than counting as a mismatch.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from hotline.search import _jieba
from hotline.textindex.segment import bigrams, words

PLACE_SUFFIXES = ("小区", "花园", "新城", "大道", "社区", "公寓", "广场", "市场", "中学", "小学", "医院",
                  "公园", "大厦", "家园", "路", "街", "巷", "村", "镇", "苑", "园", "府", "湾", "城", "桥")
_GENERIC = {"街道", "社区", "小区", "马路", "道路", "公路", "农村", "城市", "城区", "市场", "公园", "医院", "学校",
            "乡镇", "村民", "镇上", "城管", "家园", "花园", "广场", "全市", "市区", "县城", "进城"}
W_TEXT, W_PLACE, W_CATEGORY = 0.6, 0.25, 0.15


@dataclass(frozen=True)
class Doc:
    """A demand as the matcher sees it; ``territory`` and ``category`` are codes or None."""

    text: str
    address: str = ""
    territory: str | None = None
    category: str | None = None


@dataclass
class Features:
    words: Counter[str]
    bigrams: Counter[str]
    places: frozenset[str]
    territory: str | None
    category: str | None


@dataclass
class Match:
    score: float
    text: float
    place: float | None
    category: float | None
    shared_places: list[str] = field(default_factory=list)
    shared_words: list[str] = field(default_factory=list)


def extract_places(text: str, gazetteer: Iterable[str] = ()) -> frozenset[str]:
    """Specific place names in the text: gazetteer names, and words ending in a place suffix."""
    known = {name for name in gazetteer if len(name) >= 2 and name in text}
    found: set[str] = set()
    toks = [t for t in _jieba().lcut(text or "") if t.strip()]
    for i, t in enumerate(toks):
        if len(t) >= 3 and t.endswith(PLACE_SUFFIXES) and t not in _GENERIC:
            found.add(t)
        elif t in PLACE_SUFFIXES and i > 0 and len(toks[i - 1]) >= 2 and re.fullmatch(
                r"[\u4e00-\u9fff0-9A-Za-z]+", toks[i - 1]):
            name = toks[i - 1] + t
            if name not in _GENERIC:
                found.add(name)
    # the city's own names win; a word that only wraps one (新华路路 from 新华路路灯) is dropped,
    # and a longer name (新华北路) makes its own prefix (新华) redundant
    found = {p for p in found if not any(k in p for k in known)}
    allp = known | found
    return frozenset(p for p in allp if not any(p != q and p in q for q in allp))


def features(doc: Doc, gazetteer: Iterable[str] = ()) -> Features:
    text = f"{doc.text}\n{doc.address}"
    return Features(Counter(words(doc.text)), Counter(bigrams(doc.text)), extract_places(text, gazetteer),
                    doc.territory, doc.category)


def fit_idf(texts: Iterable[str]) -> dict[str, float]:
    """Smoothed IDF of words (``w:``) and bigrams (``b:``) over a corpus."""
    df: Counter[str] = Counter()
    n = 0
    for t in texts:
        n += 1
        df.update({f"w:{w}" for w in words(t)} | {f"b:{b}" for b in bigrams(t)})
    return {k: math.log((n + 1) / (v + 1)) + 1 for k, v in df.items()} | {"__n__": float(n)}


def _places_overlap(a: frozenset[str], b: frozenset[str]) -> list[str]:
    shared = sorted(a & b)
    if shared:
        return shared
    # the same place written longer or shorter (丽发新城 / 丽发新城小区)
    return sorted({x for x in a for y in b if min(len(x), len(y)) >= 3 and (x in y or y in x)})


@dataclass
class Prepared:
    """A demand reduced to what comparing needs: its weighted vector and places (storable as JSON)."""

    vec: dict[str, float]
    norm: float
    places: frozenset[str]
    territory: str | None
    category: str | None

    def to_json(self) -> dict[str, object]:
        return {"v": {k: round(w, 3) for k, w in self.vec.items()}, "n": round(self.norm, 4),
                "p": sorted(self.places), "t": self.territory, "c": self.category}

    @classmethod
    def from_json(cls, d: dict) -> Prepared:  # type: ignore[type-arg]
        return cls(d["v"], d["n"], frozenset(d["p"]), d.get("t"), d.get("c"))


class Scorer:
    """Scores pairs with a fixed IDF table; unknown tokens count as rare (the highest IDF)."""

    def __init__(self, idf: dict[str, float] | None = None, gazetteer: Iterable[str] = ()):
        self.idf = dict(idf or {})
        n = self.idf.pop("__n__", 1000.0)
        self.unknown = math.log(n + 1) + 1
        self.gazetteer = tuple(sorted(set(gazetteer), key=len, reverse=True))

    def weight(self, key: str) -> float:
        return self.idf.get(key, self.unknown)

    def prepare(self, doc: Doc) -> Prepared:
        f = features(doc, self.gazetteer)
        vec: dict[str, float] = {}
        for prefix, counts in (("w:", f.words), ("b:", f.bigrams)):
            for t, c in counts.items():
                k = prefix + t
                vec[k] = (1 + math.log(c)) * self.weight(k)
        norm = math.sqrt(sum(w * w for w in vec.values()))
        return Prepared(vec, norm, f.places, f.territory, f.category)

    def compare(self, a: Prepared, b: Prepared, *, reasons: bool = True) -> Match:
        """Score a pair; ``reasons=False`` leaves ``shared_words`` empty (see ``shared_words``)."""
        av, bv = a.vec, b.vec
        common = av.keys() & bv.keys()
        dot = sum(av[k] * bv[k] for k in common)
        text = min(1.0, dot / (a.norm * b.norm)) if a.norm and b.norm else 0.0
        shared_places = _places_overlap(a.places, b.places)
        place: float | None
        if shared_places:
            place = 1.0
        elif a.territory and b.territory:
            place = 0.5 if a.territory == b.territory else 0.0
        elif a.places and b.places:
            place = 0.0
        else:
            place = None
        category: float | None = None
        if a.category and b.category:
            category = 1.0 if a.category == b.category else 0.5 if a.category[:4] == b.category[:4] else 0.0
        parts = [(W_TEXT, text)] + [(w, s) for w, s in ((W_PLACE, place), (W_CATEGORY, category)) if s is not None]
        score = sum(w * s for w, s in parts) / sum(w for w, _ in parts)
        shared = self.shared_words(a, b, shared_places) if reasons else []
        return Match(round(score, 4), round(text, 4), place, category, shared_places, shared)

    def shared_words(self, a: Prepared, b: Prepared, shared_places: Iterable[str] = ()) -> list[str]:
        """The six most specific words both name (outside the shared places): the reasons shown."""
        return sorted((k[2:] for k in a.vec.keys() & b.vec.keys() if k.startswith("w:")
                       and not any(k[2:] in p for p in shared_places)),
                      key=lambda t: (-self.weight("w:" + t), t))[:6]

    def score(self, a: Doc, b: Doc) -> Match:
        return self.compare(self.prepare(a), self.prepare(b))


def bigram_jaccard(a: str, b: str) -> float:
    """The baseline the benchmark compares against: plain character-bigram Jaccard."""
    sa, sb = set(bigrams(a)), set(bigrams(b))
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0
