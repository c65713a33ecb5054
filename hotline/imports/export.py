"""Exporting an order list to CSV or Excel, masked exactly as the list is for this viewer.

Rows come from ``orders.service.list_orders`` (the same filters and scoping as
GET /api/v1/orders) and the citizen's name and phone from ``citizen_view``.
In CSV, cells that a spreadsheet would run as a formula (=, +, -, @) are prefixed
with an apostrophe (CSV injection) and times are text in the city's time zone.  In
xlsx, times are real datetime cells (the city's wall-clock time: Excel has no time
zones) and text is stored as a string cell, never a formula, so it needs no
apostrophe; characters xlsx cannot hold (control characters in rows stored before
they were refused) are dropped.  At most ``MAX_ROWS`` rows per export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from hotline.city.schema import KIND_LABELS_ZH, Kind
from hotline.city.service import city_tz
from hotline.orders import service
from hotline.orders.enums import CHANNEL_ZH, STATUS_ZH, Channel, Status
from hotline.orders.models import Order
from hotline.orders.scoping import citizen_view
from hotline.org.models import User
from hotline.org.units import name_at
from hotline.validation import printable

MAX_ROWS = 20_000
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


def values_of(db: Session, o: Order, user: User) -> list[Any]:
    """One row's values in ``COLUMNS`` order: text as stored, times as aware datetimes (or None)."""
    who = citizen_view(user, o)
    values = {
        "number": o.number, "created_at": o.created_at, "channel": CHANNEL_ZH.get(Channel(o.channel), o.channel),
        "kind": KIND_LABELS_ZH.get(Kind(o.kind), o.kind), "category": service.category_path(db, o.category_code) or "",
        "title": o.title, "content": o.content, "citizen_name": who["citizen_name"] or "",
        "citizen_phone": who["citizen_phone"] or "", "address": o.address or "",
        "status": STATUS_ZH[Status(o.status)], "lead_unit": name_at(db, o.lead_unit, o.dispatched_at or o.created_at) or "",
        "due_at": o.due_at, "replied_at": o.replied_at, "completed_at": o.completed_at, "closed_at": o.closed_at,
    }
    return [values[k] for k, _ in COLUMNS]


def row_of(db: Session, o: Order, user: User) -> list[Any]:
    """The CSV row: times as text in the city's zone, the formula guard on text."""
    return [_t(v) if k in TIME_COLUMNS else _safe(v) for (k, _), v in zip(COLUMNS, values_of(db, o, user), strict=True)]


def iter_orders(db: Session, *, user: User, f: service.OrderFilter) -> Iterator[Order]:
    page, n = 1, 0
    while n < MAX_ROWS:
        _total, rows = service.list_orders(db, user=user, f=f, page=page, size=200)
        if not rows:
            return
        for o in rows:
            yield o
            n += 1
            if n >= MAX_ROWS:
                return
        page += 1


def to_csv(db: Session, *, user: User, f: service.OrderFilter) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([zh for _, zh in COLUMNS])
    for o in iter_orders(db, user=user, f=f):
        w.writerow(row_of(db, o, user))
    return ("\ufeff" + buf.getvalue()).encode()  # BOM: Excel opens UTF-8 Chinese correctly


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

    for o in iter_orders(db, user=user, f=f):
        ws.append([cell(k, v) for (k, _), v in zip(COLUMNS, values_of(db, o, user), strict=True)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
