"""The catalogue's entries as a spreadsheet (CSV or xlsx): how 三定 duty lists arrive and go back out.

Export writes one row per entry with the codes and, beside them, the names (for the reader; import
ignores the name columns).  Import reads a file with ``imports.reader.read_table`` (UTF-8/GBK CSV,
xlsx, size limits), turns it into the entries of a new catalogue (the taxonomy unchanged), and
refuses a bad row with a 422 naming the row (the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.catalogue import service
from hotline.errors import BadRequest
from hotline.imports.reader import read_table
from hotline.org.models import Unit
from hotline.validation import printable

#: (key, header); the keys in ``INPUT`` are read back, the others are for the reader
COLUMNS = [("category", "分类编码"), ("category_name", "分类名称"), ("territory", "属地编码"),
           ("territory_name", "属地名称"), ("lead", "主办单位编码"), ("lead_name", "主办单位名称"),
           ("co_units", "协办单位编码"), ("keywords", "关键词")]
INPUT = ("category", "territory", "lead", "co_units", "keywords")
HEADER = {key: zh for key, zh in COLUMNS}
SEP = "、"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(db: Session, snap: dict[str, Any]) -> list[list[str]]:
    cats = {c["code"]: c for c in snap["categories"]}
    units = {u.code: u.name for u in db.scalars(select(Unit))}

    def path(code: str) -> str:
        names: list[str] = []
        seen: Any = code
        while seen in cats and len(names) < 3:
            names.append(cats[seen]["name"])
            seen = cats[seen]["parent"]
        return "/".join(reversed(names))

    return [[e["category"], path(e["category"]), e.get("territory") or "", units.get(e.get("territory") or "", ""),
             e["lead"], units.get(e["lead"], ""), SEP.join(e.get("co_units") or []), SEP.join(e.get("keywords") or [])]
            for e in snap["entries"]]


def _safe(v: str) -> str:
    return "'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v


def export(db: Session, snap: dict[str, Any], number: int, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of a version's entries."""
    rows = _rows(db, snap)
    name = f"catalogue-v{number}.{fmt}"
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("派单目录")
        ws.append([zh for _, zh in COLUMNS])
        for r in rows:
            cells = []
            for v in r:
                c = WriteOnlyCell(ws, value=printable(v))
                c.data_type = "s"  # text, never a formula
                cells.append(c)
            ws.append(cells)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue(), XLSX, name
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([zh for _, zh in COLUMNS])
    for r in rows:
        w.writerow([_safe(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode(), "text/csv; charset=utf-8", name


def read(db: Session, data: bytes, filename: str, current: dict[str, Any]) -> dict[str, Any]:
    """The catalogue the file describes: the current taxonomy with the file's entries (checked)."""
    headers, rows = read_table(data, filename, max_rows=service.MAX_ENTRIES)
    missing = [HEADER[k] for k in ("category", "lead") if HEADER[k] not in headers]
    if missing:
        raise BadRequest("catalogue_columns_missing", f"缺少列：{'、'.join(missing)}（第1行应为表头）",
                         f"missing columns: {', '.join(missing)} (row 1 is the header)", row=1, column=missing[0])
    cats = {c["code"]: c for c in service.check(db, current)["categories"]}
    units = service._units(db)
    entries: dict[str, dict[str, Any]] = {}
    for i, r in enumerate(rows, start=2):
        raw = {k: r.get(HEADER[k], "").strip().lstrip("'") for k in INPUT}
        e: dict[str, Any] = {"category": raw["category"], "territory": raw["territory"] or None, "lead": raw["lead"],
                             "co_units": service.split_keywords(raw["co_units"]), "keywords": raw["keywords"]}
        try:
            row = service.clean_entry(e, cats, units, row=i)
        except BadRequest as exc:
            col = HEADER.get(str(exc.details.get("column", "")), "")
            raise BadRequest(exc.code, f"{exc.zh}（列：{col}）" if col else exc.zh,
                             f"{exc.en} (column: {col})" if col else exc.en, row=i, column=col) from None
        key = service.entry_key(row)
        if key in entries:
            raise BadRequest("catalogue_entry_duplicate", f"第{i}行：同一分类和属地重复出现（{key}）",
                             f"row {i}: the same category and territory twice ({key})", row=i, column=HEADER["category"])
        entries[key] = row
    return {"categories": current["categories"], "entries": list(entries.values())}
