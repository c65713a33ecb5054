"""Live settings of a city, versioned: save, roll back, compare; open orders' deadlines under a version.

A block (``sla``: time limits and the holiday calendar; ``kpi``: the composite weights and the
exclusion rules) is saved as a new ``settings_versions`` row, validated by the same model as the
city file's block (``SlaConfig``, ``KpiSettings``), with the author and a reason, and an audit row
(``settings.sla`` / ``settings.kpi``) with before and after.

A later package may keep a block of its own in ``settings_versions`` (extension ``settings.blocks``:
``fn() -> OwnedBlock``; hotspots' learned grouping threshold, block ``hotspots``): the history,
the comparison and the rollback here then serve it exactly as they serve ``sla``/``kpi`` (same
audit row, same refusals), but it is not typed in here — the owner writes its versions, and
version 0 is the owner's default (the city file has no such block).  The readers see it from their next
transaction (``hotline.city.live``).  A change applies to new deadlines; open orders keep theirs
until the administrator recomputes them (``do_recompute``: an ``OrderEvent`` per order).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.kpi_settings import KpiSettings
from hotline.city.live import file_block
from hotline.city.models import SettingsVersion
from hotline.db import utcnow
from hotline.errors import BadRequest, NotFound
from hotline.kpi.models import AssignmentLimit
from hotline.orders.enums import CLOCKED, Action
from hotline.orders.models import Order, OrderEvent
from hotline.org import audit
from hotline.org.models import User
from hotline.sla import service as sla
from hotline.sla.config import LimitUnit, SlaConfig
from hotline.sla.policy import warn_at

MODELS: dict[str, type[BaseModel]] = {"sla": SlaConfig, "kpi": KpiSettings}
LABEL_ZH = {"sla": "时限设置", "kpi": "KPI设置"}
LABEL_EN = {"sla": "Time limits", "kpi": "KPI settings"}
MAX_REASON = 500


@dataclass(frozen=True)
class OwnedBlock:
    """A block that a later package owns and writes (extension ``settings.blocks``, see the module doc)."""

    name: str
    model: type[BaseModel]  # validates a version's body (a rollback's too)
    label_zh: str
    label_en: str
    home: str  # the page that shows the block in force (the history links back to it)
    default: Callable[[], dict[str, Any]]  # version 0: the body in force while no version is saved
    rolled_back: Callable[[dict[str, Any], int], dict[str, Any]]  # old body, its version → the new version's body
    key: Callable[[dict[str, Any]], Any]  # what a new version must change (else "unchanged")
    describe: Callable[[dict[str, Any]], tuple[str, tuple[Any, ...]]]  # one line for the history: (msgid, args)


def owned() -> dict[str, OwnedBlock]:
    """The blocks later packages own (asked of the registry, so settings imports none of them)."""
    from hotline import registry

    blocks = (fn() for fn in registry.get().extensions_of("settings.blocks"))
    return {b.name: b for b in blocks}


def check_block(block: str) -> str:
    if block not in MODELS and block not in owned():
        raise NotFound("unknown_settings_block", f"没有这类设置：{block}", f"no settings block {block!r}")
    return block


def label_zh(block: str) -> str:
    own = owned().get(block)
    return own.label_zh if own is not None else LABEL_ZH[check_block(block)]


def _file_body(block: str) -> dict[str, Any]:
    """Version 0: the city file's block, or the owner's default for a block the file does not have."""
    own = owned().get(block)
    return validate(block, own.default() if own is not None else file_block(block))


def validate(block: str, body: Any) -> dict[str, Any]:
    """The block as the city file's model accepts it, in its canonical JSON form; else 422 with the
    model's reasons (the field paths are the city file's)."""
    own = owned().get(check_block(block))
    model = own.model if own is not None else MODELS[block]
    if not isinstance(body, dict):
        raise BadRequest("invalid_settings", "设置必须是一个对象（与城市文件中的写法相同）",
                         "the settings must be an object, as in the city file", field="body")
    try:
        parsed = model.model_validate(body)
    except ValidationError as exc:
        problems = [{"field": ".".join(str(p) for p in e["loc"]) or block, "message_en": e["msg"]}
                    for e in exc.errors()]
        text = "; ".join(f"{p['field']}: {p['message_en']}" for p in problems)
        raise BadRequest("invalid_settings", f"设置不符合要求：{text}", f"invalid settings: {text}",
                         field="body", problems=problems) from None
    if isinstance(parsed, SlaConfig):
        _bounded(parsed)
    return dict(parsed.model_dump(mode="json", exclude_none=own is not None))


#: The longest limit a console edit may set, per kind of time (a year): beyond it a typo, not a decree.
MAX_AMOUNT = {LimitUnit.natural_minutes: 366 * 24 * 60, LimitUnit.natural_hours: 366 * 24,
              LimitUnit.working_hours: 366 * 24, LimitUnit.working_days: 366}


def _bounded(cfg: SlaConfig) -> None:
    limits = [(f"policies.{i}.{k}", getattr(p, k)) for i, p in enumerate(cfg.policies)
              for k in ("sign_within", "reply_within", "complete_within")]
    if cfg.reopen is not None:
        limits.append(("reopen", cfg.reopen))
    for where, limit in limits:
        if limit.amount > MAX_AMOUNT[limit.unit]:
            raise BadRequest("limit_too_long", f"时限过长：{where} 最多 {MAX_AMOUNT[limit.unit]} {limit.unit.value}",
                             f"limit too long: {where} is at most {MAX_AMOUNT[limit.unit]} {limit.unit.value}",
                             field=where)
    if cfg.extension.max_working_days > 366:
        raise BadRequest("limit_too_long", "延期最多 366 个工作日", "an extension adds at most 366 working days",
                         field="extension.max_working_days")


def _reason(reason: str | None) -> str:
    r = (reason or "").strip()
    if not r:
        raise BadRequest("reason_required", "请填写修改原因", "give a reason for the change", field="reason")
    if len(r) > MAX_REASON:
        raise BadRequest("reason_too_long", f"原因不能超过{MAX_REASON}字", f"at most {MAX_REASON} characters",
                         field="reason")
    return r


def versions(db: Session, block: str) -> list[SettingsVersion]:
    """Every saved version of the block, newest first."""
    return list(db.scalars(select(SettingsVersion).where(SettingsVersion.block == check_block(block))
                           .order_by(SettingsVersion.version.desc())))


def get_version(db: Session, block: str, version: int) -> SettingsVersion:
    row = db.scalar(select(SettingsVersion).where(SettingsVersion.block == check_block(block),
                                                  SettingsVersion.version == version))
    if row is None:
        raise NotFound("settings_version_not_found", f"没有第{version}版", f"no version {version}")
    return row


def current(db: Session, block: str) -> tuple[int, dict[str, Any]]:
    """(version, canonical body) in force as this transaction sees it; version 0 is the city file's."""
    row = db.scalar(select(SettingsVersion).where(SettingsVersion.block == check_block(block))
                    .order_by(SettingsVersion.version.desc()).limit(1))
    if row is not None:
        return row.version, dict(row.body)
    return 0, _file_body(block)


def body_of(db: Session, block: str, version: int) -> dict[str, Any]:
    """A version's body; 0 is the city file's block (an owned block's default)."""
    return _file_body(check_block(block)) if version == 0 else dict(get_version(db, block, version).body)


def do_save(db: Session, *, actor: User, block: str, body: Any, reason: str | None,
            rolled_back_from: int | None = None) -> SettingsVersion:
    """A new version of ``block`` (refused when invalid, without a reason, or equal to the one in force;
    an owned block only by a rollback: its owner writes its other versions)."""
    own = owned().get(check_block(block))
    if own is not None and rolled_back_from is None:
        raise BadRequest("settings_not_editable", f"{own.label_zh}不能在此直接修改，只能回滚到某一版",
                         f"{own.label_en} cannot be typed in here; roll back to a version instead", field="body")
    why = _reason(reason)
    new = validate(block, body)
    n, before = current(db, block)
    if (own.key(new) == own.key(before)) if own is not None else new == before:
        raise BadRequest("settings_unchanged", "与现行设置相同，未保存新版本",
                         "the same as the settings in force; no version saved")
    top = db.scalar(select(func.max(SettingsVersion.version)).where(SettingsVersion.block == block)) or 0
    row = SettingsVersion(block=block, version=top + 1, body=new, author_id=actor.id,
                          author_label=actor.username[:128], reason=why, rolled_back_from=rolled_back_from)
    db.add(row)
    audit.record(db, actor=actor, action=f"settings.{block}", entity="settings", entity_id=f"{block} v{top + 1}",
                 before=before, after=new, reason=why, from_version=n,
                 **({"rolled_back_from": rolled_back_from} if rolled_back_from is not None else {}))
    db.flush()
    return row


def do_rollback(db: Session, *, actor: User, block: str, to_version: int, reason: str | None) -> SettingsVersion:
    """Roll back = a new version equal to an old one (0: the city file's block; an owned block's
    default), as its owner marks a rollback (``OwnedBlock.rolled_back``)."""
    body = body_of(db, block, to_version)
    own = owned().get(block)
    if own is not None:
        body = own.rolled_back(body, to_version)
    return do_save(db, actor=actor, block=block, body=body, reason=reason, rolled_back_from=to_version)


# --- comparing two versions ----------------------------------------------------------------------

def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        if not value and path:
            out[path] = {}
        for k, v in value.items():
            _flatten(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(value, list) and value and all(isinstance(x, dict) and "name" in x for x in value):
        for i, x in enumerate(value):  # policies: by name, so an inserted one does not shift the rest
            _flatten({k: v for k, v in x.items() if k != "name"}, f"{path}[{x['name']}]", out)
            out[f"{path}[{x['name']}].#"] = i + 1
    else:
        out[path] = value


@dataclass(frozen=True)
class Change:
    path: str
    old: str | None  # None: not in the older version
    new: str | None  # None: not in the newer version


def _show(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What differs between two bodies, one line per leaf (``policies[urgent].complete_within.amount``)."""
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _flatten(old, "", a)
    _flatten(new, "", b)
    out = []
    for k in dict.fromkeys([*a, *b]):
        if a.get(k, ...) != b.get(k, ...):
            out.append(Change(k, _show(a[k]) if k in a else None, _show(b[k]) if k in b else None))
    return out


# --- open orders under a version of the time limits ---------------------------------------------

@dataclass(frozen=True)
class Moved:
    order: Order
    old: tuple[datetime | None, datetime | None, datetime | None]  # sign, reply, complete
    new: tuple[datetime, datetime, datetime]
    policy: str
    uncertain: bool


@dataclass(frozen=True)
class Effect:
    version: int
    moved: list[Moved]  # would get a different deadline (what do_recompute changes)
    kept: list[Order]  # their deadline was moved by an extension or a suspension: left as they are
    same: int  # open orders whose deadlines stay the same


def _open_clocked(db: Session) -> list[Order]:
    return list(db.scalars(select(Order).where(Order.status.in_([s.value for s in CLOCKED]),
                                               Order.clock_started_at.is_not(None), Order.due_at.is_not(None))
                           .order_by(Order.id)))


def _hand_moved(db: Session) -> set[int]:
    """Orders whose deadline an extension or a resume after 挂账 moved (not recomputable from the start)."""
    rows = db.scalars(select(OrderEvent.order_id).where(
        OrderEvent.action.in_([Action.approve_extension.value, Action.resume.value])))
    return set(rows)


def effect(db: Session, *, version: int | None = None) -> Effect:
    """Which open orders would get a different deadline under ``version`` of the time limits (the one
    in force when None), counted from the start of their clock — exactly what ``do_recompute`` does."""
    n, body = current(db, "sla") if version is None else (version, body_of(db, "sla", version))
    with_ = sla.bind(body)
    moved: list[Moved] = []
    kept: list[Order] = []
    same = 0
    manual = _hand_moved(db)
    for o in _open_clocked(db):
        if o.extension_count or o.id in manual:
            kept.append(o)
            continue
        start = o.clock_started_at
        assert start is not None
        reopen = (o.sla_policy or "").endswith("/reopen")
        d = (sla.reopen_deadlines if reopen else sla.deadlines_for)(o, start=start, with_=with_)
        new = (d.sign_due_at, d.reply_due_at, d.complete_due_at)
        old = (o.sign_due_at, o.reply_due_at, o.due_at)
        if new != old:
            moved.append(Moved(o, old, new, d.policy_name, d.uncertain))
        else:
            same += 1
    return Effect(n, moved, kept, same)


def do_recompute(db: Session, *, actor: User, now: datetime | None = None) -> Effect:
    """Give the open orders the deadlines of the time limits in force; one ``OrderEvent`` per order
    (a timeline note with the old and new deadlines) and one audit row."""
    now = now or utcnow()
    eff = effect(db)
    cfg, cal = sla.bind(current(db, "sla")[1])
    for m in eff.moved:
        o = m.order
        o.sign_due_at, o.reply_due_at, o.due_at = m.new
        o.sla_policy, o.deadline_uncertain = m.policy, m.uncertain
        if o.clock_started_at is not None:
            from hotline.sla.config import limit_unit

            o.warn_at = warn_at(o.clock_started_at, m.new[2], cfg.due_soon_ratio, cal=cal,
                                unit=limit_unit(cfg, o.sla_policy))
        lead = next((a for a in o.active_assignments() if a.role == "lead"), None)
        lim = db.get(AssignmentLimit, lead.id) if lead is not None and lead.id is not None else None
        if lim is not None:
            lim.sign_due_at, lim.due_at = o.sign_due_at, o.due_at
        data = {"kind": "deadline_recompute", "settings_version": eff.version,
                "before": [x.isoformat() if x else None for x in m.old], "after": [x.isoformat() for x in m.new]}
        db.add(OrderEvent(order_id=o.id, at=now, actor_id=actor.id, actor_label=actor.username[:128],
                          actor_role=actor.role, action=Action.comment.value, from_status=o.status,
                          to_status=o.status, note=f"时限设置第{eff.version}版：重新计算期限", data=data))
    audit.record(db, actor=actor, action="settings.sla_recompute", entity="settings",
                 entity_id=f"sla v{eff.version}", orders=[m.order.number for m in eff.moved][:500],
                 moved=len(eff.moved), kept=len(eff.kept))
    db.flush()
    return eff


# --- the holiday calendar ------------------------------------------------------------------------

def year_dates(body: dict[str, Any], year: int) -> tuple[list[str], list[str]]:
    cal = body.get("calendar") or {}
    return ([d for d in cal.get("extra_holidays", []) if str(d).startswith(f"{year}-")],
            [d for d in cal.get("extra_workdays", []) if str(d).startswith(f"{year}-")])


def parse_dates(text: str, *, field: str, year: int) -> list[date]:
    """Dates one per line or separated by commas/spaces; ``2027-02-10~2027-02-16`` for a range."""
    out: list[date] = []
    for tok in text.replace("，", ",").replace("、", ",").replace(",", " ").split():
        try:
            if "~" in tok or "至" in tok:
                a, b = tok.replace("至", "~").split("~", 1)
                d0, d1 = date.fromisoformat(a), date.fromisoformat(b)
                if d1 < d0 or (d1 - d0).days > 40:
                    raise ValueError(tok)
                out += [date.fromordinal(i) for i in range(d0.toordinal(), d1.toordinal() + 1)]
            else:
                out.append(date.fromisoformat(tok))
        except ValueError:
            raise BadRequest("bad_date", f"日期格式应为2027-01-01：{tok[:40]}", f"dates look like 2027-01-01: {tok[:40]}",
                             field=field) from None
    wrong = [d for d in out if d.year != year]
    if wrong:
        raise BadRequest("date_outside_year", f"日期不在{year}年：{wrong[0].isoformat()}",
                         f"date outside {year}: {wrong[0].isoformat()}", field=field)
    return sorted(set(out))


def with_year(body: dict[str, Any], year: int, holidays: list[date], workdays: list[date]) -> dict[str, Any]:
    """``body`` with the calendar overrides of ``year`` replaced by these dates (other years kept)."""
    cal = dict(body.get("calendar") or {})
    keep_h = [d for d in cal.get("extra_holidays", []) if not str(d).startswith(f"{year}-")]
    keep_w = [d for d in cal.get("extra_workdays", []) if not str(d).startswith(f"{year}-")]
    cal["extra_holidays"] = sorted({*keep_h, *(d.isoformat() for d in holidays)})
    cal["extra_workdays"] = sorted({*keep_w, *(d.isoformat() for d in workdays)})
    return {**body, "calendar": cal}
