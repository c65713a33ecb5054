"""Reproduce the routing classifier's figures on the Teddy Cup 2020 C messages.

Why: the numbers in docs/routing.md must be re-measurable by anyone with the
data, on their own machine, with the baseline measured in the same run so
that machine speed cancels out of the comparison.

Run:  .venv/bin/python bench/routing.py [--skip-cv]

Protocol: a stratified 80/20 held-out split (seed 0) and stratified 5-fold
cross-validation (seed 0) on messages_train.csv, for our model and for a
baseline (character 1–2-gram TF-IDF + LinearSVC, sklearn defaults
otherwise). Each model is trained on the training part only. Scores are
also given on the test rows that have no near-duplicate (character-trigram
TF-IDF cosine ≥ 0.8) in the training part, because the data are
deduplicated exactly but not approximately.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NEAR_DUP_COSINE = 0.8


def data_dir() -> Path:
    """``$HOTLINE_SHARED_DATA`` or ``../shared/data`` beside the repository."""
    env = os.environ.get("HOTLINE_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (Linux), else platform.processor()."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Baseline:
    """Character 1–2-gram TF-IDF + LinearSVC with default settings: the published kind of baseline."""

    def __init__(self, texts: list[str], labels: list[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import LinearSVC

        self.pipe = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 2)), LinearSVC())
        self.pipe.fit(texts, labels)

    def predict_batch(self, texts: list[str]) -> list[str]:
        return list(self.pipe.predict(texts))

    def predict_batch_one_process(self, texts: list[str]) -> list[str]:
        return self.predict_batch(texts)

    def predict_one(self, text: str) -> str:
        return str(self.pipe.predict([text])[0])


class Ours:
    """hotline.routing.model.TextClassifier behind the same tiny interface."""

    def __init__(self, texts: list[str], labels: list[str]) -> None:
        from hotline.routing.model import TextClassifier

        self.model = TextClassifier.train(texts, labels, seed=0)

    def predict_batch(self, texts: list[str]) -> list[str]:
        return self.model.predict_batch(texts)

    def predict_batch_one_process(self, texts: list[str]) -> list[str]:
        return self.model.predict_batch(texts, workers=1)

    def predict_one(self, text: str) -> str:
        return self.model.predict_topk(text, k=3)[0][0]


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (batch prediction may fork workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def near_dup_mask(train: list[str], test: list[str]) -> np.ndarray:
    """True for test rows with a near-duplicate in ``train``."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char", ngram_range=(3, 3), sublinear_tf=True).fit(train + test)
    sim = vec.transform(test) @ vec.transform(train).T
    return np.asarray(sim.max(axis=1).toarray()).ravel() >= NEAR_DUP_COSINE


def score(y_true: list[str], y_pred: list[str], keep: np.ndarray | None = None) -> tuple[float, float]:
    """(macro-F1, accuracy), optionally on the rows where ``keep`` is True."""
    from sklearn.metrics import accuracy_score, f1_score

    yt, yp = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    if keep is not None:
        yt, yp = yt[keep], yp[keep]
    return float(f1_score(yt, yp, average="macro")), float(accuracy_score(yt, yp))


def run_split(make: Callable[[list[str], list[str]], object], xtr: list[str], ytr: list[str],
              xte: list[str], yte: list[str], timing: bool) -> dict[str, float]:
    """Train on one split, score it, and (if ``timing``) measure latency and throughput."""
    t0, c0 = time.perf_counter(), cpu_seconds()
    model = make(xtr, ytr)
    train_s, train_cpu = time.perf_counter() - t0, cpu_seconds() - c0
    pred = model.predict_batch(xte)  # type: ignore[attr-defined]
    dup = near_dup_mask(xtr, xte)
    f1, acc = score(yte, pred)
    f1_nd, acc_nd = score(yte, pred, ~dup)
    out = {"f1": f1, "acc": acc, "f1_nodup": f1_nd, "acc_nodup": acc_nd, "train_s": train_s,
           "train_cpu": train_cpu, "n_dup": float(dup.sum())}
    if timing:
        for text in xte[:20]:
            model.predict_one(text)  # type: ignore[attr-defined]
        lat, cpu = [], []
        for text in xte:
            t, c = time.perf_counter(), time.thread_time()
            model.predict_one(text)  # type: ignore[attr-defined]
            lat.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
        t, c = time.perf_counter(), cpu_seconds()
        model.predict_batch(xte)  # type: ignore[attr-defined]
        out["batch_per_s"] = len(xte) / (time.perf_counter() - t)
        out["batch_per_cpu_s"] = len(xte) / max(cpu_seconds() - c, 1e-9)
        t, c = time.perf_counter(), cpu_seconds()
        model.predict_batch_one_process(xte)  # type: ignore[attr-defined]
        out["batch1_per_s"] = len(xte) / (time.perf_counter() - t)
        out["batch1_per_cpu_s"] = len(xte) / max(cpu_seconds() - c, 1e-9)
        out["p50_ms"] = float(np.median(lat))
        out["p99_ms"] = statistics.quantiles(lat, n=100, method="inclusive")[98]
        out["p50_cpu_ms"] = float(np.median(cpu))
        out["p99_cpu_ms"] = statistics.quantiles(cpu, n=100, method="inclusive")[98]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cv", action="store_true", help="held-out split only (about 1/5 of the time)")
    args = parser.parse_args()
    path = data_dir() / "messages_train.csv"
    if not path.is_file():
        print(f"routing bench: data not found at {path} (set HOTLINE_SHARED_DATA); nothing to do.")
        return 0

    import sklearn
    from sklearn.model_selection import StratifiedKFold, train_test_split

    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["text"].strip() and r["label"].strip()]
    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    print(f"date       {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine    {cpu_model()}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print(f"python     {platform.python_version()}, scikit-learn {sklearn.__version__}, "
          f"jieba {importlib.metadata.version('jieba')}, numpy {np.__version__}")
    print(f"data       {path} ({len(texts)} messages, {len(set(labels))} labels)\n")

    models: dict[str, Callable[[list[str], list[str]], object]] = {
        "baseline char1-2 TF-IDF+LinearSVC": Baseline, "ours (words+chars NB-SVM)": Ours}
    xtr, xte, ytr, yte = train_test_split(texts, labels, test_size=0.2, stratify=labels, random_state=0)
    held = {name: run_split(make, xtr, ytr, xte, yte, timing=True) for name, make in models.items()}
    n_dup = int(next(iter(held.values()))["n_dup"])
    print(f"Held-out 80/20 (train {len(xtr)}, test {len(xte)}; {n_dup} test rows have a near-duplicate in train)")
    print("(wall-clock figures, with CPU-time figures after the slash: on a shared machine the CPU")
    print(" figures are what the code costs, the wall figures what a user waited; batch/s is")
    print(" predict_batch as shipped, which splits a large batch over the cores, 1-proc/s the same")
    print(" in one process; batch CPU includes the forked workers)")
    print(f"{'model':38s} {'macro-F1':>8s} {'acc':>7s} {'F1 no-dup':>9s} {'train s':>13s} {'p50 ms':>13s} "
          f"{'p99 ms':>13s} {'batch/s':>11s} {'1-proc/s':>11s}")
    for name, r in held.items():
        print(f"{name:38s} {r['f1']:8.4f} {r['acc']:7.4f} {r['f1_nodup']:9.4f} "
              f"{r['train_s']:6.1f}/{r['train_cpu']:6.1f} {r['p50_ms']:6.2f}/{r['p50_cpu_ms']:6.2f} "
              f"{r['p99_ms']:6.2f}/{r['p99_cpu_ms']:6.2f} {r['batch_per_s']:5.0f}/{r['batch_per_cpu_s']:5.0f} "
              f"{r['batch1_per_s']:5.0f}/{r['batch1_per_cpu_s']:5.0f}",
              flush=True)
    if args.skip_cv:
        return 0

    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(labels)), labels))
    print("\n5-fold stratified CV (mean ± std over folds)")
    print(f"{'model':38s} {'macro-F1':>15s} {'acc':>15s} {'F1 no-dup':>15s} {'train s':>13s}")
    for name, make in models.items():
        res = []
        for tr, te in folds:
            res.append(run_split(make, [texts[i] for i in tr], [labels[i] for i in tr],
                                 [texts[i] for i in te], [labels[i] for i in te], timing=False))

        def ms(key: str, res: list[dict[str, float]] = res) -> str:
            v = [r[key] for r in res]
            return f"{np.mean(v):.4f} ± {np.std(v):.4f}"

        print(f"{name:38s} {ms('f1'):>15s} {ms('acc'):>15s} {ms('f1_nodup'):>15s} "
              f"{np.mean([r['train_s'] for r in res]):6.1f}/{np.mean([r['train_cpu'] for r in res]):6.1f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
