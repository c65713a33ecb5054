"""Reading CSV and Excel files into rows of strings.

CSV is decoded as UTF-8 (with or without BOM) and otherwise as GB18030, since
files exported by older Chinese systems and saved by Excel are often GBK.
Excel dates come back as datetimes and are written as ``YYYY-MM-DD HH:MM:SS``.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from hotline.errors import BadRequest

MAX_ROWS = 50_000
MAX_CELL = 1_000_000  # characters in one cell: csv's default limit (131,072) refused long petitions with a 500


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (GBK ⊂ GB18030, as Excel writes on a Chinese Windows)."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise BadRequest("bad_encoding", "无法识别文件编码（请使用 UTF-8 或 GBK/GB18030）", "unknown encoding (use UTF-8 or GBK/GB18030)",
                     field="file")


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_table(data: bytes, filename: str, *, max_rows: int | None = MAX_ROWS
               ) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the non-blank rows of a .csv or .xlsx file; every refusal is a ``BadRequest``."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        csv.field_size_limit(MAX_CELL)
        try:
            rows = list(csv.reader(io.StringIO(decode(data), newline="")))
        except csv.Error as exc:
            raise BadRequest("bad_csv", f"CSV 格式错误：{exc}", f"malformed CSV: {exc}", field="file") from None
    elif suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same refusal
            raise BadRequest("bad_xlsx", "无法读取Excel文件", "cannot read the Excel file", field="file") from exc
        ws = wb.worksheets[0]
        rows = [[_cell(c) for c in r] for r in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        raise BadRequest("bad_file_type", "只支持 .csv 和 .xlsx 文件", "only .csv and .xlsx files are supported",
                         field="file")
    if not rows:
        raise BadRequest("empty_file", "文件为空", "the file is empty", field="file")
    headers = [h.strip() for h in rows[0]]
    body = [r for r in rows[1:] if any(str(c).strip() for c in r)]
    if max_rows is not None and len(body) > max_rows:
        raise BadRequest("too_many_rows", f"一次最多导入{MAX_ROWS}行", f"at most {MAX_ROWS} rows per file",
                         field="file")
    return headers, [{h: (r[i] if i < len(r) else "") for i, h in enumerate(headers)} for r in body]
