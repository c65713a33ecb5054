"""The audit log of administrative changes: writing a row with before and after, reading, exporting.

Every change an administrator (or a person to their own account) makes outside an order's own
timeline is one ``AuditLog`` row, written in the change's transaction: ``data`` holds ``before``
and ``after`` (only the fields that changed, secrets never) and any detail.  The audit page and
``GET /api/v1/admin/audit`` filter by actor, object and time; exports are CSV (UTF-8 with BOM,
formula-looking cells quoted) and xlsx (string cells, local wall-clock times).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.city.service import city_tz
from hotline.org.models import AuditLog, User
from hotline.validation import printable

MAX_EXPORT = 20_000
#: what the audit page calls an action (the code is shown beside it; other packages' codes show as they are)
ACTION_ZH = {"user.create": "新建人员", "user.update": "修改人员", "user.disable": "停用账号",
             "user.enable": "重新启用", "user.password_reset": "重置密码", "user.password_change": "修改密码",
             "user.sessions_end": "结束会话", "user.totp_enable": "启用两步验证", "user.totp_disable": "解除两步验证",
             "token.create": "新建接口令牌", "token.revoke": "吊销令牌", "login": "登录", "login.failed": "登录失败",
             "logout": "退出", "unit.create": "新建单位", "unit.update": "修改单位", "unit.rename": "单位改名",
             "unit.move": "移动单位", "unit.merge": "合并单位", "unit.retire": "撤销单位",
             "unit.duties_merged": "并入职责", "cityfile.import": "导入城市文件"}


def record(db: Session, *, actor: User | None, action: str, entity: str, entity_id: str | int,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, label: str | None = None,
           **detail: Any) -> AuditLog:
    """Add the audit row of a change (the caller commits with the change); ``label`` names an actor
    that is not a user (``cli``)."""
    data: dict[str, Any] = dict(detail)
    if before is not None or after is not None:
        b, a = before or {}, after or {}
        keys = [k for k in dict.fromkeys([*b, *a]) if b.get(k) != a.get(k)]
        data["before"] = {k: b.get(k) for k in keys if k in b}
        data["after"] = {k: a.get(k) for k in keys if k in a}
    row = AuditLog(actor_id=actor.id if actor else None, actor_label=(actor.username if actor else label or "system")[:128],
                   action=action, entity=entity, entity_id=str(entity_id)[:64], data=data)
    db.add(row)
    return row


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None  # the actor's username (actor_label)
    entity: str | None = None  # the kind of object: user, token, city, webhook …
    entity_id: str | None = None  # the object: a username, a token id …
    action: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def query(f: AuditFilter) -> Select[tuple[AuditLog]]:
    q = select(AuditLog)
    if f.actor:
        q = q.where(AuditLog.actor_label == f.actor)
    if f.entity:
        q = q.where(AuditLog.entity == f.entity)
    if f.entity_id:
        q = q.where(AuditLog.entity_id == f.entity_id)
    if f.action:
        q = q.where(AuditLog.action == f.action)
    if f.since:
        q = q.where(AuditLog.at >= f.since)
    if f.until:
        q = q.where(AuditLog.at < f.until)
    return q.order_by(AuditLog.at.desc(), AuditLog.id.desc())


def search(db: Session, f: AuditFilter, *, limit: int = 200, offset: int = 0) -> list[AuditLog]:
    return list(db.scalars(query(f).limit(limit).offset(offset)))


def entities(db: Session) -> list[str]:
    return sorted(set(db.scalars(select(AuditLog.entity).distinct())))


def present(row: AuditLog) -> dict[str, Any]:
    data = dict(row.data or {})
    before, after = data.pop("before", None), data.pop("after", None)
    return {"id": row.id, "at": row.at.isoformat(), "actor": row.actor_label, "action": row.action,
            "entity": row.entity, "entity_id": row.entity_id, "before": before, "after": after, "detail": data}


COLUMNS = [("at", "时间"), ("actor", "操作人"), ("action", "操作"), ("entity", "对象类型"), ("entity_id", "对象"),
           ("before", "修改前"), ("after", "修改后"), ("detail", "详情")]


def _json(v: Any) -> str:
    return "" if v in (None, {}, []) else json.dumps(v, ensure_ascii=False, sort_keys=True)


def _values(row: AuditLog) -> list[Any]:
    p = present(row)
    local = row.at.astimezone(city_tz())
    return [local, p["actor"], p["action"], p["entity"], p["entity_id"], _json(p["before"]), _json(p["after"]),
            _json(p["detail"])]


def _csv_safe(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def to_csv(rows: Sequence[AuditLog]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([zh for _, zh in COLUMNS])
    for r in rows:
        vals = _values(r)
        w.writerow([vals[0].strftime("%Y-%m-%d %H:%M:%S"), *(_csv_safe(v) for v in vals[1:])])
    return ("\ufeff" + buf.getvalue()).encode()


def to_xlsx(rows: Sequence[AuditLog]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.append([zh for _, zh in COLUMNS])
    for r in rows:
        vals = _values(r)
        at = WriteOnlyCell(ws, value=vals[0].replace(tzinfo=None))
        at.number_format = "yyyy-mm-dd hh:mm:ss"
        cells = [at]
        for v in vals[1:]:
            c = WriteOnlyCell(ws, value=printable(v))
            c.data_type = "s"  # a string, even when it starts with "=": never a formula
            cells.append(c)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export(db: Session, f: AuditFilter, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the filtered log in ``fmt`` (csv or xlsx)."""
    rows = search(db, f, limit=MAX_EXPORT)
    if fmt == "xlsx":
        return to_xlsx(rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "audit.xlsx"
    return to_csv(rows), "text/csv; charset=utf-8", "audit.csv"
