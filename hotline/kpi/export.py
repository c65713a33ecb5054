"""Exports of a ranking to xlsx (openpyxl) and csv (UTF-8 with BOM, so Excel opens Chinese correctly)."""

from __future__ import annotations

import csv
import io
from typing import Any

from hotline.kpi import definitions as d

# Every rate and every count of definitions.py, in their order: a KPI added there is exported too.
COLUMNS: list[tuple[str, str]] = [
    ("group", "类别"), ("rank", "名次"), ("unit_code", "单位代码"), ("unit_name", "单位名称"), ("composite", "综合得分"),
    *((r.key, r.label) for r in d.RATES), *((d.row_key(c.key), c.label) for c in d.COUNTS), ("summoned", "约谈提示"),
]
PERCENT = set(d.RATE_KEYS)


def _cell(key: str, row: dict[str, Any]) -> Any:
    value = row.get(key)
    if key == "summoned":
        return "是" if value else ""
    if key == "rank" and value is None:
        return "不足排名量"
    if value is None:
        return ""
    if key in PERCENT:
        return round(100 * value, 2)
    if key == "composite":
        return round(value, 2)
    return value


def table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [[zh for _, zh in COLUMNS]] + [[_cell(k, r) for k, _ in COLUMNS] for r in rows]


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(table(rows))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(rows: list[dict[str, Any]], *, title: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "排名"
    ws.append([title])
    for line in table(rows):
        ws.append(line)
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
