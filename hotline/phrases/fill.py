"""Placeholders of a reply template and how they are filled from an order (pure; no database).

A placeholder is a Chinese word in braces, ``{工单编号}``; an unknown one is left as typed so the
handler sees it and edits it, rather than getting an empty gap in a reply to a citizen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

#: placeholder → what it is (shown on the templates page)
PLACEHOLDERS: dict[str, str] = {
    "工单编号": "工单编号，如 QY20261202-0001",
    "受理日期": "受理日期，如 2026年12月2日",
    "承办单位": "主办单位名称",
    "标题": "工单标题",
    "今天": "今天的日期",
}
_RE = re.compile(r"\{([^{}\s]{1,8})\}")


@dataclass(frozen=True)
class OrderFacts:
    number: str
    created: date
    unit: str
    title: str
    today: date


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def fill(body: str, facts: OrderFacts) -> str:
    values = {"工单编号": facts.number, "受理日期": _day(facts.created), "承办单位": facts.unit,
              "标题": facts.title, "今天": _day(facts.today)}
    return _RE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def unknown(body: str) -> list[str]:
    """Placeholders the template uses that no order can fill (the editor refuses them)."""
    return sorted({m.group(1) for m in _RE.finditer(body) if m.group(1) not in PLACEHOLDERS})
