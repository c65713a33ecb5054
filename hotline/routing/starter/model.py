"""The starter model: hashed character and word features + a linear SVM over first-level labels.

Why hashed features: the model ships inside the package, and a vocabulary would be a list of the words
of the messages it learned from. A hashed feature is a bucket number (MurmurHash3 of a character n-gram
or a jieba word, modulo ``N_FEATURES``): one-way, so the files hold numbers and the label names only
(a unit test checks). The buckets' IDF weights and the SVM's coefficients are stored for the buckets
seen in at least two training messages, as float16, and a softmax temperature fitted on out-of-fold
scores makes the probabilities mean what they say.

Rebuilt by ``hotline routing build-starter`` (``hotline.routing.cli``); read lazily, once per process,
by :func:`get_starter`.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from hotline.routing.features import normalize_text, word_tokens

HERE = Path(__file__).resolve().parent
N_FEATURES = 2**18  # buckets per block (characters, words)
CHAR_NGRAMS = (1, 2)
MIN_DF = 2  # a bucket seen in fewer training messages gets weight 0 (and is not stored)
SVM_C = 1.0
CV_FOLDS = 5
HEAD_CHARS, TAIL_CHARS = 700, 300  # as the routing classifier cuts long messages (same jieba cache)
FORMAT = 1


def prepare(text: str) -> str:
    """Normalised text, long ones cut to their first 700 and last 300 characters (as ``Featurizer``)."""
    norm = normalize_text(text)
    if len(norm) > HEAD_CHARS + TAIL_CHARS:
        norm = norm[:HEAD_CHARS] + "。" + norm[len(norm) - TAIL_CHARS:]
    return norm


def _vectorizers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import HashingVectorizer

    common: dict[str, Any] = {"n_features": N_FEATURES, "alternate_sign": False, "norm": None,
                              "lowercase": False, "dtype": np.float64}
    return (HashingVectorizer(analyzer="char", ngram_range=CHAR_NGRAMS, **common),
            HashingVectorizer(analyzer=word_tokens, **common))


def _counts(texts: list[str]) -> sp.csr_matrix:
    """Raw bucket counts, characters in columns [0, N), words in [N, 2N)."""
    chars, words = _vectorizers()
    return sp.hstack([chars.transform(texts), words.transform(texts)]).tocsr()


def _weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """1 + log(count), times IDF, each block L2-normalised on its own."""
    x = counts.copy().astype(np.float64)
    x.data = 1.0 + np.log(x.data)
    x = (x @ sp.diags(idf)).tocsr()
    out = []
    for lo in (0, N_FEATURES):
        block = x[:, lo:lo + N_FEATURES]
        norm = np.sqrt(np.asarray(block.multiply(block).sum(axis=1)).ravel())
        norm[norm == 0] = 1.0
        out.append(sp.diags(1.0 / norm) @ block)
    return sp.hstack(out).tocsr()


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0
    idf[df < MIN_DF] = 0.0
    return idf


def _fit(counts: sp.csr_matrix, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.svm import LinearSVC

    idf = _idf(counts)
    svm = LinearSVC(C=SVM_C, random_state=seed).fit(_weigh(counts, idf), y)
    return idf, svm.coef_, svm.intercept_


@dataclass
class BuildResult:
    model: StarterModel
    cv_macro_f1: float
    cv_accuracy: float
    n_train: int


class StarterModel:
    """Probabilities of the first-level labels for one message, from the stored arrays."""

    def __init__(self, *, labels: list[str], index: np.ndarray, idf: np.ndarray, coef: np.ndarray,
                 intercept: np.ndarray, temperature: float, meta: dict[str, Any]) -> None:
        self.labels = labels
        self.meta = meta
        self.temperature = float(temperature)
        self._index, self._idf16, self._coef16 = index, idf, coef
        self._intercept = intercept.astype(np.float64)
        # dense lookups over the 2N buckets, built once at load (a few MB)
        self._idf = np.zeros(2 * N_FEATURES, dtype=np.float64)
        self._idf[index] = idf.astype(np.float64)
        self._w = np.zeros((2 * N_FEATURES, len(labels)), dtype=np.float32)
        self._w[index] = coef.astype(np.float32).T
        self._lock = threading.Lock()
        self._vec: tuple[Any, Any] | None = None

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "starter"))

    # ------------------------------------------------------------------ prediction
    def scores(self, texts: list[str]) -> np.ndarray:
        """SVM margins (n_texts, n_labels) of raw message texts."""
        x = _weigh(_counts([prepare(t) for t in texts]), self._idf)
        return np.asarray(x @ self._w, dtype=np.float64) + self._intercept

    def predict_proba(self, text: str) -> dict[str, float]:
        """Label → calibrated probability for one message (about a millisecond; no sparse matrices)."""
        if self._vec is None:
            with self._lock:
                self._vec = self._vec or _vectorizers()
        norm = prepare(text)
        z = self._intercept.copy()
        for offset, vectorizer in zip((0, N_FEATURES), self._vec, strict=True):
            counts = vectorizer.transform([norm])
            cols = counts.indices.astype(np.int64) + offset
            vals = (1.0 + np.log(counts.data)) * self._idf[cols]
            n = math.sqrt(float(vals @ vals))
            if n > 0:
                z += (vals / n) @ self._w[cols]
        return dict(zip(self.labels, _softmax(z / self.temperature).tolist(), strict=True))

    # ------------------------------------------------------------------ files
    def save(self, out: Path) -> None:
        """``starter.npz`` (numbers and the label names) and ``starter.json`` (parameters, figures)."""
        out.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out / "starter.npz", labels=np.array(self.labels, dtype=np.str_),
                            index=self._index.astype(np.int32), idf=self._idf16.astype(np.float16),
                            coef=self._coef16.astype(np.float16), intercept=self._intercept.astype(np.float32),
                            temperature=np.float32(self.temperature))
        (out / "starter.json").write_text(json.dumps(self.meta, ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")

    @classmethod
    def load(cls, folder: Path = HERE) -> StarterModel:
        meta = json.loads((folder / "starter.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("n_features") != N_FEATURES:
            raise ValueError(f"starter model format {meta.get('format')} / n_features {meta.get('n_features')} "
                             f"is not what this code reads ({FORMAT} / {N_FEATURES})")
        with np.load(folder / "starter.npz", allow_pickle=False) as z:
            return cls(labels=[str(v) for v in z["labels"]], index=z["index"].astype(np.int64), idf=z["idf"],
                       coef=z["coef"], intercept=z["intercept"], temperature=float(z["temperature"]),
                       meta=meta)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- building


def read_rows(path: Path, *, rows: str = "even", text_column: str = "text", label_column: str = "label"
              ) -> tuple[list[str], list[str]]:
    """Texts (two characters or more) and labels of a CSV; ``rows="even"``: only the dev half, so the odd
    rows stay an unseen test half (``routing.model.read_labelled_csv``)."""
    from hotline.routing.model import read_labelled_csv

    if rows not in ("even", "all"):
        raise ValueError(f"rows 须为 even 或 all / rows must be even or all: {rows!r}")
    texts, labels = read_labelled_csv(path, text_column, label_column, rows=rows)
    kept = [(t, lab) for t, lab in zip(texts, labels, strict=True) if len(t) >= 2]
    return [t for t, _ in kept], [lab for _, lab in kept]


def build(texts: list[str], labels: list[str], *, seed: int = 0, source: str = "") -> BuildResult:
    """Fit on every message; the CV figures and the temperature come from ``CV_FOLDS`` out-of-fold scores.

    Deterministic: the folds and the SVM use ``seed``; the hashing has no state."""
    import sklearn
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    from hotline.routing.model import _fit_temperature

    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError(f"至少需要两个类别 / need at least 2 labels, got {len(classes)}")
    y = np.array([classes.index(v) for v in labels])
    counts = _counts([prepare(t) for t in texts])
    oof = np.zeros((len(y), len(classes)))
    folds = StratifiedKFold(min(CV_FOLDS, int(np.bincount(y).min())), shuffle=True, random_state=seed)
    for tr, te in folds.split(np.zeros(len(y)), y):
        idf, coef, intercept = _fit(counts[tr], y[tr], seed)
        oof[te] = np.asarray(_weigh(counts[te], idf) @ coef.T) + intercept
    temperature = _fit_temperature(oof, y)
    pred = oof.argmax(axis=1)
    cv_f1 = float(f1_score(y, pred, average="macro"))
    cv_acc = float(accuracy_score(y, pred))
    idf, coef, intercept = _fit(counts, y, seed)
    keep = np.flatnonzero(idf > 0)
    import jieba

    digest = hashlib.sha256()
    for t, lab in zip(texts, labels, strict=True):
        digest.update(t.encode("utf-8") + b"\x1f" + lab.encode("utf-8") + b"\x1e")
    meta = {
        "format": FORMAT, "version": f"starter-{digest.hexdigest()[:10]}",
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "source": source,
        "n_train": len(texts), "per_label": {c: int(n) for c, n in zip(classes, np.bincount(y), strict=True)},
        "features": "MurmurHash3 buckets (sklearn HashingVectorizer, alternate_sign=False) of character 1-2-grams "
                    "and jieba words (HMM off) of the normalised text (first 700 + last 300 characters), "
                    "1+log(count) x IDF, each block L2-normalised",
        "n_features": N_FEATURES, "char_ngrams": list(CHAR_NGRAMS), "min_df": MIN_DF,
        "classifier": f"LinearSVC one-vs-rest, C={SVM_C}, random_state={seed}; softmax temperature on "
                      f"{folds.get_n_splits()}-fold out-of-fold scores",
        "stored_buckets": int(len(keep)), "temperature": round(temperature, 6),
        "cv_macro_f1": round(cv_f1, 4), "cv_accuracy": round(cv_acc, 4), "cv_folds": folds.get_n_splits(),
        "sklearn": sklearn.__version__, "numpy": np.__version__, "jieba": jieba.__version__,
    }
    model = StarterModel(labels=classes, index=keep, idf=idf[keep].astype(np.float16),
                         coef=coef[:, keep].astype(np.float16), intercept=intercept, temperature=temperature,
                         meta=meta)
    return BuildResult(model, cv_f1, cv_acc, len(texts))


# ---------------------------------------------------------------------- the shipped one, once per process

_LOADED: dict[str, StarterModel | None] = {}
_LOAD_LOCK = threading.Lock()


def get_starter() -> StarterModel | None:
    """The starter model (``HOTLINE_ROUTING_STARTER_DIR``, else the shipped one), loaded on first use and
    kept for the process; None when its files are missing."""
    from hotline.config import get_settings

    folder = get_settings().routing_starter_dir or HERE
    key = str(folder)
    if key not in _LOADED:
        with _LOAD_LOCK:
            if key not in _LOADED:
                try:
                    _LOADED[key] = StarterModel.load(Path(folder))
                except FileNotFoundError:
                    _LOADED[key] = None
    return _LOADED[key]
