"""The learned text classifier behind intelligent routing (智能分拨).

A citizen's message goes in; the most likely categories (or handling units)
come out, best first, with calibrated probabilities and the words that drove
the choice, so that an operator can accept the suggestion or overrule it.

Method (why, in short; figures in docs/routing.md): TF-IDF over jieba words
and character 1–2-grams (long messages cut to their first 700 and last 300
characters), one-vs-rest linear SVMs on naive-Bayes-scaled features (NB-SVM)
blended with plain SVMs on the same features, and a single softmax
temperature fitted on cross-validated scores so that the reported
probabilities mean what they say. On the Teddy Cup 2020 C messages this was
the best of the CPU-cheap methods we tried, trains in well under a minute on
two cores, answers a single message in about a millisecond and classifies
large batches on all cores.

Labels are arbitrary strings: a city may train on its own categories or on
unit codes.
"""

from __future__ import annotations

import csv
import hashlib
import multiprocessing
import os
import statistics
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from hotline.routing.features import Featurizer

_FORMAT = 1
_SVM_C = 1.0
# Weight of the plain (unscaled) SVM added to the NB-SVM scores: +0.5 point of
# macro-F1 in cross-validation (docs/routing.md, "what we tried").
_PLAIN_WEIGHT = 0.5
# Longer messages keep their first _HEAD_CHARS and last _TAIL_CHARS characters
# (Featurizer._prepare): bounded segmentation time, no macro-F1 lost in CV.
_HEAD_CHARS = 700
_TAIL_CHARS = 300
_CALIBRATION_FOLDS = 3


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of ``scores / temperature`` (numerically stable)."""
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_temperature(scores: np.ndarray, y_idx: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of held-out scores.

    Why one scalar: SVM margins rank well but are not probabilities; a single
    temperature keeps the ranking (so accuracy is untouched) and is too small
    a model to over-fit a few thousand messages. A golden-section search on
    log T is enough and needs no extra dependency.
    """
    rows = np.arange(len(y_idx))

    def nll(log_t: float) -> float:
        p = _softmax(scores, float(np.exp(log_t)))
        return float(-np.log(np.clip(p[rows, y_idx], 1e-12, None)).mean())

    lo, hi = np.log(0.01), np.log(10.0)
    g = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(b)
    return float(np.exp((lo + hi) / 2.0))


class NBSVM:
    """One-vs-rest linear SVMs on naive-Bayes-scaled features (Wang & Manning, 2012).

    Why: scaling each feature by its log-count ratio (how much more often it
    occurs in the label's messages than in the others) before the SVM lets a
    few strongly indicative terms (社保, 噪音, 公积金 …) count for more. It was
    the single largest gain over a plain LinearSVC in our cross-validation.
    Because score = w·(r∘x) + b = (w∘r)·x + b, the fitted model is stored as
    one ordinary coefficient matrix, so prediction and explanations stay a
    dot product.
    """

    def __init__(self, C: float = 1.0, alpha: float = 1.0, random_state: int = 0, plain_weight: float = 0.0) -> None:
        self.C = C
        self.alpha = alpha
        self.random_state = random_state
        self.plain_weight = plain_weight

    def fit(self, x: sp.csr_matrix, y: np.ndarray) -> NBSVM:
        """Fit one binary SVM per label; ``coef_`` rows follow ``classes_``.

        With ``plain_weight`` > 0 a second binary SVM per label is fitted on the
        unscaled features and its scores are added with that weight. Why: the
        NB scaling sharpens a few strong terms, the plain SVM spreads weight
        over many weak ones; their errors differ, and the blend beat either
        alone in cross-validation. Both are linear, so the blend is still one
        coefficient matrix and costs nothing at prediction time.
        """
        self.classes_ = np.array(sorted(set(y.tolist())), dtype=object)
        present = (x > 0).astype(np.float64)
        coef = np.zeros((len(self.classes_), x.shape[1]))
        intercept = np.zeros(len(self.classes_))
        for i, label in enumerate(self.classes_):
            mask = y == label
            p = np.asarray(present[mask].sum(axis=0)).ravel() + self.alpha
            q = np.asarray(present[~mask].sum(axis=0)).ravel() + self.alpha
            ratio = np.log((p / p.sum()) / (q / q.sum()))
            svm = LinearSVC(C=self.C, random_state=self.random_state)
            svm.fit(x @ sp.diags(ratio), mask)
            coef[i] = svm.coef_[0] * ratio
            intercept[i] = svm.intercept_[0]
            if self.plain_weight:
                plain = LinearSVC(C=self.C, random_state=self.random_state).fit(x, mask)
                coef[i] += self.plain_weight * plain.coef_[0]
                intercept[i] += self.plain_weight * plain.intercept_[0]
        self.coef_ = coef
        self.intercept_ = intercept
        return self

    def decision_function(self, x: sp.csr_matrix) -> np.ndarray:
        """Scores (n_samples, n_classes): higher means more likely."""
        return np.asarray(x @ self.coef_.T) + self.intercept_


# A batch at least this large is split across processes (see TextClassifier.predict_batch).
_PARALLEL_MIN = 200
_worker_model: TextClassifier | None = None


def _batch_workers(n_texts: int) -> int:
    """How many processes (this one included) should share a batch of ``n_texts``.

    Why these conditions: forking costs tens of milliseconds, so only batches
    of at least ``_PARALLEL_MIN`` texts (at least 100 per process) are split;
    ``fork`` is POSIX-only; and forking a process that runs other threads can
    deadlock the child on a lock one of them held.
    """
    if n_texts < _PARALLEL_MIN or threading.active_count() > 1:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, n_texts // (_PARALLEL_MIN // 2)))


def _set_worker_model(model: TextClassifier) -> None:
    """Pool initializer: the model, inherited through ``fork`` rather than pickled."""
    global _worker_model
    _worker_model = model


def _worker_predict(texts: list[str]) -> list[int]:
    """Best-label indices for a share of a batch, in a worker process."""
    assert _worker_model is not None
    return _worker_model._predict_indices(texts)


def _scores(clf: NBSVM, x: Any) -> np.ndarray:
    """Decision scores as (n_samples, n_classes)."""
    return np.asarray(clf.decision_function(x), dtype=np.float64)


class TextClassifier:
    """A trained message → label classifier; create with :meth:`train` or :meth:`load`."""

    version: str
    labels: list[str]

    def __init__(self, featurizer: Featurizer, clf: NBSVM, temperature: float, version: str) -> None:
        self._featurizer = featurizer
        self._clf = clf
        self._temperature = temperature
        self.labels = [str(c) for c in clf.classes_]
        self.version = version
        self._explained: tuple[str, Any] | None = None  # the last text ``explain`` featurized, and its row

    # ------------------------------------------------------------------ training
    @classmethod
    def train(
        cls,
        texts: list[str],
        labels: list[str],
        *,
        unlabeled: list[str] | None = None,
        seed: int = 0,
    ) -> TextClassifier:
        """Fit a model on labelled ``texts``; ``unlabeled`` messages only refine IDF weights.

        Why unlabeled is used so sparingly: we also tried self-training and
        LSA on the unlabeled messages; neither beat this in cross-validation
        (docs/routing.md), and pseudo-labels can drift a city's categories.
        """
        if len(texts) != len(labels):
            raise ValueError(f"texts 与 labels 数量不一致 / texts and labels differ in length: "
                             f"{len(texts)} != {len(labels)}")
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise ValueError(f"至少需要两个类别 / need at least 2 labels, got {len(classes)}")
        featurizer = Featurizer(head_chars=_HEAD_CHARS, tail_chars=_TAIL_CHARS)
        x = featurizer.fit_transform(list(texts), list(unlabeled or ()))
        y = np.asarray(labels, dtype=object)
        clf = NBSVM(C=_SVM_C, random_state=seed, plain_weight=_PLAIN_WEIGHT).fit(x, y)
        temperature = cls._calibrate(x, y, classes, seed)
        digest = hashlib.sha256()
        for t, lab in zip(texts, labels, strict=True):
            digest.update(t.encode("utf-8") + b"\x1f" + lab.encode("utf-8") + b"\x1e")
        digest.update(f"C={_SVM_C};plain={_PLAIN_WEIGHT};cap={_HEAD_CHARS}+{_TAIL_CHARS};seed={seed};"
                      f"n_unlabeled={len(unlabeled or ())}".encode())
        version = f"tfidf-nbsvm-{datetime.now(UTC):%Y%m%d}-{digest.hexdigest()[:10]}"
        return cls(featurizer, clf, temperature, version)

    @staticmethod
    def _calibrate(x: Any, y: np.ndarray, classes: list[str], seed: int) -> float:
        """Softmax temperature from out-of-fold SVM scores (1.0 when data are too few)."""
        counts = np.unique(y, return_counts=True)[1]
        folds = min(_CALIBRATION_FOLDS, int(counts.min()))
        if folds < 2:
            return 1.0
        index = {c: i for i, c in enumerate(classes)}
        y_idx = np.array([index[v] for v in y])
        oof = np.zeros((len(y), len(classes)))
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
        for tr, te in splitter.split(np.zeros(len(y)), y):
            fold = NBSVM(C=_SVM_C, random_state=seed, plain_weight=_PLAIN_WEIGHT).fit(x[tr], y[tr])
            cols = [index[str(c)] for c in fold.classes_]
            oof[np.ix_(te, cols)] = _scores(fold, x[te])
        return _fit_temperature(oof, y_idx)

    # ---------------------------------------------------------------- prediction
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in ``self.labels`` order."""
        return _softmax(_scores(self._clf, self._featurizer.transform(texts)), self._temperature)

    def predict_topk(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most likely labels for one message, best first, with probabilities."""
        if k < 1:
            raise ValueError(f"k 必须 ≥ 1 / k must be at least 1, got {k}")
        idx, val = self._featurizer.transform_one(text)
        raw = self._clf.coef_[:, idx] @ val + self._clf.intercept_
        p = _softmax(raw[None, :], self._temperature)[0]
        order = np.argsort(-p, kind="stable")[:k]
        return [(self.labels[i], float(p[i])) for i in order]

    def predict_batch(self, texts: list[str], *, workers: int | None = None) -> list[str]:
        """The best label for each message.

        Why a loop over the single-message path: segmentation dominates the
        cost either way, and sklearn's batch ``transform`` measured ~50% more
        CPU per message than :meth:`Featurizer.transform_one`.

        Why several processes for a large batch: the work is pure Python
        (GIL-bound), so threads would not help; a batch of at least
        ``_PARALLEL_MIN`` texts is dealt out, interleaved, to forked worker
        processes that inherit the model (nothing is pickled but the texts and
        the answers) while this process works on its own share. Small calls,
        platforms without ``fork`` and multi-threaded processes (a web
        server: forking there can deadlock) stay in this process.
        ``workers`` overrides the automatic choice (1: never fork).
        """
        n = _batch_workers(len(texts)) if workers is None else max(1, min(workers, len(texts)))
        if n > 1:
            try:
                best = self._predict_parallel(list(texts), n)
            except (OSError, BrokenProcessPool):  # no fork possible here: do it ourselves
                best = self._predict_indices(texts)
        else:
            best = self._predict_indices(texts)
        return [self.labels[i] for i in best]

    def _predict_indices(self, texts: Sequence[str]) -> list[int]:
        """Index (into ``labels``) of the best label of each text, in this process."""
        coef, intercept = self._clf.coef_, self._clf.intercept_
        out = []
        for text in texts:
            idx, val = self._featurizer.transform_one(text)
            out.append(int(np.argmax(coef[:, idx] @ val + intercept)))
        return out

    def _predict_parallel(self, texts: list[str], n: int) -> list[int]:
        """:meth:`_predict_indices` with ``texts`` dealt round-robin to ``n`` processes (this one included).

        Round-robin rather than contiguous slices so that long messages, which
        cost the most, are spread evenly.
        """
        shares = [texts[i::n] for i in range(n)]
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(n - 1, mp_context=ctx, initializer=_set_worker_model, initargs=(self,)) as pool:
            futures = [pool.submit(_worker_predict, share) for share in shares[1:]]
            results = [self._predict_indices(shares[0]), *(f.result() for f in futures)]
        out = [0] * len(texts)
        for i, result in enumerate(results):
            out[i::n] = result
        return out

    def explain(self, text: str, label: str, n: int = 5) -> list[str]:
        """Terms in ``text`` that pushed the score of ``label`` up the most, strongest first.

        Why this definition: for a linear model the score is a sum over the
        message's terms of tf-idf × weight, so each term's share is exact, not
        an approximation. Terms of two or more characters come first (single
        characters only fill up), and a term overlapping one already listed is
        skipped so operators see distinct reasons.
        """
        if label not in self.labels:
            raise ValueError(f"未知类别 / unknown label: {label}")
        # one suggestion explains several branches of the same text: featurize it once
        last = self._explained
        if last is not None and last[0] == text:
            x = last[1]
        else:
            x = self._featurizer.transform([text])
            self._explained = (text, x)
        w = self._clf.coef_[self.labels.index(label)]
        contrib = x.data * w[x.indices]
        names = self._featurizer.names()
        ranked = [
            str(names[x.indices[j]]) for j in np.argsort(-contrib, kind="stable") if contrib[j] > 0
        ]
        ranked = [t for t in ranked if not Featurizer.is_noise(t)]
        # Words and bigrams read as reasons; single characters only fill up.
        out: list[str] = []
        for term in [t for t in ranked if len(t) > 1] + [t for t in ranked if len(t) == 1]:
            if len(out) >= n:
                break
            if not any(term in kept or kept in term for kept in out):
                out.append(term)
        return out

    # ------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> None:
        """Write the model to one file (joblib). Load only files you produced: it is a pickle."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(
            {
                "format": _FORMAT,
                "version": self.version,
                "featurizer": self._featurizer,
                "clf": self._clf,
                "temperature": self._temperature,
            },
            path,
            compress=3,
        )

    @classmethod
    def load(cls, path: str | Path) -> TextClassifier:
        """Read a model written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"找不到模型文件 / model file not found: {path}")
        state = joblib.load(path)
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise ValueError(f"不是可识别的模型文件 / not a routing model file: {path}")
        return cls(state["featurizer"], state["clf"], float(state["temperature"]), str(state["version"]))


# --------------------------------------------------------------------- evaluate
def read_labelled_csv(path: str | Path, text_column: str = "text", label_column: str = "label", *,
                      rows: str = "all") -> tuple[list[str], list[str]]:
    """Texts and labels from a UTF-8 CSV (BOM tolerated); rows with a blank text or label are skipped.
    ``rows="even"``: only the data rows 0, 2, 4 … (counted before blank rows are skipped), the dev half
    the starter model learns from (bench/routing_dayone.py splits the same way).

    Raises ``ValueError`` (bilingual) for a missing file or column, so the CLI
    can show the reason instead of a traceback.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"找不到文件 / file not found: {path}")
    texts: list[str] = []
    labels: list[str] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        for col in (text_column, label_column):
            if col not in fields:
                raise ValueError(f"找不到列 {col} / column not found: {col} (in {path}; columns: {fields})")
        for i, row in enumerate(reader):
            if rows == "even" and i % 2:
                continue
            text = (row.get(text_column) or "").strip()
            label = (row.get(label_column) or "").strip()
            if text and label:
                texts.append(text)
                labels.append(label)
    return texts, labels


def evaluate(train_csv: str, test_csv: str, *, text_column: str = "text", label_column: str = "label") -> dict:
    """Train a fresh model on ``train_csv`` only and measure it on ``test_csv``.

    Returns ``macro_f1``, ``accuracy``, ``per_class`` (label → F1), ``n_train``,
    ``n_test``, ``train_seconds``, ``p50_ms`` / ``p99_ms`` (single-message
    :meth:`TextClassifier.predict_topk` latency after warm-up) and
    ``batch_per_s`` (:meth:`TextClassifier.predict_batch` throughput).
    """
    train_texts, train_labels = read_labelled_csv(train_csv, text_column, label_column)
    test_texts, test_labels = read_labelled_csv(test_csv, text_column, label_column)
    if len(set(train_labels)) < 2:
        raise ValueError(f"训练集至少需要两个类别 / training data needs at least 2 labels: {train_csv}")
    if not test_texts:
        raise ValueError(f"测试集为空 / test data has no labelled rows: {test_csv}")

    start = time.perf_counter()
    model = TextClassifier.train(train_texts, train_labels)
    train_seconds = time.perf_counter() - start

    for text in test_texts[:20]:  # warm-up: caches, lazy imports, CPU frequency
        model.predict_topk(text)
    latencies = []
    for text in test_texts:
        t0 = time.perf_counter()
        model.predict_topk(text)
        latencies.append((time.perf_counter() - t0) * 1000.0)
    t0 = time.perf_counter()
    predicted = model.predict_batch(test_texts)
    batch_seconds = time.perf_counter() - t0

    present = sorted(set(test_labels) | set(predicted))
    per_class = f1_score(test_labels, predicted, labels=present, average=None, zero_division=0)
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {
        "macro_f1": float(f1_score(test_labels, predicted, labels=present, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(test_labels, predicted)),
        "per_class": {lab: float(f) for lab, f in zip(present, per_class, strict=True)},
        "n_train": len(train_texts),
        "n_test": len(test_texts),
        "train_seconds": round(train_seconds, 3),
        "p50_ms": round(float(np.median(latencies)), 3),
        "p99_ms": round(float(quantiles[98]), 3),
        "batch_per_s": round(len(test_texts) / max(batch_seconds, 1e-9), 1),
    }
