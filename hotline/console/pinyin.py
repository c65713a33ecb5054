"""Pinyin keys for the intake pickers: an operator types "cgj" for 城管局 or "xhjd" for 新华街道.

Each option gets its name's initials and its full toneless pinyin (and those of its short name),
precomputed on the server with ``pypinyin`` (docs/decisions.md) and matched as substrings by
``static/picker.js``.  The keys are a pure function of the text, so the cache needs no city key.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from hotline.console.support import Group


@lru_cache(maxsize=8192)
def keys(text: str) -> str:
    """``"城管局"`` → ``"cgj chengguanju"``; letters and digits in the text stay as they are."""
    text = "".join(text.split()).replace("·", "").replace("/", "")
    if not text:
        return ""
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()
    full = "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default")).lower()
    return f"{initials} {full}"


def option_keys(groups: list[Group], short: dict[str, str] | None = None) -> dict[str, str]:
    """Option code → its search keys (name, and short name where the unit has one)."""
    out: dict[str, str] = {}
    for g in groups:
        for code, name in g.options:
            parts = [keys(name)]
            if short and short.get(code):
                parts.append(keys(short[code]))
            out[code] = " ".join(parts)
    return out
