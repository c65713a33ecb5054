"""Group demands about the same matter (热点), name each group and give it a heat index.

Why this shape:
- **Same matter** is the duplicates' question (the same place or object *and* the same demand,
  docs/duplicates.md "Judging rules"), so a pair is scored by the duplicates' pair model
  (``hotline.duplicates.similarity.Scorer.compare``), with statistics (IDF) fitted on the demands
  being grouped — the same corpus-relative weighting ``hotline duplicates refit`` gives a city.
- **Candidates**: the pair model scores every demand only against its nearest neighbours by a plain
  character TF-IDF cosine, so the scoring stays near-linear; the neighbour search itself is exact and
  all-pairs (in blocks: frequent characters as a dense BLAS product, the rest sparse), so it grows
  with the square of the window (docs/hotspots.md "Speed"). Pairs further apart in time than the
  window are never linked.
- **Average linkage, not connected components.** Linking every pair above the threshold chains
  unrelated matters through one long message into one giant group (1,091 of the 4,307 real
  messages in one group at 0.44); merging two groups only when the *mean* score over all their
  pairs (missing pairs count 0) reaches ``linkage × threshold`` keeps groups to one matter
  (docs/hotspots.md has the measurements).
- Every input id ends in exactly one group (a singleton is a group).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from hotline.duplicates.similarity import (
    MODEL,
    SPECIFIC,
    W_CATEGORY,
    Doc,
    Features,
    Prepared,
    Scorer,
    _places_overlap,
    districts,
    features,
)

W_COSINE = 0.3  # an edge's score: 0.7 × the pair model + 0.3 × min(1, character cosine / COSINE_FULL)
COSINE_FULL = 0.3
THRESHOLD = 0.6  # link a pair at this blended score …
LINKAGE = 0.3  # … and merge two groups when their mean pair score ≥ LINKAGE × THRESHOLD
# (the four chosen together on the dev pairs, bench/hotspots.py; docs/hotspots.md)
NEIGHBOURS = 30  # candidates per demand by character TF-IDF cosine
MIN_COSINE = 0.1
WINDOW_DAYS = 365  # pairs further apart are never linked (the platform passes its sliding window)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # never in a name a leader reads (pasted from other systems)
_WHITE = re.compile(r"\s\s+")  # scikit-learn's white-space rule for character n-grams
_TITLE_CUT = re.compile(r"[，。！？!?,；;：:（）()\s]+")


@dataclass(frozen=True)
class Item:
    """One demand: its id, its text (title + body), when it came, and what others said of it."""

    id: str
    text: str
    time: datetime | None = None
    likes: int = 0
    dislikes: int = 0
    caller: str | None = None
    title: str = ""
    dissatisfied: bool = False
    territory: str | None = None  # the territory (属地) unit, when known: two different ones are two places


@dataclass
class Group:
    ids: list[str]
    name: str
    heat: float
    first: datetime | None = None
    last: datetime | None = None
    places: list[str] = field(default_factory=list)
    volume: int = 0  # distinct callers (a caller without a number counts once per demand)
    repeats: int = 0  # demands from a caller already in the group
    likes: int = 0
    growth: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {"ids": self.ids, "name": self.name, "heat": self.heat, "size": len(self.ids),
                "volume": self.volume, "repeats": self.repeats, "likes": self.likes,
                "growth": round(self.growth, 2), "places": self.places,
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None}


class _Terms(NamedTuple):
    """What a text gives every pass, whatever the window: its segmentation and its vector's terms."""

    features: Features
    keys: tuple[str, ...]  # its vector's keys: "w:" jieba words, then "b:" bigrams
    tf: tuple[float, ...]  # 1 + ln(count) of each key (the vector is these × the window's IDF)
    counted: tuple[str, ...]  # the keys the window's IDF counts once per text: ``keys`` and "p:" places
    districts: frozenset[str]


#: text → its terms (jieba words, bigrams, places, districts): a re-grouping segments only the orders that
#: are new since the last pass in this process (segmenting is most of a cold pass; docs/hotspots.md "Speed")
_FEATURES: dict[str, _Terms] = {}
FEATURE_CACHE = 250_000  # texts kept (about 3 KB each); the oldest half is dropped when full


def _evict(cache: dict[str, Any], size: int) -> None:
    if len(cache) >= size:
        for key in list(cache)[:size // 2]:
            del cache[key]


def _features(text: str) -> _Terms:
    t = _FEATURES.get(text)
    if t is None:
        _evict(_FEATURES, FEATURE_CACHE)
        f = features(Doc(text))
        keys = tuple([f"w:{w}" for w in f.words] + [f"b:{b}" for b in f.bigrams])
        tf = tuple(1 + math.log(c) for c in (*f.words.values(), *f.bigrams.values()))
        t = _FEATURES[text] = _Terms(f, keys, tf, keys + tuple(f"p:{p}" for p in f.places), districts(text))
    return t


def _prepare_all(items: Sequence[Item], scorer: Scorer | None) -> tuple[Scorer, list[Prepared]]:
    """Segment every text once (or read it from the cache): the IDF (unless a scorer is given) and the
    vectors come from one pass."""
    terms = [_features(it.text) for it in items]
    if scorer is None:
        df: Counter[str] = Counter()
        for t in terms:
            df.update(t.counted)
        n = len(items)
        idf = {k: math.log((n + 1) / (v + 1)) + 1 for k, v in df.items()} | {"__n__": float(n)}
        scorer = Scorer(idf)
    get, unknown = scorer.idf.get, scorer.unknown  # = scorer.weight, without a call per term
    prepared: list[Prepared] = []
    for it, t in zip(items, terms, strict=True):
        vec = {k: c * get(k, unknown) for k, c in zip(t.keys, t.tf, strict=True)}
        norm = math.sqrt(sum(w * w for w in vec.values()))
        prepared.append(Prepared(vec, norm, t.features.places, it.territory, None, t.districts))
    return scorer, prepared


def candidate_pairs(texts: Sequence[str], k: int = NEIGHBOURS, min_cosine: float = MIN_COSINE,
                    block: int = 2000) -> dict[tuple[int, int], float]:
    """Each text's ``k`` nearest others by character 1–2-gram TF-IDF cosine (sparse, blockwise), with it."""
    i, j, c = _candidates(texts, k, min_cosine, block)
    return {(int(a), int(b)): float(v) for a, b, v in zip(i, j, c, strict=True)}


#: a character whose document frequency is above this share of the window is "frequent": its part of every
#: cosine is a dense float32 matrix product (BLAS), the rest a sparse product (docs/hotspots.md "Speed")
FREQUENT_SHARE = 0.02
#: the sample that sets each row's floor (its k-th best cosine among them; see ``_candidates``) has
#: SAMPLE × √n rows: a larger one costs more to search, a smaller one leaves more cosines above the floor
SAMPLE = 12.0


def _candidates(texts: Sequence[str], k: int, min_cosine: float, block: int = 2000) -> tuple[Any, Any, Any]:
    """``candidate_pairs`` as arrays (i < j, cosine): the exact top ``k`` of every row, without sorting rows.

    Why this shape (docs/hotspots.md "Speed"):
    - **Split features**: the cosine of two rows is the dot product over the frequent characters (the
      template words every demand uses: nearly every row has them) plus the dot product over the rest.
      The first part's result is dense anyway, so it is one float32 BLAS product of dense columns; only
      the rare part stays sparse (added in place).  Float32 rounding is about 1e-7 on a cosine.
    - **Each pair once**: a strip of rows is multiplied only with the rows from its own first one on
      (the upper triangle), and each computed cosine serves both of its rows' neighbour lists: half the
      products of a row-by-row search.
    - **A floor instead of a partial sort of every row**: a row's ``k``-th best cosine over a sample of
      the rows can only be lower than (or equal to) its ``k``-th best over all rows, so every true
      neighbour of the row lies at or above that floor.  The full pass keeps only the cosines at or above
      their rows' floors (a comparison, not an ``argpartition`` of ``n`` values per row) and the top
      ``k`` is then chosen among those few.  The result is the same set as a top ``k`` of the whole row
      (ties at the ``k``-th cosine aside, which any partial sort also breaks arbitrarily).
    Strips are sized so that one stays near 120 MB."""
    import numpy as np

    n = len(texts)
    if n < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    x = _tfidf(texts).tocsc()
    df = np.diff(x.indptr)
    cut = max(1, int(FREQUENT_SHARE * n))
    frequent = np.nonzero(df > cut)[0]
    rare = np.nonzero((df <= cut) & (df >= 2))[0]  # a column in one row adds nothing to any cosine
    xf = np.ascontiguousarray(x[:, frequent].toarray(), dtype=np.float32)
    xr = x[:, rare].tocsr()
    xrt = xr.T.tocsr()

    def add(sims: Any, part: Any) -> Any:
        """The rare characters' sparse part added in place (flat indices: a product's row holds each
        column once, so there are no duplicates to sum)."""
        part = part.tocsr()
        flat = np.repeat(np.arange(part.shape[0]) * sims.shape[1], np.diff(part.indptr)) + part.indices
        sims.reshape(-1)[flat] += part.data.astype(np.float32)
        return sims

    def cosines(rows: slice, cols: slice) -> Any:
        """The float32 cosines of ``rows`` against the rows in ``cols``, dense."""
        sims = xf[rows] @ xf[cols].T
        return add(sims, xr[rows] @ xrt[:, cols]) if len(rare) else sims

    kk = min(k, n - 1)
    # the floor: each row's kk-th best cosine among a strided sample of rows (itself left out), a little
    # lowered so that the float32 rounding of another product order cannot put a true neighbour under it
    sample = np.unique(np.arange(min(n, int(SAMPLE * math.sqrt(n)))) * n // min(n, int(SAMPLE * math.sqrt(n))))
    floor = np.full(n, min_cosine, dtype=np.float32)
    if len(sample) > kk:
        xs_f, xs_r = xf[sample], xrt[:, sample].tocsc()
        pos = np.full(n, -1)
        pos[sample] = np.arange(len(sample))
        step = max(64, 30_000_000 // len(sample))
        for start in range(0, n, step):
            stop = min(n, start + step)
            sims = xf[start:stop] @ xs_f.T
            if len(rare):
                add(sims, xr[start:stop] @ xs_r)
            mine = np.nonzero(pos[start:stop] >= 0)[0]
            sims[mine, pos[start:stop][mine]] = -np.inf
            kth = np.partition(sims, len(sample) - kk, axis=1)[:, len(sample) - kk]
            floor[start:stop] = np.maximum(floor[start:stop], kth - 1e-5)
    rows_of: list[Any] = []
    others: list[Any] = []
    vals: list[Any] = []
    strip = max(64, min(block, 30_000_000 // n))
    for start in range(0, n, strip):
        stop = min(n, start + strip)
        sims = cosines(slice(start, stop), slice(start, n))
        sims[np.tril_indices(stop - start)] = -np.inf  # each pair once (i < j), never a row with itself
        need = np.minimum(floor[start:stop, None], floor[None, start:])
        cell = np.flatnonzero(sims >= need)
        v = sims.reshape(-1)[cell]
        a = (cell // sims.shape[1] + start).astype(np.int32)  # int32: at 60,000 orders ~4·10⁷ kept cosines
        b = (cell % sims.shape[1] + start).astype(np.int32)
        for mine, other, ok in ((a, b, v >= floor[a]), (b, a, v >= floor[b])):
            rows_of.append(mine[ok])
            others.append(other[ok])
            vals.append(v[ok])
    row = np.concatenate(rows_of)
    other = np.concatenate(others)
    val = np.concatenate(vals)
    # each row's best kk: order by row, then cosine descending (stable), keep the first kk of every row
    order = np.lexsort((-val, row))
    row, other, val = row[order], other[order], val[order]
    starts = np.searchsorted(row, np.arange(n))
    rank = np.arange(len(row)) - starts[row]
    keep = rank < kk
    a, b, v = row[keep], other[keep], val[keep]
    key = np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b).astype(np.int64)
    key, first = np.unique(key, return_index=True)
    return key // n, key % n, v[first].astype(float)


def _tfidf(texts: Sequence[str]) -> Any:
    """The character 1–2-gram TF-IDF rows (L2-normalised) of the window: the neighbour search's cosine.

    The same numbers as scikit-learn's ``TfidfVectorizer(analyzer="char", ngram_range=(1, 2),
    sublinear_tf=True)`` (lower-cased, runs of white space made one space, smooth IDF, 1 + ln tf;
    a unit test compares them), but counted with numpy over all texts at once: the vectorizer builds
    every n-gram as a Python string, 4–5× slower, a noticeable share of a large window.  Columns are
    in code-point order rather than alphabetical (no cosine depends on the order)."""
    import numpy as np
    from scipy import sparse

    docs = [_WHITE.sub(" ", t.lower()) for t in texts]
    n = len(docs)
    lens = np.fromiter((len(d) for d in docs), dtype=np.int64, count=n)
    cp = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    doc = np.repeat(np.arange(n, dtype=np.int64), lens)
    inside = doc[1:] == doc[:-1]  # a bigram never spans two texts
    keys = np.concatenate([cp, ((cp[:-1] << 21) | cp[1:])[inside] + (1 << 42)])  # code points < 2**21
    vocab, kid = np.unique(keys, return_inverse=True)
    v = max(1, len(vocab))
    cell, count = np.unique(np.concatenate([doc, doc[:-1][inside]]) * v + kid, return_counts=True)
    rows, cols = cell // v, cell % v
    idf = np.log((1 + n) / (1 + np.bincount(cols, minlength=v))) + 1
    x = sparse.csr_matrix(((1 + np.log(count)) * idf[cols], (rows, cols)), shape=(n, v))
    norm = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    return sparse.csr_matrix(sparse.diags(1 / np.where(norm > 0, norm, 1.0)) @ x)


def edge_score(pair: Any, cosine: Any) -> Any:
    """An edge's score, defined once: 0.7 × the pair model + 0.3 × min(1, character cosine / 0.3)."""
    import numpy as np

    return (1 - W_COSINE) * pair + W_COSINE * np.minimum(1.0, cosine / COSINE_FULL)


def similarity(items: Sequence[Item], scorer: Scorer, prepared: Sequence[Prepared],
               pairs: Sequence[tuple[int, int]]) -> Any:
    """The grouping's score of any given pairs (a leader's corrections), neighbours or not: the same
    ``edge_score`` of the same pair model and the same character cosine ``scored_edges`` uses."""
    import numpy as np

    if not pairs:
        return np.zeros(0)
    i = np.array([a for a, _ in pairs], dtype=np.int64)
    j = np.array([b for _, b in pairs], dtype=np.int64)
    x = _tfidf([it.text for it in items]).tocsr()
    cosine = np.asarray(x[i].multiply(x[j]).sum(axis=1)).ravel()
    return edge_score(pair_scores(scorer, prepared, i, j), cosine)


def link(n: int, edges: dict[tuple[int, int], float], threshold: float, linkage: float, *,
         must: Iterable[tuple[int, int]] = (), cannot: Iterable[tuple[int, int]] = ()) -> list[int]:
    """Greedy average linkage over the sparse scored edges, strongest first: a label per item.

    A leader's corrections come first: ``must`` pairs are joined before any edge (unless that would
    join a ``cannot`` pair), and no merge ever puts a ``cannot`` pair into one group."""
    label = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    nbr: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), s in edges.items():
        nbr[i][j] = s
        nbr[j][i] = s
    apart: dict[int, set[int]] = defaultdict(set)
    for i, j in cannot:
        if i != j:
            apart[i].add(j)
            apart[j].add(i)

    def allowed(ma: list[int], mb: list[int]) -> bool:
        if not apart:
            return True
        other = set(mb)
        return not any(apart[x] & other for x in ma if x in apart)

    def join(a: int, b: int) -> None:
        ma, mb = members[a], members[b]
        if len(ma) < len(mb):
            a, b, ma, mb = b, a, mb, ma
        for y in mb:
            label[y] = a
        ma.extend(mb)
        del members[b]

    for i, j in must:
        a, b = label[i], label[j]
        if a != b and allowed(members[a], members[b]):
            join(a, b)
    need = threshold * linkage
    # only the edges at or above the threshold can start a merge: sort those alone, strongest first
    strong = sorted(((ij, s) for ij, s in edges.items() if s >= threshold), key=lambda kv: (-kv[1], kv[0]))
    for (i, j), _s in strong:
        a, b = label[i], label[j]
        if a == b:
            continue
        ma, mb = members[a], members[b]
        # the scores between the two groups: walk the smaller group's edges (missing pairs count 0),
        # not every pair of members
        small, other = (ma, b) if len(ma) <= len(mb) else (mb, a)
        total = sum(w for x in small for y, w in nbr[x].items() if label[y] == other)
        if total / (len(ma) * len(mb)) < need or not allowed(ma, mb):
            continue
        join(a, b)
    return label


def heat_index(*, volume: int, growth: float, likes: int, repeats: int, dissatisfied: float) -> float:
    """热度 (docs/hotspots.md): volume dominates, growth multiplies it, likes, repeats and dissatisfaction add.

    heat = 10 × ( ln(1 + volume) × (1 + 0.5 × min(growth, 3)) + 0.3 × ln(1 + likes)
                  + 0.2 × ln(1 + repeats) + 0.5 × dissatisfied share )
    """
    return round(10 * (math.log1p(volume) * (1 + 0.5 * min(max(growth, 0.0), 3.0)) + 0.3 * math.log1p(max(likes, 0))
                       + 0.2 * math.log1p(repeats) + 0.5 * dissatisfied), 1)


def _growth(times: list[datetime], now: datetime | None) -> float:
    """Demands in the last 7 days against the 7 before (relative to ``now``, else the group's last time)."""
    if not times:
        return 0.0
    end = now or max(times)
    recent = sum(1 for t in times if 0 <= (end - t).total_seconds() < 7 * 86400)
    before = sum(1 for t in times if 7 * 86400 <= (end - t).total_seconds() < 14 * 86400)
    return (recent - before) / max(before, 1) if recent > before else 0.0


def _stamp(t: datetime | None) -> float:
    return t.timestamp() if t is not None else math.inf


def _title(it: Item) -> str:
    t = it.title or it.text.split("\n", 1)[0]
    return _TITLE_CUT.sub(" ", _CONTROL.sub("", t)).strip()[:30]


_NAME_STOP = {"反映", "投诉", "举报", "关于", "问题", "请求", "希望", "咨询", "建议", "请问", "要求", "严重", "如何",
              "何时", "什么", "为何", "为什么", "能否", "是否", "可以", "不能", "一直", "相关", "部门", "领导", "政府",
              "我们", "业主", "居民", "小区", "市民", "尊敬", "您好", "急需", "处理", "解决", "存在", "还是", "没有"}
_ADMIN = re.compile(r"[A-Z]\d*[区县市省]|西地省|[\u4e00-\u9fff]{2}[区县](?=[\u4e00-\u9fff])|[A-Za-z0-9]+")
_NAME_TOKEN = re.compile(r"^[\u4e00-\u9fff]{2,}$")


#: a title (less its place) → its jieba words: a warm pass names the same groups again (docs/hotspots.md "Speed")
_CUTS: dict[str, tuple[str, ...]] = {}


def _cut(text: str, jieba: Any) -> tuple[str, ...]:
    words = _CUTS.get(text)
    if words is None:
        _evict(_CUTS, FEATURE_CACHE)
        words = _CUTS[text] = tuple(jieba().lcut(text))
    return words


def _name(members: list[int], items: Sequence[Item], prepared: list[Prepared], scorer: Scorer) -> tuple[str, list[str]]:
    """"<place> · <demand>": the place most members' titles (then texts) name, and the title words most
    members share, in the order the first member wrote them.  A singleton keeps its title."""
    from hotline.search import _jieba

    if len(members) == 1:
        return _title(items[members[0]]), sorted(prepared[members[0]].places)[:3]
    titles = [_title(items[m]) for m in members]
    place_score: Counter[str] = Counter()
    for m, title in zip(members, titles, strict=True):
        for p in prepared[m].places:
            place_score[p] += 1 + 2 * (p in title)
    places = sorted((p for p, c in place_score.items() if c >= 2),
                    key=lambda p: (-place_score[p], -scorer.specificity(p), -len(p), p))[:3]
    in_place = "".join(places[:1])
    bare = [_ADMIN.sub(" ", t.replace(in_place, " ") if in_place else t) for t in titles]
    seg = [[w for w in _cut(t, _jieba) if _NAME_TOKEN.match(w) and w not in _NAME_STOP and w not in in_place]
           for t in bare]
    count: Counter[str] = Counter(w for ws in seg for w in set(ws))
    need = 2 if len(members) < 4 else max(2, math.ceil(len(members) / 4))
    first_seen: dict[str, int] = {}
    for ws in seg:
        for w in ws:
            first_seen.setdefault(w, len(first_seen))
    demand = sorted((w for w, c in count.items() if c >= need),
                    key=lambda w: (-count[w] * scorer.weight("w:" + w), w))[:2]
    demand.sort(key=lambda w: first_seen[w])
    if not places and not demand:
        return titles[0], []
    return " · ".join(x for x in (in_place, "".join(demand)) if x), places


def scored_edges(items: Sequence[Item], scorer: Scorer, prepared: Sequence[Prepared], *,
                 window_days: int = WINDOW_DAYS, neighbours: int = NEIGHBOURS) -> dict[tuple[int, int], float]:
    """A score for every candidate pair inside the time window: the pair model (place, objects, conflicts)
    blended with the plain character cosine, which catches rewordings of one collective matter whose
    places the extractor missed (the blend beat either alone on the dev pairs).

    The pair model is ``Scorer.compare`` computed for all pairs at once (``pair_scores``)."""
    import numpy as np

    i, j, cosine = _candidates([it.text for it in items], neighbours, MIN_COSINE)
    stamps = np.array([it.time.timestamp() if it.time else np.nan for it in items])
    gap = np.abs(stamps[i] - stamps[j]) if len(i) else np.zeros(0)
    keep = ~(gap > window_days * 86400)  # a pair without a time is kept (nan compares false)
    i, j, cosine = i[keep], j[keep], cosine[keep]
    pair = pair_scores(scorer, prepared, i, j)
    edge = edge_score(pair, cosine)
    return {(int(a), int(b)): float(e) for a, b, e in zip(i, j, edge, strict=True)}


def pair_scores(scorer: Scorer, prepared: Sequence[Prepared], i: Any, j: Any, chunk: int = 200_000) -> Any:
    """``scorer.compare(prepared[i], prepared[j]).score`` for many pairs at once (numpy / scipy).

    The text cosine and the named-objects signal are sparse products of the prepared vectors; the
    places (a few per demand) stay sets, visited only for pairs where both sides name a specific one."""
    import numpy as np
    from scipy import sparse

    n = len(prepared)
    if len(i) == 0:
        return np.zeros(0)
    keys = [key for p in prepared for key in p.vec]  # columns in order of first use (comprehensions, not a loop)
    vocab = {key: c for c, key in enumerate(dict.fromkeys(keys))}
    cols = np.fromiter((vocab[key] for key in keys), dtype=np.int64, count=len(keys))
    data = np.fromiter((w for p in prepared for w in p.vec.values()), dtype=float, count=len(keys))
    indptr = np.concatenate([[0], np.cumsum([len(p.vec) for p in prepared])])
    shape = (n, max(1, len(vocab)))
    x = sparse.csr_matrix((data, cols, indptr), shape=shape)
    is_word = np.fromiter((key.startswith("w:") for key in vocab), dtype=bool, count=len(vocab))
    is_word = np.concatenate([is_word, np.zeros(shape[1] - len(vocab), dtype=bool)])
    col_idf = np.zeros(shape[1])
    get, unknown = scorer.idf.get, scorer.unknown
    col_idf[:len(vocab)] = np.fromiter((get(key, unknown) if key.startswith("w:") else 0.0 for key in vocab),
                                       dtype=float, count=len(vocab))
    bw = x.copy()
    bw.data = is_word[bw.indices].astype(float)
    bw.eliminate_zeros()
    widf = bw.copy()
    widf.data = col_idf[widf.indices]
    norms = np.array([p.norm for p in prepared], dtype=float)
    spec_of: dict[str, float] = {}
    spec = []
    for p in prepared:
        s = frozenset(q for q in p.places if spec_of.setdefault(q, scorer.specificity(q)) >= SPECIFIC)
        spec.append(s)
    has_spec = np.array([bool(s) for s in spec])
    terr_code: dict[str, int] = {}
    terr = np.array([terr_code.setdefault(p.territory, len(terr_code)) if p.territory else -1 for p in prepared])
    has_cat = any(p.category for p in prepared)
    out = np.empty(len(i))
    for lo in range(0, len(i), chunk):
        a, b = i[lo:lo + chunk], j[lo:lo + chunk]
        dot = np.asarray(x[a].multiply(x[b]).sum(axis=1)).ravel()
        den = norms[a] * norms[b]
        text = np.where(den > 0, np.minimum(1.0, dot / np.where(den > 0, den, 1.0)), 0.0)
        common = widf[a].multiply(bw[b]).tocsr()
        objects = _top3_sum(common) / (3 * scorer.unknown)
        shared_spec = np.zeros(len(a))
        conflict = np.zeros(len(a))
        for k in np.nonzero(has_spec[a] & has_spec[b])[0]:
            sa, sb = spec[a[k]], spec[b[k]]
            shared = _places_overlap(sa, sb)
            if shared:
                shared_spec[k] = max(spec_of[q] for q in shared)
            else:
                conflict[k] = 1.0
        ta, tb = terr[a], terr[b]
        district = np.where((ta >= 0) & (tb >= 0), (ta != tb).astype(float), 0.0)
        for k in np.nonzero((ta < 0) | (tb < 0))[0]:
            da, db = prepared[a[k]].districts, prepared[b[k]].districts
            district[k] = float(bool(da and db and not da & db))
        z = (MODEL["bias"] + MODEL["text"] * text + MODEL["place"] * shared_spec * np.minimum(1.0, text / 0.25)
             + MODEL["place_conflict"] * conflict + MODEL["district_conflict"] * district + MODEL["objects"] * objects)
        score = 1 / (1 + np.exp(-z))
        if has_cat:
            for m in range(len(a)):
                ca, cb = prepared[a[m]].category, prepared[b[m]].category
                if ca and cb:
                    cat = 1.0 if ca == cb else 0.5 if ca[:4] == cb[:4] else 0.0
                    score[m] = (1 - W_CATEGORY) * score[m] + W_CATEGORY * cat
        out[lo:lo + chunk] = np.round(score, 4)
    return out


def _top3_sum(m: Any) -> Any:
    """The sum of each row's three largest values of a CSR matrix (the pair model's named objects)."""
    import numpy as np

    counts = np.diff(m.indptr)
    row = np.repeat(np.arange(m.shape[0]), counts)
    order = np.lexsort((-m.data, row))
    rank = np.arange(len(order)) - m.indptr[row[order]]
    keep = order[rank < 3]
    return np.bincount(row[keep], weights=m.data[keep], minlength=m.shape[0])


def describe(items: Sequence[Item], scorer: Scorer, prepared: Sequence[Prepared], label: Sequence[int],
             now: datetime | None = None) -> list[Group]:
    """Groups from a labelling: members in time order, name, places, span, volume and heat; hottest first."""
    by_label: dict[int, list[int]] = defaultdict(list)
    for i, lab in enumerate(label):
        by_label[lab].append(i)
    out: list[Group] = []
    for members in by_label.values():
        members.sort(key=lambda m: (_stamp(items[m].time), m))
        times = [t for t in (items[m].time for m in members) if t is not None]
        callers: Counter[str] = Counter(items[m].caller or f"#{m}" for m in members)
        repeats = sum(c - 1 for c in callers.values())
        likes = sum(items[m].likes for m in members)
        dissatisfied = sum(1 for m in members if items[m].dissatisfied) / len(members)
        growth = _growth(times, now)
        name, places = _name(members, items, list(prepared), scorer)
        out.append(Group(ids=[items[m].id for m in members], name=name,
                         heat=heat_index(volume=len(callers), growth=growth, likes=likes, repeats=repeats,
                                         dissatisfied=dissatisfied),
                         first=min(times) if times else None, last=max(times) if times else None,
                         places=places, volume=len(callers), repeats=repeats, likes=likes, growth=growth))
    out.sort(key=lambda g: (-g.heat, -len(g.ids), g.ids[0]))
    return out


def prepare(items: Sequence[Item], scorer: Scorer | None = None) -> tuple[Scorer, list[Prepared]]:
    """Check the ids and segment every text once (see ``_prepare_all``)."""
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        dup = next(i for i, c in Counter(ids).items() if c > 1)
        raise ValueError(f"duplicate id {dup!r}")
    return _prepare_all(items, scorer)


def group(items: Sequence[Item], *, scorer: Scorer | None = None, threshold: float = THRESHOLD,
          linkage: float = LINKAGE, window_days: int = WINDOW_DAYS, neighbours: int = NEIGHBOURS,
          now: datetime | None = None, must_link: Iterable[tuple[str, str]] = (),
          cannot_link: Iterable[tuple[str, str]] = (), prepared: Sequence[Prepared] | None = None,
          edges: dict[tuple[int, int], float] | None = None) -> list[Group]:
    """Group the demands; groups come hottest first, every id in exactly one group.

    ``must_link`` / ``cannot_link``: pairs of ids a person said are / are not the same matter (the
    platform's corrections, ``hotline.hotspots.refresh``); pairs naming an id not given are ignored.
    ``prepared`` (with its ``scorer``, from ``prepare``): the texts are not prepared again; ``edges`` (from
    ``scored_edges`` of the same items, window and neighbours): the pairs are not scored again."""
    if not items:
        return []
    if scorer is not None and prepared is not None:
        sc = scorer
    else:
        sc, prepared = prepare(items, scorer)
    if edges is None:
        edges = scored_edges(items, sc, prepared, window_days=window_days, neighbours=neighbours)
    pos = {it.id: k for k, it in enumerate(items)}
    must = [(pos[a], pos[b]) for a, b in must_link if a in pos and b in pos]
    cannot = [(pos[a], pos[b]) for a, b in cannot_link if a in pos and b in pos]
    return describe(items, sc, prepared, link(len(items), edges, threshold, linkage, must=must, cannot=cannot), now)


def pairwise(groups: Iterable[Group], pairs: Iterable[tuple[str, str, int]]) -> dict[str, float | int]:
    """Pairwise precision, recall and F1 of a grouping against judged pairs (same matter 1/0)."""
    where = {i: k for k, g in enumerate(groups) for i in g.ids}
    tp = fp = fn = n = 0
    for a, b, same in pairs:
        if a not in where or b not in where:
            continue
        n += 1
        together = where[a] == where[b]
        tp += together and bool(same)
        fp += together and not same
        fn += (not together) and bool(same)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"pairs": n, "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}
