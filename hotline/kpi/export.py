"""Exports of a ranking to xlsx (openpyxl) and csv (UTF-8 with BOM, so Excel opens Chinese correctly)."""

from __future__ import annotations

import csv
import io
from typing import Any

from hotline.kpi import definitions as d

# Every rate and every count of definitions.py, in their order: a KPI added there is exported too;
# each rate with its sample size and Wilson 95 % interval (kpi/caliber.py), then the push-downs.
COLUMNS: list[tuple[str, str]] = [
    ("group", "类别"), ("rank", "名次"), ("unit_code", "单位代码"), ("unit_name", "单位名称"), ("composite", "综合得分"),
    *((r.key, r.label) for r in d.RATES), *((d.row_key(c.key), c.label) for c in d.COUNTS), ("summoned", "约谈提示"),
    *(col for r in d.RATES for col in ((f"{r.key}_n", f"{r.label}样本量"), (f"{r.key}_ci", f"{r.label}95%置信区间"))),
    ("pushdowns", "下沉派单数"), ("pushdown_share", "下沉派单占比"),
]
PERCENT = set(d.RATE_KEYS) | {"pushdown_share"}
INTERVALS = {f"{r.key}_ci" for r in d.RATES}


def _cell(key: str, row: dict[str, Any]) -> Any:
    value = row.get(key)
    if key == "summoned":
        return "是" if value else ""
    if key == "rank" and value is None:
        return "不足排名量"
    if value is None:
        return ""
    if key in INTERVALS:
        lo, hi = value
        return f"{100 * lo:.1f}%–{100 * hi:.1f}%"
    if key in PERCENT:
        return round(100 * value, 2)
    if key == "composite":
        return round(value, 2)
    return value


def table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [[zh for _, zh in COLUMNS]] + [[_cell(k, r) for k, _ in COLUMNS] for r in rows]


def to_csv(rows: list[dict[str, Any]], *, notes: list[str] | None = None) -> bytes:
    """The table, then a blank line and the caliber (口径说明), one line per row."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerows(table(rows))
    if notes:
        w.writerow([])
        w.writerows([n] for n in notes)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(rows: list[dict[str, Any]], *, title: str, notes: list[str] | None = None) -> bytes:
    """Sheet 排名: the title, the table, a blank row and the caliber (口径说明) under it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "排名"
    ws.append([title])
    for line in table(rows):
        ws.append(line)
    if notes:
        ws.append([])
        for n in notes:
            ws.append([n])
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
