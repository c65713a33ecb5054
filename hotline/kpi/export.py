"""Exports of a ranking to xlsx (openpyxl) and csv (UTF-8 with BOM, so Excel opens Chinese correctly)."""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS: list[tuple[str, str]] = [
    ("group", "类别"), ("rank", "名次"), ("unit_code", "单位代码"), ("unit_name", "单位名称"),
    ("composite", "综合得分"), ("response", "签收及时率"), ("resolution", "解决率"), ("satisfaction", "满意率"),
    ("on_time", "按期办结率"), ("return_rate", "退单率"), ("reopen_rate", "重办率"), ("dispatched", "派单数"),
    ("signed_on_time", "按时签收数"), ("due", "应办结数"), ("on_time_n", "按期办结数"), ("returns", "退单数"),
    ("replied", "答复数"), ("reopened", "重办数"), ("evaluated", "评价数"), ("solved", "解决数"),
    ("satisfied", "满意数"), ("basic", "基本满意数"), ("dissatisfied", "不满意数"), ("summoned", "约谈提示"),
]
PERCENT = {"response", "resolution", "satisfaction", "on_time", "return_rate", "reopen_rate"}


def _cell(key: str, row: dict[str, Any]) -> Any:
    value = row.get("on_time_count" if key == "on_time_n" else key)
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
