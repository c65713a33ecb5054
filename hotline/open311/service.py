"""Open311 ↔ orders: the service list from the category taxonomy, status mapping, request views.

Status mapping (docs/open311.md): ``closed`` once handling has ended — 办结
(completed, awaiting the callback) and every terminal status; ``open`` otherwise.
Our detailed status goes into ``status_notes`` (Chinese label and code) and,
with ``extensions=true``, into ``extended_attributes``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from hotline.city.service import city_tz
from hotline.open311.formats import Open311Error
from hotline.orders.enums import STATUS_EN, STATUS_ZH, TERMINAL, Status
from hotline.orders.models import Order
from hotline.orders.scoping import visible_filter
from hotline.org.models import Category, User
from hotline.validation import YEARS, to_moment

CLOSED = frozenset(TERMINAL | {Status.completed})
MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)


def open311_status(status: str) -> str:
    return "closed" if Status(status) in CLOSED else "open"


def statuses_for(open_closed: str) -> list[str]:
    return [s.value for s in Status if open311_status(s.value) == open_closed]


def w3c(dt: datetime | None) -> str | None:
    return dt.astimezone(city_tz()).isoformat(timespec="seconds") if dt else None


def parse_w3c(value: str, name: str) -> datetime:
    """A W3C datetime (a ``+`` decoded as a space is put back); a date or a naive time is the city's."""
    try:
        return to_moment(value.strip().replace(" ", "+"), name=name)
    except ValueError as exc:
        raise Open311Error(400, f"{name} must be a W3C datetime between the years {YEARS[0]} and {YEARS[1]}, "
                           "e.g. 2010-01-01T00:00:00Z") from exc


def leaf_categories(db: Session) -> list[Category]:
    """The services offered: leaf categories that are not retired (派单目录, ``Category.retired``)."""
    return list(db.scalars(select(Category).where(Category.level == 3, Category.retired.is_(False))
                           .order_by(Category.code)))


def service_entry(cat: Category, tops: dict[str, str], index: dict[str, Any],
                  branch: dict[str, str] | None = None) -> dict[str, Any]:
    """One service; ``index`` and ``branch`` are the categories in force (``routing.service``)."""
    cdef = index.get(cat.code)
    keywords = ", ".join(cdef.keywords) if cdef is not None else ""
    top = (branch or {}).get(cat.code, cat.code[:2])
    return {"service_code": cat.code, "service_name": cat.name, "description": cat.path or cat.name,
            "metadata": False, "type": "realtime", "keywords": keywords, "group": tops.get(top, "")}


def services(db: Session) -> list[dict[str, Any]]:
    from hotline.routing.service import branches, live_categories

    tops = {c.code: c.name for c in db.scalars(select(Category).where(Category.level == 1))}
    index, branch = live_categories(db), branches(db)
    return [service_entry(c, tops, index, branch) for c in leaf_categories(db)]


def find_service(db: Session, code: str) -> Category:
    cat = db.get(Category, code)
    if cat is None or cat.level != 3:
        raise Open311Error(404, f"service_code {code} not found")
    return cat


def scope(db: Session, user: User | None) -> ColumnElement[bool]:
    """Without an api_key only requests filed through Open311 are public; with one, what that user sees."""
    if user is None:
        return and_(Order.channel == "open311", Order.confidential.is_(False))
    return visible_filter(db, user)


def present(db: Session, order: Order, *, names: dict[str, str], extensions: bool = False) -> dict[str, Any]:
    status = Status(order.status)
    out: dict[str, Any] = {
        "service_request_id": order.number, "status": open311_status(order.status),
        "status_notes": f"{STATUS_ZH[status]} ({status.value})", "service_name": names.get(order.category_code or ""),
        "service_code": order.category_code, "description": order.content,
        "agency_responsible": order.lead_unit.name if order.lead_unit else None, "service_notice": None,
        "requested_datetime": w3c(order.created_at), "updated_datetime": w3c(order.updated_at),
        "expected_datetime": w3c(order.due_at), "address": order.address, "address_id": None, "zipcode": None,
        "lat": order.latitude, "long": order.longitude, "media_url": None,
    }
    went = _transferred(db, order)
    if went is not None:  # 转办: tracking the original number follows the order to the other city
        where = "已转至" if went["accepted"] else "正在转至"
        out["status_notes"] += f"；{where}{went['city']}12345热线办理，新工单编号{went['number']}"
    if extensions:
        out["extended_attributes"] = {"hotline_status": status.value, "hotline_status_zh": STATUS_ZH[status],
                                      "hotline_status_en": STATUS_EN[status], "channel": order.channel,
                                      "kind": order.kind, "closed_datetime": w3c(order.completed_at or order.closed_at)}
        if went is not None:
            out["extended_attributes"]["transferred_to"] = went
    return out


def _transferred(db: Session, order: Order) -> dict[str, Any] | None:
    from hotline.transfers.service import follow

    return follow(db, order)


def query(db: Session, *, user: User | None, ids: list[str], codes: list[str], statuses: list[str],
          start: datetime | None, end: datetime | None, now: datetime) -> list[Order]:
    stmt = select(Order).where(scope(db, user))
    if ids:
        stmt = stmt.where(Order.number.in_(ids[:MAX_RESULTS]))  # the ids override every other filter
    else:
        if start is None and end is None:
            end, start = now, now - MAX_SPAN
        elif start is None:
            assert end is not None
            start = end - MAX_SPAN
        elif end is None:
            end = start + MAX_SPAN
        if end - start > MAX_SPAN:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days")
        stmt = stmt.where(Order.created_at >= start, Order.created_at <= end)
        if codes:
            stmt = stmt.where(Order.category_code.in_(codes))
        if statuses:
            wanted: list[str] = []
            for s in statuses:
                if s not in ("open", "closed"):
                    raise Open311Error(400, "status must be open or closed")
                wanted += statuses_for(s)
            stmt = stmt.where(Order.status.in_(wanted))
    return list(db.scalars(stmt.order_by(Order.created_at.desc(), Order.id.desc()).limit(MAX_RESULTS)))


def category_names(db: Session) -> dict[str, str]:
    return {c.code: c.name for c in db.scalars(select(Category))}

