"""Text features for the routing classifier: jieba words + character n-grams.

Why two views: citizen messages are short, informal and full of place names,
typos and unit names that jieba splits inconsistently. Character 1–2-grams
are robust to segmentation errors and unknown words; jieba words add the
meaning of multi-character terms (社保, 拆迁, 噪音 …). On the Teddy Cup 2020 C
data the two views together beat either alone (see docs/routing.md).
"""

from __future__ import annotations

import logging
import operator
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import repeat
from math import log

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

_JIEBA_LOCK = threading.Lock()
_JIEBA_READY = False
_SPACE = re.compile(r"\s+")
# A term made only of punctuation, symbols or spaces explains nothing to an operator.
_NOISE_TERM = re.compile(r"^[\W_]+$")
# jieba 0.42's own block and single-letter patterns (re_han_default, re_eng), so that
# `_segment` cuts exactly where `jieba.lcut(text, HMM=False)` does.
_HAN_BLOCK = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
_ENG_CHAR = re.compile("[a-zA-Z0-9]")


def _jieba():  # type: ignore[no-untyped-def]
    """jieba, initialised once per process with its chatty logging silenced.

    Why: jieba prints "Building prefix dict…" on first use and loads its
    dictionary lazily; doing it once under a lock keeps logs clean and makes
    the first prediction in a worker no slower than the rest after warm-up.
    """
    global _JIEBA_READY
    import jieba

    if not _JIEBA_READY:
        with _JIEBA_LOCK:
            if not _JIEBA_READY:
                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.initialize()
                _JIEBA_READY = True
    return jieba


def normalize_text(text: str) -> str:
    """NFKC-normalise (full-width → half-width), lower-case Latin, squeeze spaces.

    Why: the same message arrives typed on phones, pasted from Word or
    transcribed by call-takers; full-width digits and letters must not become
    different features.
    """
    text = unicodedata.normalize("NFKC", text or "")
    return _SPACE.sub(" ", text).strip().lower()


def _cut_block(block: str, freq: dict[str, int], logtotal: float) -> list[str]:
    """jieba's precise-mode cut of one block without HMM: the most probable path through the dictionary.

    Why our own loop: it is jieba's ``get_DAG`` + ``calc`` + ``__cut_DAG_NO_HMM``
    fused into one backward pass over the same dictionary, with the same
    arithmetic and the same tie rule (the longer word wins), so the tokens are
    identical (a unit test compares it with ``jieba.lcut``), but without the
    intermediate DAG dict and generator-based ``max``: about 2× faster, and
    segmentation is most of the cost of a prediction.
    """
    n = len(block)
    get = freq.get
    score = [0.0] * (n + 1)
    end = list(range(n))
    for k in range(n - 1, -1, -1):
        best: float | None = None
        i = k
        frag = block[k]
        while True:
            f = get(frag)
            if f is None:  # not even a prefix of a dictionary word
                break
            if f:  # a word, not only a prefix
                s = log(f) - logtotal + score[i + 1]
                if best is None or s >= best:
                    best = s
                    end[k] = i
            i += 1
            if i >= n:
                break
            frag = block[k : i + 1]
        score[k] = (0.0 - logtotal + score[k + 1]) if best is None else best
    out: list[str] = []
    buf = ""
    x = 0
    while x < n:
        y = end[x] + 1
        if y == x + 1 and _ENG_CHAR.match(block[x]):
            buf += block[x]  # jieba glues runs of single Latin letters / digits
        else:
            if buf:
                out.append(buf)
                buf = ""
            out.append(block[x:y])
        x = y
    if buf:
        out.append(buf)
    return out


def _segment(text: str) -> list[str]:
    """Tokens of ``jieba.lcut(text, HMM=False)`` without the white-space tokens."""
    dt = _jieba().dt
    freq, logtotal = dt.FREQ, log(dt.total)
    out: list[str] = []
    for block in _HAN_BLOCK.split(text):
        if not block:
            continue
        if _HAN_BLOCK.match(block):
            out.extend(_cut_block(block, freq, logtotal))
        else:  # punctuation and other symbols: one token per character, spaces dropped
            out.extend(c for c in block if not c.isspace())
    return out


def word_tokens(text: str) -> list[str]:
    """jieba (precise mode, HMM off) tokens of an already-normalised text, spaces dropped.

    Why HMM off: the HMM only guesses words missing from jieba's dictionary,
    which the character n-gram block covers anyway; turning it off halves
    segmentation time (the bulk of prediction cost) for −0.001 macro-F1 in
    cross-validation (docs/routing.md). Why :func:`_segment` instead of
    ``jieba.lcut``: same tokens, half the time. Module-level (not a lambda)
    so that a fitted vectorizer pickles.  The last texts' tokens are kept (``_cached_segment``): one
    intake suggestion featurizes the same draft for the category model, its explanation and the
    unit model.
    """
    return list(_cached_segment(text))


@lru_cache(maxsize=256)
def _cached_segment(text: str) -> tuple[str, ...]:
    return tuple(_segment(text))


def _char_ngrams(text: str) -> list[str]:
    """Character 1- and 2-grams exactly as sklearn's ``analyzer="char"``, ``ngram_range=(1, 2)``."""
    text = _SPACE.sub(" ", text)
    return [*text, *map(operator.add, text, text[1:])]


class Featurizer:
    """Two TF-IDF blocks (jieba words, characters 1–2) stacked side by side.

    Each block is L2-normalised on its own and then weighted, so neither view
    dominates just because it has more non-zero entries.
    """

    # Class-level defaults so that models pickled before these settings existed load unchanged.
    head_chars = 0
    tail_chars = 0

    def __init__(self, *, word_weight: float = 1.0, char_weight: float = 1.0, min_df: int = 2,
                 head_chars: int = 0, tail_chars: int = 0) -> None:
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.head_chars = head_chars
        self.tail_chars = tail_chars
        self.word = TfidfVectorizer(
            analyzer=word_tokens, min_df=min_df, sublinear_tf=True, lowercase=False, dtype=np.float32
        )
        self.char = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, lowercase=False,
            dtype=np.float32,
        )
        self._names: np.ndarray | None = None

    def _prepare(self, text: str) -> str:
        """Normalised text, cut to its first ``head_chars`` and last ``tail_chars`` characters when longer.

        Why: segmentation time grows with length, and the long tail (8.5% of
        messages are over 1,000 characters, holding 37% of all characters)
        repeats what its opening already says (who, where, what) before the
        closing request. Keeping the head and the tail cost no macro-F1 in
        cross-validation (docs/routing.md) and bounds the worst-case latency.
        0 / 0 keeps the whole text.
        """
        norm = normalize_text(text)
        head, tail = self.head_chars, self.tail_chars
        if head and len(norm) > head + tail:
            norm = norm[:head] + "。" + norm[len(norm) - tail:] if tail else norm[:head]
        return norm

    def fit(self, texts: Sequence[str], idf_texts: Sequence[str] = ()) -> Featurizer:
        """Learn vocabularies and IDF from ``texts`` plus optional unlabeled ``idf_texts``.

        Why unlabeled texts here: IDF is unsupervised, so more messages of the
        same kind give steadier term weights without touching any label.
        """
        corpus = [self._prepare(t) for t in [*texts, *idf_texts]]
        self.word.fit(corpus)
        self.char.fit(corpus)
        self._names = None
        return self

    def fit_transform(self, texts: Sequence[str], idf_texts: Sequence[str] = ()) -> sp.csr_matrix:
        """``fit`` then the rows of ``texts`` only, segmenting each message once.

        Why: jieba dominates training time; fitting and transforming in one
        pass halves it.
        """
        corpus = [self._prepare(t) for t in [*texts, *idf_texts]]
        words = self.word.fit_transform(corpus)[: len(texts)] * self.word_weight
        chars = self.char.fit_transform(corpus)[: len(texts)] * self.char_weight
        self._names = None
        return sp.hstack([words, chars], format="csr")

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """Sparse feature rows for ``texts`` (float32 CSR)."""
        norm = [self._prepare(t) for t in texts]
        blocks = [
            self.word.transform(norm) * self.word_weight,
            self.char.transform(norm) * self.char_weight,
        ]
        return sp.hstack(blocks, format="csr")

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, values) of one message's feature row, without sklearn's overhead.

        Why: ``TfidfVectorizer.transform`` spends most of a single-message
        call on input validation; this mirrors its arithmetic exactly
        (counts → 1 + log tf → × idf → L2 per block → × weight) in plain
        Python, which keeps an interactive suggestion to a few milliseconds.
        A unit test checks it against ``transform``.
        """
        norm = self._prepare(text)
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        offset = 0
        for vec, weight, terms in (
            (self.word, self.word_weight, word_tokens(norm)),
            (self.char, self.char_weight, _char_ngrams(norm)),
        ):
            vocab = vec.vocabulary_
            counts = Counter(terms)
            # Column of each distinct term (-1: not in the vocabulary), all in C loops.
            idx = np.fromiter(map(vocab.get, counts.keys(), repeat(-1)), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            known = idx >= 0
            if known.any():
                idx, tf = idx[known], tf[known]
                v = (1.0 + np.log(tf)) * vec.idf_[idx]
                v *= weight / np.sqrt(np.dot(v, v))
                cols.append(idx + offset)
                vals.append(v)
            offset += len(vocab)
        if not cols:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(cols), np.concatenate(vals)

    @property
    def n_features(self) -> int:
        """Total width of the stacked feature space."""
        return len(self.word.vocabulary_) + len(self.char.vocabulary_)

    def names(self) -> np.ndarray:
        """The human-readable term behind each column (word block first, then chars)."""
        if self._names is None:
            self._names = np.concatenate(
                [self.word.get_feature_names_out(), self.char.get_feature_names_out()]
            ).astype(object)
        return self._names

    @staticmethod
    def is_noise(term: str) -> bool:
        """True for terms an operator cannot read as a reason (punctuation, blanks)."""
        return not term.strip() or bool(_NOISE_TERM.match(term))

    def __getstate__(self) -> dict[str, object]:
        """Do not pickle the cached name array: it is rebuilt on demand."""
        state = self.__dict__.copy()
        state["_names"] = None
        return state
