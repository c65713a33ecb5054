"""How alike two demands are, and why: text, place, named objects and category (pure; no database).

Why several signals: two citizens describing one dark street light use different
words (text similarity alone misses it) while two complaints about noise on
different roads use the same words (text alone over-merges).  The score is the
probability from a small logistic model (``MODEL``) over
- text: cosine of TF-IDF vectors over jieba words and character bigrams
  (bigrams catch what segmentation splits differently),
- place: the most specific place both name (a road or community of the city
  file, or a word ending in 小区/路/村 … found in the text; how specific is its
  IDF among the city's own orders, so "我们小区" or "幼儿园" count for little),
  damped when the texts share little else,
- place conflict: both name specific places and none is shared,
- district conflict: both name a district/county (A3区, 芙蓉区…) or territory unit and they differ,
- named objects: the three most specific words both use (a bus line, a company, a project name),
then, when both sides have a category, mixed 85/15 with the category signal
(the same leaf 1, the same second level 0.5).  A signal unknown for either side
(no place named, no category yet) stays 0 rather than counting as a mismatch.
The coefficients were fitted on pairs of real messages judged by reading
(``bench/dup_pairs.py fit``, docs/duplicates.md); the statistics (IDF) come from
the city's own orders (``hotline duplicates refit``), never from generated text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from hotline.search import cut
from hotline.textindex.segment import bigrams, words

PLACE_SUFFIXES = ("小区", "花园", "新城", "大道", "社区", "公寓", "广场", "市场", "中学", "小学", "医院",
                  "公园", "大厦", "家园", "路", "街", "巷", "村", "镇", "苑", "园", "府", "湾", "城", "桥")
_GENERIC = {"街道", "社区", "小区", "马路", "道路", "公路", "农村", "城市", "城区", "市场", "公园", "医院", "学校",
            "乡镇", "村民", "镇上", "城管", "家园", "花园", "广场", "全市", "市区", "县城", "进城"}
_STOPISH = {"我们", "你们", "他们", "这个", "那个", "这里", "那里", "所在", "附近", "周边", "整个", "各个", "一个",
            "位于", "住在", "本人", "我家", "反映", "关于", "投诉", "举报", "现在", "目前"}
_COMPOUND = re.compile(r"([\u4e00-\u9fff]{2,8}?)(小区|花园|家园|新城|公寓|大厦|广场)")
_CUT = re.compile(r"[路街道巷区县市镇省的在是了和与及对于到从把被住位]")
W_CATEGORY = 0.15  # share of the category signal when both sides have one
# Logistic model over (text, shared place × text damping, place conflict, district conflict, named objects).
# Fitted by ``python bench/dup_pairs.py fit`` on the 273 ``dev`` pairs of bench/labels/dup_pairs.csv
# (class-balanced, C=0.3); statistics from the 4,307 messages of hot_messages.csv.
MODEL = {"bias": -0.97, "text": 1.26, "place": 1.77, "place_conflict": -0.88, "district_conflict": -1.59,
         "objects": 0.60}
SPECIFIC = 0.5  # a place counts when its IDF is at least this share of the highest (unseen = most specific)
_LEAD = re.compile(r"^[区县市省镇在至及因于和与的从到近对把是]+")
_DISTRICT = re.compile(r"(?<![A-Za-z])[A-Z]\d*[区县]|(?<![A-Za-z])[A-Z]\d+市|[\u4e00-\u9fff]{2}[区县](?=[\u4e00-\u9fff])")
_NOT_DISTRICT = ("小区", "社区", "园区", "城区", "市区", "郊区", "景区", "片区", "校区", "街区", "新区", "老区", "县城")


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
    toks = [t for t in cut(text or "") if t.strip()]  # the request's shared segmentation
    for i, t in enumerate(toks):
        if len(t) >= 3 and t.endswith(PLACE_SUFFIXES) and t not in _GENERIC:
            found.add(t)
        elif t in PLACE_SUFFIXES and i > 0 and len(toks[i - 1]) >= 2 and re.fullmatch(
                r"[\u4e00-\u9fff0-9A-Za-z]+", toks[i - 1]):
            name = toks[i - 1] + t
            if name not in _GENERIC:
                found.add(name)
    # compound names jieba cuts into single characters (魅力/之/城/小区): read them off the text
    for m in _COMPOUND.finditer(text or ""):
        name = _CUT.split(m.group(1))[-1]
        if len(name) >= 2 and name not in _STOPISH:
            found.add(name + m.group(2))
    # the city's own names win; a word that only wraps one (新华路路 from 新华路路灯) is dropped,
    # and a longer name (新华北路) makes its own prefix (新华) redundant
    found = {q for q in (_LEAD.sub("", p) for p in found) if len(q) >= 3 and q not in _GENERIC}
    found = {p for p in found if not any(k in p for k in known)}
    allp = known | found
    return frozenset(p for p in allp if not any(p != q and p in q for q in allp))


def districts(text: str) -> frozenset[str]:
    """District or county names written in the text (A3区, A7县, 芙蓉区), for the district-conflict signal."""
    return frozenset(m for m in _DISTRICT.findall(text or "")
                     if not m.endswith(_NOT_DISTRICT) and m[-2] not in "我本该全各辖每城郊")


def features(doc: Doc, gazetteer: Iterable[str] = ()) -> Features:
    text = f"{doc.text}\n{doc.address}"
    return Features(Counter(words(doc.text)), Counter(bigrams(doc.text)), extract_places(text, gazetteer),
                    doc.territory, doc.category)


def fit_idf(texts: Iterable[str], gazetteer: Iterable[str] = ()) -> dict[str, float]:
    """Smoothed IDF of words (``w:``), bigrams (``b:``) and place names (``p:``) over a corpus."""
    df: Counter[str] = Counter()
    n = 0
    gaz = tuple(gazetteer)
    for t in texts:
        n += 1
        df.update({f"w:{w}" for w in words(t)} | {f"b:{b}" for b in bigrams(t)}
                  | {f"p:{p}" for p in extract_places(t, gaz)})
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
    districts: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, object]:
        return {"v": {k: round(w, 3) for k, w in self.vec.items()}, "n": round(self.norm, 4),
                "p": sorted(self.places), "t": self.territory, "c": self.category, "d": sorted(self.districts)}

    @classmethod
    def from_json(cls, d: dict) -> Prepared:  # type: ignore[type-arg]
        return cls(d["v"], d["n"], frozenset(d["p"]), d.get("t"), d.get("c"), frozenset(d.get("d") or ()))


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
        return Prepared(vec, norm, f.places, f.territory, f.category, districts(f"{doc.text}\n{doc.address}"))

    def specificity(self, place: str) -> float:
        """How specific a place name is among the city's orders: its IDF over the highest (0–1)."""
        return min(1.0, self.weight("p:" + place) / self.unknown)

    def signals(self, a: Prepared, b: Prepared) -> tuple[dict[str, float], list[str]]:
        """The model's inputs for a pair (see ``MODEL``) and the shared specific places."""
        av, bv = a.vec, b.vec
        common = av.keys() & bv.keys()
        dot = sum(av[k] * bv[k] for k in common)
        text = min(1.0, dot / (a.norm * b.norm)) if a.norm and b.norm else 0.0
        spec_a = frozenset(p for p in a.places if self.specificity(p) >= SPECIFIC)
        spec_b = frozenset(p for p in b.places if self.specificity(p) >= SPECIFIC)
        shared_places = _places_overlap(spec_a, spec_b)
        shared_spec = max((self.specificity(p) for p in shared_places), default=0.0)
        place_conflict = bool(spec_a and spec_b and not shared_places)
        if a.territory and b.territory:
            district_conflict = a.territory != b.territory
        else:
            district_conflict = bool(a.districts and b.districts and not a.districts & b.districts)
        top = sorted((self.weight(k) for k in common if k.startswith("w:")), reverse=True)[:3]
        return ({"text": text, "place": shared_spec * min(1.0, text / 0.25), "place_conflict": float(place_conflict),
                 "district_conflict": float(district_conflict), "objects": sum(top) / (3 * self.unknown)},
                shared_places)

    def compare(self, a: Prepared, b: Prepared, *, reasons: bool = True) -> Match:
        """Score a pair; ``reasons=False`` leaves ``shared_words`` empty (see ``shared_words``)."""
        sig, shared_places = self.signals(a, b)
        z = MODEL["bias"] + sum(MODEL[k] * v for k, v in sig.items())
        score = 1 / (1 + math.exp(-z))
        place: float | None = (0.0 if sig["district_conflict"] else 1.0 if shared_places
                               else 0.0 if sig["place_conflict"] else None)
        category: float | None = None
        if a.category and b.category:
            category = 1.0 if a.category == b.category else 0.5 if a.category[:4] == b.category[:4] else 0.0
            score = (1 - W_CATEGORY) * score + W_CATEGORY * category
        shared = self.shared_words(a, b, shared_places) if reasons else []
        return Match(round(score, 4), round(sig["text"], 4), place, category, shared_places, shared)

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
