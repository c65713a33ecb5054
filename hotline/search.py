"""Chinese query terms: jieba search-mode segmentation, so 路灯不亮 finds 路灯 and 不亮.

Issue #6 builds ranked full-text search on top; the order list uses ``terms``
for an all-terms-must-match filter that behaves the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

_STOP = set("的 了 在 是 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那 吗 吧 啊 呢".split())


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def terms(q: str) -> list[str]:
    """Query words: ASCII tokens (numbers, order numbers) kept whole, Chinese segmented."""
    q = q.strip()
    if not q:
        return []
    out: list[str] = []
    for chunk in re.split(r"\s+", q):
        if re.fullmatch(r"[\w\-]+", chunk, flags=re.ASCII):
            out.append(chunk)
            continue
        words = [w for w in _jieba().cut(chunk) if w.strip() and w not in _STOP and not re.fullmatch(r"\W+", w)]
        out.extend(words or [chunk])
    return list(dict.fromkeys(out))


def cut(text: str) -> tuple[str, ...]:
    """``jieba.lcut(text)`` (precise mode, HMM on), each line segmented once while it is cached.

    Segment once (issue #15): the intake hooks read the same title, content and address in
    different combinations (the text index: all three; the duplicate index: title and content,
    and its place names) — by the line, each field is cut once per request and shared.
    jieba cuts at every newline anyway (it is not a word character), so cutting line by line
    and joining with ``"\\n"`` gives the same tokens as cutting the whole text."""
    lines = (text or "").split("\n")
    if len(lines) == 1:
        return _cut_line(lines[0])
    out: list[str] = []
    for i, line in enumerate(lines):
        if i:
            out.append("\n")
        out.extend(_cut_line(line))
    return tuple(out)


@lru_cache(maxsize=1024)
def _cut_line(line: str) -> tuple[str, ...]:
    return tuple(_jieba().lcut(line))


def cut_for_search(text: str) -> list[str]:
    """``jieba.cut_for_search(text)`` computed from :func:`cut`'s cached words (the same algorithm:
    each long word's dictionary 2- and 3-grams before the word), so it costs no second segmentation."""
    freq = _jieba().dt.FREQ
    out: list[str] = []
    for w in cut(text):
        if len(w) > 2:
            out.extend(g for i in range(len(w) - 1) if freq.get(g := w[i:i + 2]))
        if len(w) > 3:
            out.extend(g for i in range(len(w) - 2) if freq.get(g := w[i:i + 3]))
        out.append(w)
    return out
