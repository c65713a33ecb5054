"""Shared pieces of the console pages: labels, select options, light rows and time texts.

Labels are Chinese source strings; templates pass them through ``_()`` and the
English catalogue (``hotline.i18n.en``) holds their translations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import KIND_LABELS_ZH, Role
from hotline.db import utcnow
from hotline.i18n import action_label, status_label
from hotline.orders import payloads, service
from hotline.orders.enums import ACTION_ZH, CHANNEL_ZH, EMERGENCY_ZH, STATUS_EN, STATUS_ZH, Status
from hotline.orders.models import Order
from hotline.org.memo import category_rows, memo
from hotline.org.models import Unit
from hotline.org.units import name_at
from hotline.web.kit import is_htmx, require_role, t
from hotline.web.templating import lang_of

__all__ = ["is_htmx", "require_role", "t"]  # the console's own pages use them as cs.*

ROLE_LABELS: dict[str, str] = {
    Role.operator: "话务员",
    Role.dispatcher: "派单员",
    Role.unit_handler: "承办人",
    Role.unit_leader: "承办单位负责人",
    Role.supervisor: "督办员",
    Role.callback_agent: "回访员",
    Role.admin: "系统管理员",
    Role.leader: "领导",
}
KIND_LABELS: dict[str, str] = {k.value: v for k, v in KIND_LABELS_ZH.items()}
CHANNEL_LABELS: dict[str, str] = {c.value: v for c, v in CHANNEL_ZH.items()}
INTAKE_CHANNELS = ("phone", "web", "app", "wechat", "email")
URGENCY_LABELS: dict[str, str] = {"normal": "一般", "urgent": "紧急"}
ACTION_LABELS: dict[str, str] = {a.value: v for a, v in ACTION_ZH.items() if a.value != "*"}
STATUS_LABELS: dict[str, str] = {s.value: v for s, v in STATUS_ZH.items()}
UNIT_TYPE_LABELS: dict[str, str] = {
    "centre": "热线中心", "district": "区县（分中心）", "street": "街道", "township": "乡镇",
    "community": "社区/村", "department": "职能部门", "enterprise": "公共企事业单位",
}
ASSIGNMENT_ROLE_LABELS = {"lead": "主办", "co": "协办"}
END_REASON_LABELS = {"returned": "已退回", "redispatched": "已改派", "reopened": "重办前", "withdrawn": "已撤诉",
                     "merged": "已并单", "co_removed": "已撤销协办", "co_overridden": "未待协办意见"}
REQUEST_KIND_LABELS = {"return": "退单申请", "extension": "延期申请"}
REQUEST_STATE_LABELS = {"pending": "待审批", "approved": "已同意", "rejected": "已驳回", "void": "已作废"}
REPLY_KIND_LABELS = {"reply": "答复", "co_opinion": "协办意见", "first_contact": "即时答复"}
LIGHT_LABELS = {"green": "正常", "yellow": "临期", "red": "超期", None: "未计时"}
HANDLING_TYPES = ("department", "enterprise", "street", "township", "community")

# Which form fields each action needs, their labels and minimum lengths: ``hotline.orders.payloads.FORMS``
# (the handlers check their texts against the same declaration).
def form_field(action: str, name: str) -> payloads.Field:
    return payloads.field(action, name)


NOTE_REQUIRED = {a.value for a, fields in payloads.FORMS.items() for f in fields if f.name == "note" and f.required}
# What an operator does right after intake, offered first on the result page.
INTAKE_ACTIONS = ("dispatch", "dispatch_to_subcentre", "answer_first_contact", "hand_off", "inform")


def fields_for(action: str) -> tuple[str, ...]:
    return tuple(f.name for f in payloads.form(action))


# ---------------------------------------------------------------- options for selects


@dataclass
class Group:
    label: str
    options: list[tuple[str, str]]
    plain: str | None = field(default=None, repr=False, compare=False)  # its tags with nothing selected


def category_groups(db: Session, *, leaves_only: bool = True, retired: bool = False) -> list[Group]:
    """Categories grouped by their top level; each option shows the whole path (城乡建设/市政设施/路灯).
    Retired ones (派单目录) only with ``retired`` (a filter of old orders), never to choose for new work.

    Read once per transaction (``hotline.org.memo``): a page shows the same picker in several forms."""
    return memo(db, ("category_groups", leaves_only, retired), lambda: _category_groups(db, leaves_only, retired))


def _category_groups(db: Session, leaves_only: bool, retired: bool) -> list[Group]:
    cats = [c for c in category_rows(db) if retired or not c.retired]
    parent = {c.code: c.parent_code for c in cats}

    def top_of(code: str) -> str:
        while parent.get(code):
            code = parent[code]
        return code

    groups: dict[str, Group] = {c.code: Group(c.name, []) for c in cats if c.level == 1}
    for c in cats:
        if leaves_only and c.level != 3:
            continue
        g = groups.get(top_of(c.code))
        if g is not None:
            g.options.append((c.code, c.path or c.name))
    return [g for g in groups.values() if g.options]


def unit_groups(db: Session, types: tuple[str, ...] = HANDLING_TYPES) -> list[Group]:
    return memo(db, ("unit_groups", types), lambda: _unit_groups(db, types))


def _unit_groups(db: Session, types: tuple[str, ...]) -> list[Group]:
    units = db.execute(select(Unit.code, Unit.name, Unit.type).where(Unit.active.is_(True), Unit.type.in_(types))
                       .order_by(Unit.type, Unit.code)).all()
    out = []
    for ty in types:
        opts = [(u.code, u.name) for u in units if u.type == ty]
        if opts:
            out.append(Group(UNIT_TYPE_LABELS.get(ty, ty), opts))
    return out


def territory_groups(db: Session) -> list[Group]:
    """Streets/townships and their communities, grouped by district."""
    return memo(db, ("territory_groups",), lambda: _territory_groups(db))


def _territory_groups(db: Session) -> list[Group]:
    units = db.execute(select(Unit.id, Unit.code, Unit.name, Unit.short_name, Unit.type, Unit.parent_id)
                       .where(Unit.active.is_(True)).order_by(Unit.code)).all()
    by_parent: dict[int | None, list[Any]] = {}
    for u in units:
        by_parent.setdefault(u.parent_id, []).append(u)
    out = []
    for d in (u for u in units if u.type == "district"):
        opts: list[tuple[str, str]] = []
        for s in by_parent.get(d.id, []):
            if s.type not in ("street", "township"):
                continue
            opts.append((s.code, s.name))
            for c in by_parent.get(s.id, []):
                if c.type == "community":
                    opts.append((c.code, f"{s.short_name or s.name} · {c.short_name or c.name}"))
        if opts:
            out.append(Group(d.name, opts))
    return out


def subcentres(db: Session) -> list[tuple[str, str]]:
    return memo(db, ("subcentres",), lambda: [
        (u.code, u.name) for u in db.execute(select(Unit.code, Unit.name).where(
            Unit.type == "district", Unit.active.is_(True)).order_by(Unit.code))])


def option_tags(groups: list[Group], selected: Any) -> Markup:
    """The ``<optgroup>``/``<option>`` tags of a picker (``partials/macros.html`` ``options``).

    A picker of ~100 units or ~190 categories appears in several forms of one page: each group's tags
    without a selection are built once and reused; only a group holding the selected code is built anew."""
    multiple = selected is not None and not isinstance(selected, str) and _iterable(selected)
    parts = []
    for g in groups:
        if not isinstance(g, Group):  # a template's own groups (a mapping or an object with label and options)
            g = Group(*((g["label"], g["options"]) if isinstance(g, dict) else (g.label, g.options)))
        if selected is not None and any(code == selected or (multiple and code in selected) for code, _ in g.options):
            parts.append(_group_tags(g, selected, multiple))
        else:
            if g.plain is None:
                g.plain = _group_tags(g, None, False)
            parts.append(g.plain)
    return Markup("".join(parts))


def _iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True


def _group_tags(g: Group, selected: Any, multiple: bool) -> str:
    opts = "".join(
        f'<option value="{escape(code)}" '
        f'{"selected" if selected is not None and (code == selected or (multiple and code in selected)) else ""}'
        f'>{escape(name)}</option>' for code, name in g.options)
    return f'<optgroup label="{escape(g.label)}">{opts}</optgroup>'


def inform_channels() -> list[str]:
    from hotline.city.service import current_city

    return [str(m.get("channel")) for m in current_city().out_of_scope if m.get("channel")]


# ---------------------------------------------------------------- the stored routing suggestion

ROUTING_ACTIONS = ("dispatch", "subdispatch", "redispatch", "dispatch_to_subcentre")
SUGGESTION_SHOWN = 3  # choices per list on the order page


def stored_suggestion(db: Session, order: Order) -> dict[str, Any] | None:
    """What routing suggested at intake (hotline.routing.models.RoutingDecision), for whoever dispatches.

    The decision row is the record of the suggestion (docs/routing.md): the page shows that
    record, not a fresh guess, so the dispatcher sees what the operator saw.
    """
    from hotline.routing.flows import decision_for
    from hotline.routing.service import is_leaf

    dec = decision_for(db, order)
    if dec is None or not (dec.units or dec.categories):
        return None

    def choices(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"code": str(r.get("code")), "name": str(r.get("name") or r.get("code")),
                 "confidence": float(r.get("confidence") or 0.0), "reasons": list(r.get("reasons") or [])}
                for r in rows[:SUGGESTION_SHOWN] if r.get("code")]

    units, cats = choices(dec.units or []), choices(dec.categories or [])
    # a leaf of the catalogue in force (hotline.catalogue edits it): codes of any length, moved categories
    return {"units": units, "categories": [c for c in cats if is_leaf(db, c["code"])] or cats,
            "territory": (dec.territory or {}).get("names") or {}, "flags": dec.flags or {},
            "model_version": dec.model_version, "at": dec.suggested_at, "chosen_unit": dec.chosen_unit,
            "auto_dispatched": dec.auto_dispatched}


# ---------------------------------------------------------------- time texts


def _span(seconds: float, lang: str) -> str:
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days}{t('天', lang)}")
    if hours:
        parts.append(f"{hours}{t('小时', lang)}")
    if not days and (mins or not parts):
        parts.append(f"{mins}{t('分钟', lang)}")
    sep = " " if lang == "en" else ""
    return sep.join(parts)


def remaining(due: datetime | None, lang: str, now: datetime | None = None) -> str:
    """剩余2天3小时 / 已超期5小时; empty when there is no deadline."""
    if due is None:
        return ""
    delta = (due - (now or utcnow())).total_seconds()
    if delta >= 0:
        return f"{t('剩余', lang)} {_span(delta, lang)}" if lang == "en" else f"剩余{_span(delta, lang)}"
    return f"{t('已超期', lang)} {_span(delta, lang)}" if lang == "en" else f"已超期{_span(delta, lang)}"


def age(since: datetime | None, lang: str, now: datetime | None = None) -> str:
    if since is None:
        return ""
    return _span(((now or utcnow()) - since).total_seconds(), lang)


# ---------------------------------------------------------------- rows


def row(db: Session, order: Order, lang: str) -> dict[str, Any]:
    """What a list row shows: no citizen data at all, so nothing to mask."""
    labels = STATUS_EN if lang == "en" else STATUS_ZH
    return {
        "number": order.number, "title": order.title, "kind": order.kind, "channel": order.channel,
        "urgency": order.urgency, "status": order.status, "status_label": labels[Status(order.status)],
        "category_path": service.category_path(db, order.category_code),
        "lead_unit": name_at(db, order.lead_unit, order.dispatched_at or order.created_at),
        "created_at": order.created_at, "due_at": order.due_at, "version": order.version,
        "light": service.traffic_light(order), "replied_at": order.replied_at,
        "dispatched_at": order.dispatched_at,
    }


def lang_for(request: Request) -> str:
    return lang_of(request)


JINJA_GLOBALS: dict[str, Any] = {
    "role_labels": ROLE_LABELS, "kind_labels": KIND_LABELS, "channel_labels": CHANNEL_LABELS,
    "urgency_labels": URGENCY_LABELS, "action_labels": ACTION_LABELS, "status_labels": STATUS_LABELS,
    "unit_type_labels": UNIT_TYPE_LABELS, "assignment_role_labels": ASSIGNMENT_ROLE_LABELS,
    "end_reason_labels": END_REASON_LABELS, "request_kind_labels": REQUEST_KIND_LABELS,
    "request_state_labels": REQUEST_STATE_LABELS, "reply_kind_labels": REPLY_KIND_LABELS,
    "light_labels": LIGHT_LABELS, "fields_for": fields_for, "form_field": form_field,
    "note_required": NOTE_REQUIRED, "remaining": remaining, "age": age,
    "emergency_labels": {s.value: v for s, v in EMERGENCY_ZH.items()},
    "action_label": action_label, "status_label": status_label,  # the order's words in the page's language
    "option_tags": option_tags,
}

# Every label above that a template passes through ``_()``; the catalogue test checks them.
ALL_LABELS: list[str] = [
    *ROLE_LABELS.values(), *KIND_LABELS.values(), *CHANNEL_LABELS.values(), *URGENCY_LABELS.values(),
    *ACTION_LABELS.values(), *STATUS_LABELS.values(), *UNIT_TYPE_LABELS.values(),
    *ASSIGNMENT_ROLE_LABELS.values(), *END_REASON_LABELS.values(), *REQUEST_KIND_LABELS.values(),
    *REQUEST_STATE_LABELS.values(), *REPLY_KIND_LABELS.values(), *LIGHT_LABELS.values(), *EMERGENCY_ZH.values(),
    "天", "小时", "分钟", "剩余", "已超期",
]
