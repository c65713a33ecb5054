"""Tokens for indexing and matching: jieba words (search mode) and character bigrams.

Search mode also emits the parts of long words (中华人民共和国 → 中华, 人民 …),
so a query for 路灯 finds 路灯杆.  Single Chinese characters and stop words are
dropped: they match everything and rank nothing.  ASCII runs (order numbers,
phone numbers, HPV) are kept whole, lower-cased.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from hotline.search import _STOP, cut_for_search

_HAN = re.compile(r"[\u4e00-\u9fff]")
_PUNCT = re.compile(r"^[\W_]+$")
_MORE_STOP = set(
    "我们 你们 他们 这个 那个 什么 怎么 为什么 可以 能否 是否 希望 请问 问题 相关 部门 领导 政府 反映 情况 "
    "目前 现在 已经 还是 没有 进行 一下 非常 谢谢 您好 你好 麻烦 尽快 处理 解决 关于 以及 如果 因为 所以 "
    "但是 而且 或者 我家 本人 这里 那里 大家 一直 至今 这样 那么 还有 就是 有关 给予 请求 恳请".split()
)
STOP = frozenset(_STOP | _MORE_STOP)


def words(text: str) -> list[str]:
    """Index words, in order, repeats kept (term frequency matters for BM25).

    The last texts' words are kept (``_words``): while an operator types, the intake assistant's
    helpers (duplicates, knowledge) segment the same draft several times per keystroke."""
    return list(_words(text or ""))


@lru_cache(maxsize=256)
def _words(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for w in cut_for_search(text or ""):  # the request's shared segmentation
        w = w.strip().lower()
        if not w or w in STOP or _PUNCT.match(w):
            continue
        if len(w) == 1 and (_HAN.match(w) or not w.isalnum()):
            continue
        if len(w) > 32:
            w = w[:32]
        out.append(w)
    return tuple(out)


def term_counts(text: str) -> Counter[str]:
    return Counter(words(text))


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs of the Chinese/alphanumeric runs (a segmentation-free signal)."""
    out: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fff0-9a-zA-Z]+", text or ""):
        run = run.lower()
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out
