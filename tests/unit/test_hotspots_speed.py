"""The vectorised grouping (issue #16 item 7) gives the same numbers as the per-pair code it replaced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from hotline.city.service import current_city
from hotline.demo.texts import generate_demands
from hotline.hotspots import grouping


def _items(n: int) -> list[grouping.Item]:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    return [grouping.Item(id=str(k), text=f"{d.title}\n{d.content}", title=d.title, time=now - timedelta(hours=k),
                          territory=d.territory_code if k % 3 else None)  # some without a territory: districts
            for k, d in enumerate(generate_demands(current_city(), n, seed=3))]


def test_pair_scores_equal_the_pair_model_pair_by_pair() -> None:
    items = _items(300)
    sc, prep = grouping.prepare(items)
    i, j, _c = grouping._candidates([it.text for it in items], 30, 0.1)
    assert len(i) > 1000
    fast = grouping.pair_scores(sc, prep, i, j, chunk=997)  # several chunks
    slow = np.array([sc.compare(prep[a], prep[b], reasons=False).score for a, b in zip(i, j, strict=True)])
    assert np.array_equal(fast, slow)


def test_candidates_are_each_rows_nearest_like_the_row_by_row_search() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [it.text for it in _items(250)]
    got = grouping.candidate_pairs(texts, k=10, block=64)
    x = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    sims = (x @ x.T).toarray()
    want: dict[tuple[int, int], float] = {}
    for r in range(len(texts)):
        sims[r, r] = 0.0
        for c in np.argpartition(-sims[r], 9)[:10]:
            if sims[r, c] >= grouping.MIN_COSINE:
                want[(min(r, int(c)), max(r, int(c)))] = float(sims[r, c])
    assert got.keys() == want.keys()
    assert all(abs(got[k] - want[k]) < 1e-6 for k in want)  # the frequent characters' part is float32


def test_candidates_split_frequent_and_rare_characters_and_both_count() -> None:
    """The split is exact: all-sparse, all-dense and the usual split (both halves non-empty here) agree."""
    texts = [it.text for it in _items(250)]
    full = grouping.candidate_pairs(texts, k=10)
    old = grouping.FREQUENT_SHARE
    try:
        grouping.FREQUENT_SHARE = 2.0  # no column frequent: the whole cosine from the sparse product
        sparse_only = grouping.candidate_pairs(texts, k=10)
        grouping.FREQUENT_SHARE = 0.0  # every shared column frequent: the whole cosine from the dense product
        dense_only = grouping.candidate_pairs(texts, k=10)
    finally:
        grouping.FREQUENT_SHARE = old
    assert full.keys() == sparse_only.keys() == dense_only.keys()
    assert all(abs(full[k] - sparse_only[k]) < 1e-6 and abs(full[k] - dense_only[k]) < 1e-6 for k in full)


def test_tfidf_is_scikit_learns_character_tfidf() -> None:
    """The numpy counting gives scikit-learn's numbers: case, runs of white space, smooth IDF, 1 + ln tf."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [it.text for it in _items(120)] + ["Ab  CD\n\n路灯 不亮  ab", "", "  ", "İstanbul 路灯", "路灯路灯路灯"]
    got = grouping._tfidf(texts)
    want = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    assert got.shape == want.shape
    assert np.allclose((got @ got.T).toarray(), (want @ want.T).toarray(), rtol=0, atol=1e-12)
    assert np.allclose(np.sort(got.data), np.sort(want.data), rtol=0, atol=1e-12)


def test_candidates_floor_from_any_sample_is_exact() -> None:
    """Whatever the sample that sets each row's floor (none, tiny, most rows), the neighbours are the
    brute-force top k: the floor only lets the search skip cosines no top k can hold."""
    texts = [it.text for it in _items(260)]
    x = grouping._tfidf(texts)
    sims = (x @ x.T).toarray()
    want: set[tuple[int, int]] = set()
    for r in range(len(texts)):
        sims[r, r] = -1.0
        for c in np.argsort(-sims[r], kind="stable")[:12]:
            if sims[r, c] >= grouping.MIN_COSINE:
                want.add((min(r, int(c)), max(r, int(c))))
    old = grouping.SAMPLE
    try:
        for sample in (0.1, 1.0, 12.0, 100.0):  # 1 row (no floor), 16, 193 and all 260 rows
            grouping.SAMPLE = sample
            got = grouping.candidate_pairs(texts, k=12, block=70)
            assert got.keys() == want, sample
    finally:
        grouping.SAMPLE = old
