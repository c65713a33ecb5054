"""Pairs of hot_messages.csv for judging duplicates: sampling across similarity bands, and the labels.

Protocol (docs/duplicates.md, "Judging rules"): every pair of messages from
*different* users is scored by a plain character TF-IDF cosine (unigrams and
bigrams of characters, sublinear tf, fitted on the 4,307 messages themselves —
not our scorer, so the sample is not drawn from our own tool's candidates), and
pairs are drawn at random inside fixed cosine bands.  A person reads the two
titles and the start of both texts and writes 1 (same matter) or 0.  Only the
two ids, the band and the label are kept in ``bench/labels/dup_pairs.csv``;
each pair also carries a fixed split (``dev`` / ``test``, by a hash of the ids),
so thresholds and the pair classifier are fitted on ``dev`` and reported on ``test``.

    python bench/dup_pairs.py sample > /tmp/pairs.tsv     # then judge by reading
    python bench/dup_pairs.py fit                         # the pair model's coefficients and threshold
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
LABELS = Path(__file__).parent / "labels" / "dup_pairs.csv"
# (low, high, pairs drawn): every pair of the sparse upper bands, more of the borderline ones
BANDS = [(0.0, 0.2, 50), (0.2, 0.3, 70), (0.3, 0.4, 70), (0.4, 0.5, 70), (0.5, 0.6, 60), (0.6, 0.7, 60),
         (0.7, 0.8, 60), (0.8, 1.01, 60)]


def messages(path: Path | None = None) -> dict[str, dict[str, str]]:
    with (path or DATA / "hot_messages.csv").open(encoding="utf-8-sig") as fh:
        return {r["留言编号"]: r for r in csv.DictReader(fh)}


def text(r: dict[str, str]) -> str:
    return f"{r['留言主题']}\n{r['留言详情']}"


def split_of(a: str, b: str) -> str:
    """A fixed split by a hash of the pair: 60 % dev, 40 % test."""
    h = int(hashlib.sha1(f"{a}-{b}".encode()).hexdigest()[:8], 16)
    return "dev" if h % 10 < 6 else "test"


def char_tfidf(texts: list[str]):  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=1).fit_transform(texts)


def read_labels(path: Path = LABELS) -> list[tuple[str, str, int]]:
    with path.open(encoding="utf-8") as fh:
        return [(r["id_a"], r["id_b"], int(r["same"])) for r in csv.DictReader(fh)]


def sample(seed: int = 14) -> None:
    import numpy as np

    msgs = messages()
    ids = list(msgs)
    users = np.array([msgs[i]["留言用户"] for i in ids])
    x = char_tfidf([text(msgs[i]) for i in ids])
    sims = (x @ x.T).toarray()
    iu = np.triu_indices(len(ids), 1)
    s = sims[iu]
    diff = users[iu[0]] != users[iu[1]]
    rng = random.Random(seed)
    w = csv.writer(sys.stdout, delimiter="\t")
    for lo, hi, n in BANDS:
        pool = np.flatnonzero(diff & (s >= lo) & (s < hi))
        pick = rng.sample(list(pool), min(n, len(pool)))
        print(f"# band {lo}-{hi}: {len(pool)} pairs, {len(pick)} drawn", file=sys.stderr)
        for k in pick:
            a, b = sorted((ids[iu[0][k]], ids[iu[1][k]]), key=int)
            w.writerow([a, b, f"{lo:.1f}", f"{s[k]:.3f}"])


FEATURES = ("text", "place", "place_conflict", "district_conflict", "objects")


def signals(pairs: list[tuple[str, str, int]], msgs: dict[str, dict[str, str]]):  # type: ignore[no-untyped-def]
    """The production scorer's signals for each pair, with statistics fitted on the messages file."""
    import numpy as np

    from hotline.duplicates.similarity import Doc, Scorer, fit_idf

    sc = Scorer(fit_idf(text(r) for r in msgs.values()))
    prep: dict[str, object] = {}

    def p(i: str):  # type: ignore[no-untyped-def]
        if i not in prep:
            prep[i] = sc.prepare(Doc(text(msgs[i])))
        return prep[i]

    x = np.array([[sc.signals(p(a), p(b))[0][k] for k in FEATURES] for a, b, _ in pairs])
    return x, np.array([y for *_, y in pairs])


def prf(scores, y, t: float) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    pred = scores >= t
    tp, fp, fn = int((pred & (y == 1)).sum()), int((pred & (y == 0)).sum()), int((~pred & (y == 1)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def best_threshold(scores, y) -> float:  # type: ignore[no-untyped-def]
    return max((prf(scores, y, t / 100)[2], t / 100) for t in range(5, 96))[1]


def fit(c: float = 0.3) -> None:
    """Fit the pair model on the ``dev`` pairs; the threshold from 5-fold predictions on ``dev``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    msgs = messages()
    dev = [(r["id_a"], r["id_b"], int(r["same"])) for r in csv.DictReader(LABELS.open(encoding="utf-8"))
           if r["split"] == "dev"]
    x, y = signals(dev, msgs)
    clf = LogisticRegression(C=c, max_iter=1000, class_weight="balanced")
    cv = cross_val_predict(clf, x, y, cv=StratifiedKFold(5, shuffle=True, random_state=0), method="predict_proba")
    t = best_threshold(cv[:, 1], y)
    clf.fit(x, y)
    model = {"bias": round(float(clf.intercept_[0]), 2)} | {k: round(float(w), 2)
                                                              for k, w in zip(FEATURES, clf.coef_[0], strict=True)}
    print(f"dev pairs {len(dev)}, threshold (5-fold on dev) {t:.2f}, dev CV P/R/F1 "
          + "/".join(f"{v:.3f}" for v in prf(cv[:, 1], y, t)))
    print("MODEL =", model)


if __name__ == "__main__":
    if sys.argv[1:2] == ["sample"]:
        sample()
    elif sys.argv[1:2] == ["fit"]:
        fit()
    else:
        print(__doc__)
