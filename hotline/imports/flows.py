"""Validating and importing historical orders, row by row, idempotently.

``import_file`` is the one entry point of the CLI (``hotline imports run``), the
console upload and ``POST /api/v1/imports``: it loads every package's order hooks
(KPI limits, text index, duplicates, webhooks — the same as the web app), reads
the table, refuses a mapping that names a column the file lacks (once, before any
row), and calls ``do_import``.

Each valid row becomes an order through ``do_create_order`` (channel ``import``,
back-dated ``now``) and is walked to its final state with ``do_action`` calls —
dispatch to the mapped unit, sign, reply, complete, close — so the timeline and
the final category and handling unit look like any other order's and the router
can learn from them.  Each row runs in a SAVEPOINT: a row the state machine
refuses is reported and leaves nothing behind, the rest go in.

History is not live work (the default): the order keeps its historical
timestamps and status, and nothing starts today — the notices the flows queued
(SMS to citizens, unit inbox, webhooks) are cancelled, callback tasks are
cancelled, and an order still open at the source has no running clock (its
deadlines are cleared), so the sweep raises no 催办/督办 for it.  With
``live=True`` an order still open at the source is taken over as live work: its
steps after intake (dispatch, sign, reply) are taken at the time of the import, so
its time limits run from the import, the unit and webhooks are notified, and the
sweep watches it like any other.  Orders imported completed or closed are history
in both modes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.city.schema import Kind
from hotline.city.service import city_tz
from hotline.db import utcnow
from hotline.errors import AppError, BadRequest
from hotline.imports.mapping import FIELD_ZH, Mapping
from hotline.imports.reader import read_table
from hotline.orders.actor import Actor
from hotline.orders.enums import Action, Channel
from hotline.orders.flows import do_action, do_create_order
from hotline.orders.models import Order
from hotline.orders.schemas import DEMAND_MAX, PHONE_RE
from hotline.org.models import AuditLog, Category, Unit, User
from hotline.outbox.models import OutboxMessage
from hotline.validation import clean_text

TARGETS = ("received", "dispatched", "in_progress", "replied", "completed", "closed")
OPEN_TARGETS = ("received", "dispatched", "in_progress", "replied")  # still open at the source
STEPS: list[tuple[str, Action]] = [("dispatched", Action.dispatch), ("in_progress", Action.sign),
                                   ("replied", Action.reply), ("completed", Action.complete),
                                   ("closed", Action.close)]
BUILTIN_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d",
                   "%Y/%m/%d", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日"]
NO_REPLY = "历史工单导入：原系统未记录答复内容。"


@dataclass
class RowResult:
    line: int
    external_id: str
    status: str = "ok"  # ok | error | skipped | imported
    messages: list[dict[str, str]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    number: str | None = None

    def error(self, fld: str, zh: str, en: str) -> None:
        self.status = "error"
        self.messages.append({"field": fld, "zh": f"{FIELD_ZH.get(fld, fld)}：{zh}", "en": f"{fld}: {en}"})


def parse_time(value: str, m: Mapping) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    tz = ZoneInfo(m.timezone) if m.timezone else city_tz()
    try:
        dt = datetime.fromisoformat(value)
        return dt if dt.tzinfo else dt.replace(tzinfo=tz)
    except ValueError:
        pass
    for fmt in m.time_formats + BUILTIN_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    raise ValueError(value)


def _validate(db: Session, m: Mapping, line: int, row: dict[str, str], units: dict[str, Unit],
              cats: set[str], now: datetime) -> RowResult:
    r = RowResult(line=line, external_id=m.external(row))
    get = lambda name: clean_text(m.raw(row, name))  # noqa: E731  (control characters: repaired, not refused)
    if m.external_id and not r.external_id:
        r.error("external_id", "缺少外部编号", "missing external id")
    if len(r.external_id) > 64:
        r.error("external_id", "外部编号过长（最多64字）", "external id longer than 64 characters")
    content = re.sub(r"\s+", " ", get("content"))
    if len(content) < 5:
        r.error("content", "内容过短（至少5个字）", "at least 5 characters")
    if len(content) > DEMAND_MAX:  # refused, never cut (the one limit of every channel)
        r.error("content", f"内容过长（{len(content)}字，最多{DEMAND_MAX}字）",
                f"content too long ({len(content)} characters, at most {DEMAND_MAX})")
    title = get("title") or content[:24]
    kind = get("kind") or Kind.complaint.value
    if kind not in {k.value for k in Kind}:
        r.error("kind", f"无法识别的类型“{kind}”", f"unknown kind {kind!r}")
    times: dict[str, datetime | None] = {}
    for name in ("created_at", "closed_at"):
        try:
            times[name] = parse_time(get(name), m)
        except ValueError:
            times[name] = None
            r.error(name, f"无法识别的时间“{get(name)}”", f"unrecognised time {get(name)!r}")
    created, closed = times["created_at"], times["closed_at"]
    if created is None and "created_at" not in [x["field"] for x in r.messages]:
        r.error("created_at", "缺少受理时间", "missing created time")
    if created and created > now:
        r.error("created_at", "受理时间晚于当前时间", "created time is in the future")
    if created and closed and closed < created:
        r.error("closed_at", "办结时间早于受理时间", "closed before created")
    target = get("status") or ("closed" if closed else "received")
    if target not in TARGETS:
        r.error("status", f"无法识别的状态“{target}”（须映射为 {'/'.join(TARGETS)}）",
                f"unknown status {target!r} (map it to one of {', '.join(TARGETS)})")
    category, lead = get("category"), get("lead_unit")
    if category and category not in cats:
        r.error("category", f"未知分类“{category}”", f"unknown category {category!r}")
    if target != "received" and target in TARGETS:
        if not category:
            r.error("category", "已派单的工单须有分类", "a category is required beyond received")
        unit = units.get(lead)
        if unit is None:
            r.error("lead_unit", f"未知承办单位“{lead}”", f"unknown unit {lead!r}")
        elif unit.type in ("centre", "district"):
            r.error("lead_unit", "承办单位不能是热线中心或区级分中心", "the lead unit cannot be the centre or a district")
    phone = re.sub(r"\s", "", get("phone")) or None
    if phone and not re.match(PHONE_RE, phone):
        r.error("phone", f"电话号码格式不正确“{phone}”", f"invalid phone {phone!r}")
    lat, lon = get("latitude"), get("longitude")
    try:
        latf, lonf = (float(lat) if lat else None), (float(lon) if lon else None)
    except ValueError:
        latf = lonf = None
        r.error("latitude", "经纬度须为数字", "latitude/longitude must be numbers")
    reply = get("reply")
    if reply and len(reply) < 10:
        reply = f"{reply}（历史工单导入）"
    r.data = {"title": title[:58] + ("…" if len(title) > 58 else ""), "content": content, "kind": kind,
              "category": category or None, "created_at": created, "closed_at": closed or created,
              "phone": phone, "name": get("name")[:32] or None, "address": get("address")[:200] or None,
              "latitude": latf, "longitude": lonf, "lead_unit": lead, "status": target,
              "reply": (reply or NO_REPLY)[:4000]}
    return r


def validate(db: Session, m: Mapping, rows: list[dict[str, str]], *, now: datetime | None = None
             ) -> list[RowResult]:
    now = now or utcnow()
    units = {u.code: u for u in db.scalars(select(Unit).where(Unit.active.is_(True)))}
    cats = set(db.scalars(select(Category.code)))
    results = [_validate(db, m, i + 2, row, units, cats, now) for i, row in enumerate(rows)]
    seen: set[str] = set()
    ids = [r.external_id for r in results if r.external_id]
    existing: set[str] = set()
    for i in range(0, len(ids), 500):
        existing |= set(db.scalars(select(Order.external_id).where(Order.external_id.in_(ids[i:i + 500]))))
    for r in results:
        if r.status == "ok" and r.external_id and (r.external_id in existing or r.external_id in seen):
            r.status = "skipped"
            r.messages.append({"field": "external_id", "zh": f"外部编号 {r.external_id} 已导入，跳过",
                               "en": f"external id {r.external_id} already imported; skipped"})
        if r.external_id:
            seen.add(r.external_id)
    return results


def _stop_clock(db: Session, order: Order) -> None:
    """History keeps no running clock: no deadline of ours, so the sweep has nothing to raise."""
    from hotline.kpi.models import AssignmentLimit

    order.clock_started_at = order.warn_at = None
    order.sign_due_at = order.reply_due_at = order.due_at = None
    db.execute(update(AssignmentLimit).where(AssignmentLimit.order_id == order.id)
               .values(sign_due_at=None, due_at=None))


def _as_history(db: Session, order: Order) -> None:
    """Nobody is told today about an old case, and nobody is asked to call about it."""
    from hotline.callbacks.models import CallbackTask

    db.execute(update(OutboxMessage).where(OutboxMessage.order_id == order.id, OutboxMessage.state == "pending")
               .values(state="cancelled", last_error="historical import: not sent"))
    db.execute(update(CallbackTask).where(CallbackTask.order_id == order.id,
                                          CallbackTask.state.in_(("pending", "review")))
               .values(state="cancelled", decision_note="历史工单导入：不回访"))


def _import_one(db: Session, r: RowResult, label: str, *, live: bool, now: datetime) -> Order:
    d = r.data
    created: datetime = d["created_at"]
    closed: datetime = max(d["closed_at"], created)
    live = live and d["status"] in OPEN_TARGETS
    # live work: the steps after intake happen now, so the time limits run from the import
    step_at = max(now, created) if live else created
    intake = Actor(role="operator", label=label)
    centre = Actor(role="dispatcher", label=label)
    unit = Actor(role="unit_handler", label=f"{label}（承办单位）")
    system = Actor(role="system", label=label)
    order = do_create_order(db, actor=intake, now=created, data={
        "kind": d["kind"], "title": d["title"], "content": d["content"], "channel": Channel.import_.value,
        "category_code": d["category"], "citizen_phone": d["phone"], "citizen_name": d["name"],
        "address": d["address"], "latitude": d["latitude"], "longitude": d["longitude"],
        "external_id": r.external_id or None, "note": f"历史导入，第{r.line}行"})
    target = TARGETS.index(d["status"])
    for step, action in STEPS:
        if TARGETS.index(step) > target:
            break
        actor, at, payload = centre, step_at + timedelta(seconds=1), {}
        if action == Action.dispatch:
            payload = {"lead_unit": d["lead_unit"], "category_code": d["category"]}
        elif action == Action.sign:
            actor, at = unit, step_at + timedelta(seconds=2)
        elif action == Action.reply:
            actor, at, payload = unit, (step_at + timedelta(seconds=3) if live else closed), {"content": d["reply"]}
        elif action == Action.complete:
            at = closed
        elif action == Action.close:
            actor, at = system, closed
        do_action(db, order=order, actor=actor, action=action, payload=payload, now=at)
    if not live:
        _as_history(db, order)
        if d["status"] in OPEN_TARGETS:
            _stop_clock(db, order)
    return order


def check_columns(mapping: Mapping, headers: list[str]) -> None:
    """A mapping that names a column the file lacks is refused once, before any row is looked at."""
    missing = sorted(mapping.columns_used() - set(headers))
    if missing:
        raise BadRequest("mapping_missing_columns",
                         f"映射配置引用了文件中不存在的列：{'、'.join(missing)}（文件的列：{'、'.join(headers[:60])}）",
                         f"the mapping names columns the file does not have: {', '.join(missing)} "
                         f"(the file's columns: {', '.join(headers[:60])})", field="mapping", missing=missing)


def import_file(db: Session, *, data: bytes, filename: str, mapping: Mapping, user: User | None,
                dry_run: bool = False, live: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """The import of the CLI, the console and the API: same hooks, same checks, same report."""
    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)

    headers, rows = read_table(data, filename)
    check_columns(mapping, headers)
    return do_import(db, mapping=mapping, rows=rows, user=user, filename=filename, dry_run=dry_run, live=live,
                     now=now)


def do_import(db: Session, *, mapping: Mapping, rows: list[dict[str, str]], user: User | None,
              filename: str, dry_run: bool = False, live: bool = False, now: datetime | None = None
              ) -> dict[str, Any]:
    """Validate every row; unless ``dry_run``, import the valid ones.  The caller commits.

    ``live``: orders still open at the source become live work (see the module's docstring).
    """
    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)

    now = now or utcnow()
    results = validate(db, mapping, rows, now=now)
    label = f"历史导入（{user.username if user else 'cli'}）"
    if not dry_run:
        for r in results:
            if r.status != "ok":
                continue
            try:
                with db.begin_nested():
                    r.number = _import_one(db, r, label, live=live, now=now).number
                r.status = "imported"
            except AppError as exc:
                r.status = "error"
                r.messages.append({"field": "row", "zh": exc.zh, "en": exc.en})
    report = summarise(results, filename=filename, dry_run=dry_run)
    report["live"] = live
    if not dry_run:
        db.add(AuditLog(actor_id=user.id if user else None, actor_label=user.username if user else "cli",
                        action="imports.run", entity="import", entity_id=filename[:64],
                        data={k: v for k, v in report.items() if k != "rows"}))
    return report


def summarise(results: list[RowResult], *, filename: str, dry_run: bool) -> dict[str, Any]:
    count = {s: sum(1 for r in results if r.status == s) for s in ("ok", "error", "skipped", "imported")}
    return {"file": filename, "dry_run": dry_run, "total": len(results), **count,
            "rows": [{"line": r.line, "external_id": r.external_id, "status": r.status, "messages": r.messages,
                      "number": r.number} for r in results]}
