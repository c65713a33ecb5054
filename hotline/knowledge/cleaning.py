"""Strip the boilerplate of official replies so an imported answer reads as an answer.

Official replies open with a salutation to the netizen (网友“A000…”：您好！),
a receipt formula (您的留言已收悉 / 现将有关情况回复如下) and close with thanks
and a date.  What is left is the substance an operator can read out.
"""

from __future__ import annotations

import re

_HEAD = [
    r"^\s*(尊敬的)?网友([“\"「][^”\"」]{0,40}[”\"」]|[A-Za-z0-9_]{0,20})[：:，,]?\s*",
    r"^\s*(您好|你好)[！!，,。]?\s*",
    r"^[^。！!]{0,80}(留言|来信|反映的?问题)[^。！!]{0,30}(已收悉|收悉)[。！!，,]?\s*",
    r"^.{0,160}?(答复|回复)如下[：:。]\s*",
    r"^\s*(您好|你好)[！!，,。]?\s*",
]
_TAIL = [
    r"\s*\d{4}年\d{1,2}月\d{1,2}日\s*$",
    r"\s*(特此(回复|答复)|此复)[。！!]?\s*$",
    r"\s*(感谢|谢谢)[^。！!]{0,40}[。！!]?\s*$",
    r"\s*\d{4}年\d{1,2}月\d{1,2}日\s*$",
]


def clean_reply(text: str) -> str:
    t = (text or "").strip()
    for pat in _HEAD:
        t = re.sub(pat, "", t, count=1)
    for pat in _TAIL:
        t = re.sub(pat, "", t, count=1)
    return t.strip() or (text or "").strip()
