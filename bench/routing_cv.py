"""Routing avenues under near-duplicate-aware cross-validation (issue #14 item 1).

Why this script: a stranger measuring the router on other real messages will not have our
messages' near-copies in their test set, so folds must not split a near-duplicate cluster
(character-trigram TF-IDF cosine ≥ 0.8, linked transitively) across train and test.
``StratifiedGroupKFold(5, shuffle=True, random_state=0)`` over those clusters; every avenue is
scored on the same folds, with the baseline (char 1–2 TF-IDF + LinearSVC) and the shipped model
in the same run. Segmentation is done once and cached in memory; one process (n_jobs=1).

Avenues (each optional, ``--avenues``):
- ``baseline``: char 1–2 TF-IDF + LinearSVC (sklearn defaults);
- ``ours``: the shipped features and NB-SVM + 0.5 plain SVM;
- ``vectors``: ``ours`` + λ × a LinearSVC over mean cnsyn word vectors (129,691 words × 75,
  Apache-2.0, read from the unpacked wheel given by ``--cnsyn``), λ = 0.25 / 0.5;
- ``selftrain``: ``ours`` retrained with unlabelled real messages pseudo-labelled where the
  fold model's calibrated top probability ≥ 0.95 (read from ``--unlabeled-dir``; never stored);
- ``idf``: ``ours`` with IDF also fitted on the unlabelled messages.

    .venv/bin/python bench/routing_cv.py [--avenues baseline,ours,vectors] [--json]

For ``vectors``: ``pip download cnsyn==1.2.0 --no-deps -d DIR && unzip DIR/cnsyn-1.2.0-*.whl -d DIR/x``
and pass ``--cnsyn DIR/x`` (not a project dependency: it did not help). Without it that avenue is skipped.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", "/work/shared/data"))


def read_labelled() -> tuple[list[str], list[str]]:
    from hotline.routing.model import read_labelled_csv

    return read_labelled_csv(DATA / "messages_train.csv")


def read_unlabeled(folder: Path) -> list[str]:
    """Texts of unlabeled_messages, hot_messages and replies (title + body), read at run time only."""
    out: list[str] = []
    for name in ("unlabeled_messages.csv", "hot_messages.csv", "replies.csv"):
        path = folder / name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                if "text" in row:
                    text = row.get("text") or ""
                else:
                    text = f"{row.get('留言主题') or ''}。{row.get('留言详情') or ''}"
                if len(text.strip()) > 5:
                    out.append(text.strip())
    return out


def near_dup_groups(texts: list[str], cosine: float = 0.8) -> np.ndarray:
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(analyzer="char", ngram_range=(3, 3), sublinear_tf=True).fit_transform(texts)
    sim = (x @ x.T).tocsr()
    sim.data[sim.data < cosine] = 0
    sim.eliminate_zeros()
    return connected_components(sim, directed=False)[1]


class Cached:
    """Prepared text and jieba tokens of every message, computed once."""

    def __init__(self, texts: list[str]) -> None:
        from hotline.routing.features import Featurizer, word_tokens
        from hotline.routing.model import _HEAD_CHARS, _TAIL_CHARS

        f = Featurizer(head_chars=_HEAD_CHARS, tail_chars=_TAIL_CHARS)
        self.prepared = [f._prepare(t) for t in texts]
        self.tokens = [word_tokens(t) for t in self.prepared]

    def features(self, fit_idx: np.ndarray, rows: list[np.ndarray]) -> list[sp.csr_matrix]:
        """The shipped two-block TF-IDF fitted on ``fit_idx``; matrices for each index array in ``rows``."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        word = TfidfVectorizer(analyzer=lambda i: self.tokens[i], min_df=2, sublinear_tf=True, lowercase=False,
                               dtype=np.float32).fit(list(fit_idx))
        char = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=False,
                               dtype=np.float32).fit([self.prepared[i] for i in fit_idx])
        return [sp.hstack([word.transform(list(r)), char.transform([self.prepared[i] for i in r])], format="csr")
                for r in rows]


def load_vectors(folder: Path) -> tuple[dict[str, int], np.ndarray]:
    """cnsyn's word list and 75-d vectors, out of its pickled KD-tree (old sklearn classes stubbed)."""
    from joblib.numpy_pickle import NumpyUnpickler

    class _Stub:
        def __init__(self, *a: object, **k: object) -> None:
            self.state: object = None

        def __setstate__(self, state: object) -> None:
            self.state = state

    class _U(NumpyUnpickler):
        def find_class(self, module: str, name: str):  # type: ignore[no-untyped-def]
            if module.startswith("sklearn"):
                return (lambda cls, *a: _Stub()) if name == "newObj" else _Stub
            return super().find_class(module, name)

    path = folder / "cnsyn" / "query" / "words_tree_mini.m"
    with path.open("rb") as fh:
        d = _U(str(path), fh, ensure_native_byte_order=True).load()
    vecs = np.asarray(d["model"].state[0], dtype=np.float32)
    return {w: i for i, w in enumerate(d["words"])}, vecs


def mean_vectors(tokens: list[list[str]], index: dict[str, int], vecs: np.ndarray) -> np.ndarray:
    out = np.zeros((len(tokens), vecs.shape[1]), dtype=np.float32)
    for r, toks in enumerate(tokens):
        ids = [index[t] for t in toks if t in index]
        if ids:
            out[r] = vecs[ids].mean(axis=0)
    return out


def main() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    from hotline.routing.model import _PLAIN_WEIGHT, _SVM_C, NBSVM, _fit_temperature, _softmax

    ap = argparse.ArgumentParser()
    ap.add_argument("--avenues", default="baseline,ours,idf,selftrain,vectors")
    ap.add_argument("--cnsyn", type=Path, default=Path("/tmp/route/dl/x"),
                    help="folder of the unpacked cnsyn wheel")
    ap.add_argument("--unlabeled-dir", type=Path, default=DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    avenues = args.avenues.split(",")
    if "vectors" in avenues and not (args.cnsyn / "cnsyn" / "query" / "words_tree_mini.m").is_file():
        print(f"# no unpacked cnsyn wheel under {args.cnsyn}: skipping the vectors avenue", file=sys.stderr)
        avenues.remove("vectors")
    if not (DATA / "messages_train.csv").is_file():
        print("no messages_train.csv: nothing to measure")
        return
    t0 = time.perf_counter()
    texts, labels = read_labelled()
    y = np.asarray(labels, dtype=object)
    groups = near_dup_groups(texts)
    unl = read_unlabeled(args.unlabeled_dir) if {"idf", "selftrain"} & set(avenues) else []
    cache = Cached(texts + unl)
    n = len(texts)
    u_idx = np.arange(n, n + len(unl))
    print(f"# {n} labelled, {len(unl)} unlabelled, {n - len(set(groups))} rows joined into near-dup clusters; "
          f"cached in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    vec_index = vecs = None
    if "vectors" in avenues:
        vec_index, vecs = load_vectors(args.cnsyn)
        dense = mean_vectors(cache.tokens[:n], vec_index, vecs)
        cover = np.mean([any(t in vec_index for t in toks) for toks in cache.tokens[:n]])
        print(f"# cnsyn: {len(vec_index)} words × {vecs.shape[1]}, messages with ≥1 known word: {cover:.3f}",
              file=sys.stderr)

    scores: dict[str, list[float]] = {}

    def record(name: str, gold: np.ndarray, pred: np.ndarray) -> None:
        scores.setdefault(name, []).append(float(f1_score(gold, pred, average="macro")))

    splitter = StratifiedGroupKFold(args.folds, shuffle=True, random_state=0)
    for k, (tr, te) in enumerate(splitter.split(np.zeros(n), y, groups)):
        tf = time.perf_counter()
        if "baseline" in avenues:
            vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit([texts[i] for i in tr])
            svm = LinearSVC().fit(vec.transform([texts[i] for i in tr]), y[tr])
            record("baseline", y[te], svm.predict(vec.transform([texts[i] for i in te])))
        xtr, xte = cache.features(tr, [tr, te])
        clf = NBSVM(C=_SVM_C, plain_weight=_PLAIN_WEIGHT).fit(xtr, y[tr])
        s_te = clf.decision_function(xte)
        record("ours", y[te], clf.classes_[s_te.argmax(1)])
        if "idf" in avenues:
            xtr2, xte2 = cache.features(np.concatenate([tr, u_idx]), [tr, te])
            c2 = NBSVM(C=_SVM_C, plain_weight=_PLAIN_WEIGHT).fit(xtr2, y[tr])
            record("idf+unlabelled", y[te], c2.classes_[c2.decision_function(xte2).argmax(1)])
        if "selftrain" in avenues and len(unl):
            # temperature from a 3-fold split of the training part, as the shipped model does
            from sklearn.model_selection import StratifiedKFold

            oof = np.zeros((len(tr), len(clf.classes_)))
            for a, b in StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(len(tr)), y[tr]):
                f = NBSVM(C=_SVM_C, plain_weight=_PLAIN_WEIGHT).fit(xtr[a], y[tr][a])
                oof[b] = f.decision_function(xtr[b])
            y_idx = np.searchsorted(clf.classes_, y[tr])
            temp = _fit_temperature(oof, y_idx)
            (xu,) = cache.features(tr, [u_idx])
            pu = _softmax(clf.decision_function(xu), temp)
            for thr in (0.95, 0.99):
                keep = pu.max(1) >= thr
                c3 = NBSVM(C=_SVM_C, plain_weight=_PLAIN_WEIGHT).fit(
                    sp.vstack([xtr, xu[keep]], format="csr"),
                    np.concatenate([y[tr], clf.classes_[pu[keep].argmax(1)]]))
                record(f"selftrain p≥{thr} ({int(keep.sum())} added in fold {k})".split(" (")[0], y[te],
                       c3.classes_[c3.decision_function(xte).argmax(1)])
        if "vectors" in avenues:
            sc = StandardScaler().fit(dense[tr])
            dv = LinearSVC(C=0.1).fit(sc.transform(dense[tr]), y[tr])
            s_v = dv.decision_function(sc.transform(dense[te]))
            record("vectors alone", y[te], dv.classes_[s_v.argmax(1)])
            for lam in (0.25, 0.5):
                record(f"ours + {lam} × vectors", y[te], clf.classes_[(s_te + lam * s_v).argmax(1)])
        print(f"# fold {k}: {time.perf_counter() - tf:.0f} s " +
              " ".join(f"{name}={v[-1]:.4f}" for name, v in scores.items()), file=sys.stderr)

    result = {name: {"macro_f1": round(float(np.mean(v)), 4), "std": round(float(np.std(v)), 4)}
              for name, v in scores.items()}
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for name, r in result.items():
            print(f"{name:<28} {r['macro_f1']:.4f} ± {r['std']:.4f}")


if __name__ == "__main__":
    main()
