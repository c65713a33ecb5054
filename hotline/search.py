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
