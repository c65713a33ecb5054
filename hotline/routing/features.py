"""Text features for the routing classifier: jieba words + character n-grams.

Why two views: citizen messages are short, informal and full of place names,
typos and unit names that jieba splits inconsistently. Character 1–2-grams
are robust to segmentation errors and unknown words; jieba words add the
meaning of multi-character terms (社保, 拆迁, 噪音 …). On the Teddy Cup 2020 C
data the two views together beat either alone (see docs/routing.md).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

_JIEBA_LOCK = threading.Lock()
_JIEBA_READY = False
_SPACE = re.compile(r"\s+")
# A term made only of punctuation, symbols or spaces explains nothing to an operator.
_NOISE_TERM = re.compile(r"^[\W_]+$")


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


def word_tokens(text: str) -> list[str]:
    """jieba (precise mode, HMM off) tokens of an already-normalised text, spaces dropped.

    Why HMM off: the HMM only guesses words missing from jieba's dictionary,
    which the character n-gram block covers anyway; turning it off halves
    segmentation time (the bulk of prediction cost) for −0.001 macro-F1 in
    cross-validation (docs/routing.md). Module-level (not a lambda) so that a
    fitted vectorizer pickles.
    """
    return [t for t in _jieba().lcut(text, HMM=False) if not t.isspace()]


def _char_ngrams(text: str) -> list[str]:
    """Character 1- and 2-grams exactly as sklearn's ``analyzer="char"``, ``ngram_range=(1, 2)``."""
    text = _SPACE.sub(" ", text)
    return [*text, *(text[i : i + 2] for i in range(len(text) - 1))]


class Featurizer:
    """Two TF-IDF blocks (jieba words, characters 1–2) stacked side by side.

    Each block is L2-normalised on its own and then weighted, so neither view
    dominates just because it has more non-zero entries.
    """

    def __init__(self, *, word_weight: float = 1.0, char_weight: float = 1.0, min_df: int = 2) -> None:
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.word = TfidfVectorizer(
            analyzer=word_tokens, min_df=min_df, sublinear_tf=True, lowercase=False, dtype=np.float32
        )
        self.char = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, lowercase=False,
            dtype=np.float32,
        )
        self._names: np.ndarray | None = None

    def fit(self, texts: Sequence[str], idf_texts: Sequence[str] = ()) -> Featurizer:
        """Learn vocabularies and IDF from ``texts`` plus optional unlabeled ``idf_texts``.

        Why unlabeled texts here: IDF is unsupervised, so more messages of the
        same kind give steadier term weights without touching any label.
        """
        corpus = [normalize_text(t) for t in [*texts, *idf_texts]]
        self.word.fit(corpus)
        self.char.fit(corpus)
        self._names = None
        return self

    def fit_transform(self, texts: Sequence[str], idf_texts: Sequence[str] = ()) -> sp.csr_matrix:
        """``fit`` then the rows of ``texts`` only, segmenting each message once.

        Why: jieba dominates training time; fitting and transforming in one
        pass halves it.
        """
        corpus = [normalize_text(t) for t in [*texts, *idf_texts]]
        words = self.word.fit_transform(corpus)[: len(texts)] * self.word_weight
        chars = self.char.fit_transform(corpus)[: len(texts)] * self.char_weight
        self._names = None
        return sp.hstack([words, chars], format="csr")

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """Sparse feature rows for ``texts`` (float32 CSR)."""
        norm = [normalize_text(t) for t in texts]
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
        norm = normalize_text(text)
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        offset = 0
        for vec, weight, terms in (
            (self.word, self.word_weight, word_tokens(norm)),
            (self.char, self.char_weight, _char_ngrams(norm)),
        ):
            vocab = vec.vocabulary_
            counts: dict[int, int] = {}
            for term in terms:
                j = vocab.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if counts:
                idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
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
