"""Does a knowledge entry answer this caller?  The second stage after BM25 search (issue #14).

BM25 always returns something, and on real messages its best hit was mostly
unrelated to the demand (a road in another village, another school's extra
lessons).  So every candidate is checked before it is shown: a small logistic
model (``MODEL``) over signals that do not depend on the size of the knowledge
base (the BM25 score does, so it only picks the candidates):
- ``text_q``: cosine of the caller's text with the entry's question (TF-IDF over
  jieba words and character bigrams, ``duplicates.similarity``),
- ``dup_q``: the duplicate scorer's probability that the two are about the same
  matter (same place, no district or place conflict, same named objects),
- ``text_qa``: cosine with the question and the start of the answer,
- ``non_answer``: the answer is only a forwarding notice ("已转…处理", "留言已收悉").
An entry is shown when its fit is at least ``THRESHOLD``; when none is, the panel
says there is no fitting answer.  The coefficients were fitted on judged real
messages (``python bench/knowledge_fit.py fit``, docs/knowledge.md); the word
statistics are the knowledge base's own questions, refitted when their number moves.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.duplicates.similarity import Doc, Prepared, Scorer, fit_idf
from hotline.knowledge.models import KnowledgeEntry

MODEL = {"bias": -2.65, "text_q": 4.22, "dup_q": 4.19, "text_qa": 2.45, "non_answer": -0.96}
THRESHOLD = 0.50
ANSWER_HEAD = 600
_NON_ANSWER = re.compile(r"^\W*(?:您好|你好|网友|朋友|[\w“”\"]{0,20}[：:])*\W*(?:关于您反映的问题，?)?"
                         r"(?:(?:留言|来信|帖文|您的[\w]{0,6})已收悉|[\w，,、]{0,30}已转[\w，,、]{0,30}"
                         r"(?:处理|核处|办复|答复|核查|反馈|办理)|[\w，,、]{0,12}不属于[\w，,、]{0,20}范围)\W*$")
_CACHE: dict[str, Any] = {}
_PREPARED: dict[tuple[int, int, int], tuple[Prepared, Prepared]] = {}


@dataclass
class Fit:
    entry: KnowledgeEntry
    bm25: float
    fit: float
    signals: dict[str, float]


def is_non_answer(answer: str) -> bool:
    """An answer that only says the message was received or forwarded answers nobody."""
    a = re.sub(r"\s+", "", answer or "")
    return len(a) < 12 or bool(_NON_ANSWER.match(a[:80]) and len(a) < 80)


def scorer(db: Session) -> Scorer:
    """Word statistics of the active entries' questions.  A small base (< 500 entries, a fit in well under
    a second) is refitted whenever an entry changes; a large one (≈ 3 s for 2,700) only when the number of
    active entries has moved by more than 2 %: an edit changes no statistic that matters there, and the
    intake panel must not stall after every save."""
    n, last = db.execute(select(func.count(KnowledgeEntry.id), func.max(KnowledgeEntry.updated_at))
                         .where(KnowledgeEntry.status == "active")).one()
    fitted = _CACHE.get("n")
    if fitted is None or abs(n - fitted) > 0.02 * fitted or (n < 500 and _CACHE.get("last") != last):
        questions = db.scalars(select(KnowledgeEntry.question).where(KnowledgeEntry.status == "active"))
        _CACHE.update(n=n, last=last, scorer=Scorer(fit_idf(questions)))
        _PREPARED.clear()
    return _CACHE["scorer"]  # type: ignore[no-any-return]


def _entry_vectors(sc: Scorer, entry: KnowledgeEntry) -> tuple[Prepared, Prepared]:
    """The entry's question and question+answer head, prepared once per entry version and statistics."""
    key = (id(sc), entry.id, entry.version)
    hit = _PREPARED.get(key)
    if hit is None:
        hit = (sc.prepare(Doc(entry.question)),
               sc.prepare(Doc(f"{entry.question}\n{(entry.answer or '')[:ANSWER_HEAD]}")))
        if len(_PREPARED) >= 5000:
            _PREPARED.clear()
        _PREPARED[key] = hit
    return hit


def signals(sc: Scorer, query: Prepared, entry: KnowledgeEntry, bm25: float) -> dict[str, float]:
    q, qa = _entry_vectors(sc, entry)
    mq = sc.compare(query, q, reasons=False)
    return {"text_q": mq.text, "dup_q": mq.score,
            "text_qa": sc.compare(query, qa, reasons=False).text, "non_answer": float(is_non_answer(entry.answer))}


def score(sig: dict[str, float]) -> float:
    z = MODEL["bias"] + sum(MODEL[k] * v for k, v in sig.items())
    return 1 / (1 + math.exp(-z))


def rank(db: Session, q: str, hits: list[tuple[KnowledgeEntry, float]]) -> list[Fit]:
    """Every BM25 hit with its fit, best fit first (nothing is dropped here: see ``THRESHOLD``)."""
    sc = scorer(db)
    query = sc.prepare(Doc(q))
    out = []
    for e, s in hits:
        sig = signals(sc, query, e, s)
        out.append(Fit(e, s, score(sig), sig))
    return sorted(out, key=lambda f: (-f.fit, -f.bm25, f.entry.id))
