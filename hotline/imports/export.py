"""Exporting an order list to CSV or Excel, masked exactly as the list is for this viewer.

Rows come from ``orders.service.list_orders`` (the same filters and scoping as
GET /api/v1/orders) and the citizen's name and phone from ``citizen_view``.
In CSV, cells that a spreadsheet would run as a formula (=, +, -, @) are prefixed
with an apostrophe (CSV injection) and times are text in the city's time zone.  In
xlsx, times are real datetime cells (the city's wall-clock time: Excel has no time
zones) and text is stored as a string cell, never a formula, so it needs no
apostrophe; characters xlsx cannot hold (control characters in rows stored before
they were refused) are dropped.

CSV streams (``stream_csv``): rows are read by keyset in batches of ``BATCH`` and written out
batch by batch, so a year's export holds one batch in memory, not the year, and has no row cap
beyond ``STREAM_MAX_ROWS``.  An xlsx file is a zip that must be finished before it is sent, so it
stays capped at ``MAX_ROWS`` rows.

Never a silent loss: a file cut at its cap ends with a row that says so (``CAPPED``), and a CSV whose
stream fails after the 200 went out ends with a row that says the file is incomplete (``BROKEN``)
before the connection is dropped (the browser marks the download failed as well).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hotline.city.schema import KIND_LABELS_ZH, Kind
from hotline.city.service import city_tz
from hotline.city.tenancy import CityScope, acting_as, explicit_scope
from hotline.orders import service
from hotline.orders.enums import CHANNEL_ZH, STATUS_ZH, Channel, Status
from hotline.orders.models import Order
from hotline.orders.scoping import citizen_view
from hotline.org.memo import memo
from hotline.org.models import Unit, User
from hotline.org.units import name_at
from hotline.validation import printable

log = logging.getLogger(__name__)

MAX_ROWS = 20_000  # xlsx
STREAM_MAX_ROWS = 5_000_000  # CSV, streamed: a big city's year
BATCH = 500
COLUMNS = [("number", "工单编号"), ("created_at", "受理时间"), ("channel", "来源渠道"), ("kind", "诉求类型"),
           ("category", "诉求分类"), ("title", "标题"), ("content", "诉求内容"), ("citizen_name", "诉求人"),
           ("citizen_phone", "联系电话"), ("address", "地址"), ("status", "状态"), ("lead_unit", "主办单位"),
           ("due_at", "办结时限"), ("replied_at", "答复时间"), ("completed_at", "办结时间"),
           ("closed_at", "归档时间")]


TIME_COLUMNS = frozenset({"created_at", "due_at", "replied_at", "completed_at", "closed_at"})
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm"


def _t(dt: Any) -> str:
    return dt.astimezone(city_tz()).strftime("%Y-%m-%d %H:%M") if dt else ""


def _safe(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


#: the columns an export reads: rows, not ORM objects (no identity map, no joined units), so a year
#: streams at the speed of the database rather than of object building
ROW_COLUMNS = (Order.id, Order.number, Order.created_at, Order.channel, Order.kind, Order.category_code, Order.title,
               Order.content, Order.citizen_name, Order.citizen_phone, Order.confidential, Order.address,
               Order.status, Order.lead_unit_id, Order.dispatched_at, Order.due_at, Order.replied_at,
               Order.completed_at, Order.closed_at)


def _units(db: Session) -> dict[int, Unit]:
    return memo(db, ("export_units",), lambda: {u.id: u for u in db.scalars(select(Unit))})


def values_of(db: Session, o: Any, user: User) -> list[Any]:
    """One row's values in ``COLUMNS`` order: text as stored, times as aware datetimes (or None).
    ``o`` is an order or a row of ``ROW_COLUMNS``."""
    who = citizen_view(user, o)
    lead = o.lead_unit if isinstance(o, Order) else _units(db).get(o.lead_unit_id) if o.lead_unit_id else None
    values = {
        "number": o.number, "created_at": o.created_at, "channel": CHANNEL_ZH.get(Channel(o.channel), o.channel),
        "kind": KIND_LABELS_ZH.get(Kind(o.kind), o.kind), "category": service.category_path(db, o.category_code) or "",
        "title": o.title, "content": o.content, "citizen_name": who["citizen_name"] or "",
        "citizen_phone": who["citizen_phone"] or "", "address": o.address or "",
        "status": STATUS_ZH[Status(o.status)], "lead_unit": name_at(db, lead, o.dispatched_at or o.created_at) or "",
        "due_at": o.due_at, "replied_at": o.replied_at, "completed_at": o.completed_at, "closed_at": o.closed_at,
    }
    return [values[k] for k, _ in COLUMNS]


def row_of(db: Session, o: Any, user: User) -> list[Any]:
    """The CSV row: times as text in the city's zone, the formula guard on text."""
    return [_t(v) if k in TIME_COLUMNS else _safe(v) for (k, _), v in zip(COLUMNS, values_of(db, o, user), strict=True)]


def _batches(db: Session, *, user: User, f: service.OrderFilter, scope: CityScope | None,
             limit: int) -> Iterator[list[Any]]:
    """The matching orders, newest first, ``BATCH`` at a time by keyset (created_at, id): no OFFSET and
    no count, so the thousandth batch costs what the first does.  Each batch runs in the request's
    acting city (the generator resumes in the server's threads, outside the request's context)."""
    last: tuple[Any, int] | None = None
    n = 0
    while n < limit:
        with acting_as(scope):
            stmt = service.filtered(db, select(*ROW_COLUMNS), f, user)
            if last is not None:
                stmt = stmt.where(or_(Order.created_at < last[0], and_(Order.created_at == last[0], Order.id < last[1])))
            rows = list(db.execute(stmt.order_by(Order.created_at.desc(), Order.id.desc())
                                   .limit(min(BATCH, limit - n))))
        if not rows:
            return
        n += len(rows)
        last = (rows[-1].created_at, rows[-1].id)
        yield rows
        if len(rows) < BATCH:
            return


CAPPED = "【导出已截断】仅含前 {n} 条，请缩小筛选范围{hint} / truncated: only the first {n} rows, narrow the filter{hint_en}"
BROKEN = "【导出中断】文件不完整，请重新导出 / export interrupted: this file is incomplete, export again"


def _capped(batches: Iterator[list[Any]], limit: int, cut: list[bool]) -> Iterator[list[Any]]:
    """The batches of ``_batches(limit=limit + 1)`` cut to ``limit`` rows; ``cut[0]`` says whether rows were left out."""
    n = 0
    for rows in batches:
        if n + len(rows) > limit:
            rows, cut[0] = rows[: limit - n], True
        n += len(rows)
        if rows:
            yield rows


def stream_csv(db: Session, *, user: User, f: service.OrderFilter, limit: int | None = None) -> Iterator[bytes]:
    """The CSV export as chunks of bytes, one per batch (for a ``StreamingResponse``); memory stays at
    one batch of rows however long the export."""
    limit = STREAM_MAX_ROWS if limit is None else limit
    scope = explicit_scope()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([zh for _, zh in COLUMNS])
    yield ("\ufeff" + buf.getvalue()).encode()  # BOM: Excel opens UTF-8 Chinese correctly
    cut = [False]
    try:
        for rows in _capped(_batches(db, user=user, f=f, scope=scope, limit=limit + 1), limit, cut):
            buf.seek(0)
            buf.truncate()
            with acting_as(scope):
                for o in rows:
                    w.writerow(row_of(db, o, user))
            yield buf.getvalue().encode()
    except Exception:
        # the status line went out long ago: say so inside the file, then let the server drop the connection
        log.exception("CSV export failed mid-stream")
        yield ("\r\n" + BROKEN + "\r\n").encode()
        raise
    if cut[0]:
        buf.seek(0)
        buf.truncate()
        w.writerow([CAPPED.format(n=limit, hint="", hint_en="")])
        yield buf.getvalue().encode()


def to_xlsx(db: Session, *, user: User, f: service.OrderFilter) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("工单")
    ws.append([zh for _, zh in COLUMNS])
    tz = city_tz()

    def cell(key: str, value: Any) -> Any:
        if key in TIME_COLUMNS:
            c = WriteOnlyCell(ws, value=value.astimezone(tz).replace(tzinfo=None) if value else None)
            c.number_format = XLSX_TIME_FORMAT
            return c
        c = WriteOnlyCell(ws, value=printable(value))
        if isinstance(value, str):
            c.data_type = "s"  # a string, even when it starts with "=": never a formula
        return c

    scope = explicit_scope()
    cut = [False]
    for rows in _capped(_batches(db, user=user, f=f, scope=scope, limit=MAX_ROWS + 1), MAX_ROWS, cut):
        with acting_as(scope):
            for o in rows:
                ws.append([cell(k, v) for (k, _), v in zip(COLUMNS, values_of(db, o, user), strict=True)])
    if cut[0]:
        ws.append([CAPPED.format(n=MAX_ROWS, hint="，或导出 CSV（不限行数）", hint_en=", or export CSV (no row cap)")])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
