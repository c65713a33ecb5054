"""工单 · the order list, the order detail page, and the page routes that act on an order.

Everything an order shows goes through ``service.present_detail`` (already masked
for the viewer); every change goes through ``flows.do_action`` / ``do_attach`` and
``commit_or_conflict``, exactly as the REST API does.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hotline.city.service import city_tz
from hotline.console import next_step
from hotline.console import support as cs
from hotline.db import commit_or_conflict
from hotline.errors import BadRequest
from hotline.i18n import ERROR_ZH, FIELD_ZH
from hotline.orders import service
from hotline.orders.actions.common import waiting_co_units
from hotline.orders.actor import Actor
from hotline.orders.enums import STATUS_ZH, Status
from hotline.orders.flows import do_action, do_attach
from hotline.orders.models import Attachment, Order
from hotline.orders.schemas import ActionIn
from hotline.org.deps import ReplicaSessionDep, SessionDep
from hotline.org.models import User
from hotline.validation import YEARS
from hotline.web.pages import PageUser
from hotline.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 30
FILTER_KEYS = ("status", "kind", "category", "unit", "territory", "channel", "urgency", "q", "overdue", "date_from",
               "date_to", "sort")
SORTS = {"": "受理时间（新的在前）", "light": "按时限灯（超期、临期在前）"}
# The order in which action forms are offered: the usual next step first.
ACTION_ORDER = [
    "sign", "reply", "co_reply", "dispatch", "subdispatch", "dispatch_to_subcentre", "answer_first_contact",
    "hand_off", "inform", "complete", "close", "approve_return", "reject_return", "approve_extension",
    "reject_extension", "request_extension", "request_return", "redispatch", "add_co_unit", "remove_co_unit",
    "reopen", "suspend", "resume",
    "respond_supervision", "urge", "supervise", "cancel_duplicate", "withdraw",
    "accept_transfer", "return_transfer", "transfer_city", "comment",
]


# ---------------------------------------------------------------- list


def _day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is None or YEARS[0] <= day.year <= YEARS[1] else None


def _filters(params: dict[str, str]) -> tuple[service.OrderFilter, dict[str, str]]:
    """Read the filter form leniently: a bad value is ignored, never a 500."""
    clean = {k: (params.get(k) or "").strip() for k in FILTER_KEYS}
    status = clean["status"] if clean["status"] in {s.value for s in Status} else ""
    clean["status"] = status
    clean["sort"] = clean["sort"] if clean["sort"] in SORTS else ""
    start, end = _day(clean["date_from"]), _day(clean["date_to"])
    clean["date_from"] = start.isoformat() if start else ""
    clean["date_to"] = end.isoformat() if end else ""
    f = service.OrderFilter(
        status=[status] if status else [], kind=clean["kind"] or None, category=clean["category"] or None,
        unit=clean["unit"] or None, territory=clean["territory"] or None, channel=clean["channel"] or None, urgency=clean["urgency"] or None,
        q=clean["q"][:100] or None, overdue=clean["overdue"] in ("1", "true", "on") or None,
        created_from=datetime.combine(start, time.min, city_tz()) if start else None,
        created_to=datetime.combine(end + timedelta(days=1), time.min, city_tz()) if end else None,
    )
    clean["overdue"] = "true" if f.overdue else ""
    return f, clean


def _query(clean: dict[str, str], **over: Any) -> str:
    merged = {**clean, **over}
    return urlencode({k: v for k, v in merged.items() if v not in ("", None)})


def export_query(clean: dict[str, str]) -> str:
    """The list's filter as GET /api/v1/exports/orders.{csv,xlsx} names it (a date there is the city's day)."""
    names = {"date_from": "created_from", "date_to": "created_to"}
    return urlencode({names.get(k, k): v for k, v in clean.items() if v and k != "sort"})


@router.get("/orders")
def orders_list(request: Request, db: ReplicaSessionDep, user: PageUser,
                page: Annotated[str, Query()] = "1") -> Response:
    lang = lang_of(request)
    f, clean = _filters(dict(request.query_params))
    try:
        page_no = max(1, min(int(page), 10_000))
    except ValueError:
        page_no = 1
    total, orders = service.list_orders(db, user=user, f=f, page=page_no, size=PAGE_SIZE, sort=clean["sort"])
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    ctx = {
        "rows": [cs.row(db, o, lang) for o in orders], "total": total, "page": page_no, "pages": pages,
        "f": clean, "prev_url": f"/orders?{_query(clean, page=page_no - 1)}" if page_no > 1 else None,
        "next_url": f"/orders?{_query(clean, page=page_no + 1)}" if page_no < pages else None,
        "export_query": export_query(clean), "view_id": request.query_params.get("view", ""),
        "export_query_all": _query(clean),
    }
    if cs.is_htmx(request) and request.headers.get("hx-target") == "results":
        return render(request, "partials/orders_table.html", ctx)
    ctx.update({
        "statuses": [(s.value, STATUS_ZH[s]) for s in Status], "kinds": cs.KIND_LABELS,
        "channels": cs.CHANNEL_LABELS, "urgencies": cs.URGENCY_LABELS, "sorts": SORTS,
        "category_groups": cs.category_groups(db, leaves_only=False), "unit_groups": cs.unit_groups(db),
        "territory_groups": cs.territory_groups(db),
    })
    return render(request, "orders_list.html", ctx)


# ---------------------------------------------------------------- detail


def _prefill(db: Session, order: Order, suggestion: dict[str, Any] | None, lead: list[str]
             ) -> dict[str, dict[str, str]]:
    """派单 leads a new order pre-filled with routing's first choices (the dispatcher may change them);
    a category only when it is a leaf of the catalogue in force (routing.service.is_leaf)."""
    from hotline.routing.service import is_leaf

    if not suggestion or "dispatch" not in lead:
        return {}
    fill = {}
    if suggestion["units"]:
        fill["lead_unit"] = suggestion["units"][0]["code"]
    if not order.category_code and suggestion["categories"] and is_leaf(db, suggestion["categories"][0]["code"]):
        fill["category_code"] = suggestion["categories"][0]["code"]
    return {"dispatch": fill} if fill else {}


def detail_ctx(db: SessionDep, order: Order, user: User, lang: str) -> dict[str, Any]:
    o = service.present_detail(db, order, user, lang=lang, one=False)  # the pickers read every category
    actions = sorted(o["allowed_actions"], key=lambda a: ACTION_ORDER.index(a) if a in ACTION_ORDER else 99)
    needs = {f for a in actions for f in cs.fields_for(a)}
    ctx: dict[str, Any] = {"o": o, "actions": actions, "intake_actions": cs.INTAKE_ACTIONS}
    suggestion = None
    if user.role != "leader" and any(a in cs.ROUTING_ACTIONS for a in actions):
        suggestion = ctx["suggestion"] = cs.stored_suggestion(db, order)
    lead, more = next_step.split(order.status, actions, flags=(suggestion or {}).get("flags"), kind=order.kind)
    ctx.update(lead_actions=lead, more_actions=more, prefill=_prefill(db, order, suggestion, lead))
    if "lead_unit" in needs or "add_co_unit" in actions:
        ctx["unit_groups"] = cs.unit_groups(db)
    if "remove_co_unit" in actions:
        ctx["current_co_units"] = [(u.code, u.name) for u in order.co_units()]
    if "reply" in actions:  # the reply form says whose 协办意见 it waits for
        ctx["waiting_co_units"] = [u.name for u in waiting_co_units(order)]
    if "category_code" in needs:
        ctx["category_groups"] = cs.category_groups(db)
    if "subcentre" in needs:
        ctx["subcentres"] = cs.subcentres(db)
    if "channel" in needs:
        ctx["inform_channels"] = cs.inform_channels()
    if "to_city" in needs:  # 转办: the province's other cities
        from hotline.city.service import cities
        from hotline.city.tenancy import current_scope

        ctx["transfer_cities"] = [(c.code, c.name) for c in cities(db) if c.id != current_scope().id]
    if "extra_days" in needs:
        from hotline.sla.service import extension_limits

        ctx["max_extra_days"] = extension_limits().max_days
    return ctx


@router.get("/orders/{number}")
def order_detail(number: str, request: Request, db: SessionDep, user: PageUser,
                 intake: Annotated[str, Query()] = "") -> Response:
    order = service.get_order(db, number=number, user=user)
    ctx = detail_ctx(db, order, user, lang_of(request))
    ctx["just_created"] = bool(intake)
    return render(request, "order_detail.html", ctx)


@router.get("/orders/{number}/caller-history")
def order_caller_history(number: str, request: Request, db: SessionDep, user: PageUser) -> Response:
    """来电人历史 one click from the order page (centre roles; units get the 403 page, as in the API)."""
    from hotline.duplicates.service import caller_history

    order = service.get_order(db, number=number, user=user)
    history = caller_history(db, user=user, phone=order.citizen_phone) if order.citizen_phone else None
    o = {"number": order.number, "title": order.title}
    return render(request, "order_caller_history.html", {"o": o, "ctx": history})


# ---------------------------------------------------------------- acting


def _invalid(exc: ValidationError) -> BadRequest:
    zh, en = [], []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        name = loc[0] if loc else "form"
        zh.append(f"{FIELD_ZH.get(name, name)}：{ERROR_ZH.get(err.get('type', ''), '不符合要求')}")
        en.append(f"{name}: {err.get('msg', 'invalid')}")
    return BadRequest("invalid_input", "；".join(zh), "; ".join(en))


def build_action(form: dict[str, Any]) -> ActionIn:
    """An ``ActionIn`` from a console form: only the fields the action uses, blanks dropped."""
    action = str(form.get("action") or "")
    data: dict[str, Any] = {"action": action}
    version = str(form.get("expected_version") or "").strip()
    if version:
        if not version.isdigit():
            raise BadRequest("bad_version", "页面数据有误，请刷新后重试", "bad expected_version; reload the page")
        data["expected_version"] = int(version)
    for name in cs.fields_for(action):
        value = form.get(name)
        if name == "co_units":
            data[name] = [v for v in (value or []) if v]
            continue
        text = str(value or "").strip()
        if not text:
            continue
        if name == "extra_days":
            if not text.isdigit():
                raise BadRequest("bad_extra_days", "延期天数须为整数", "extra_days must be a whole number",
                                 field="extra_days")
            data[name] = int(text)
        else:
            data[name] = text
    pushdown = str(form.get("pushdown_reason") or "").strip()
    if pushdown and "lead_unit" in data:  # 下沉理由 (hotline.pushdown): the field its partial adds to a dispatch
        data["pushdown_reason"] = pushdown
    try:
        return ActionIn.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from exc


def _done(request: Request, db: SessionDep, order: Order, user: User, message: str,
          return_to: str = "") -> Response:
    lang = lang_of(request)
    if not cs.is_htmx(request):
        from hotline.web.flash import redirect_with_flash

        target = "/inbox" if return_to == "inbox" else f"/orders/{order.number}"
        return redirect_with_flash(target, message, message)  # already in the viewer's language
    if return_to == "inbox":  # the inbox again, with the filter it was showing
        from urllib.parse import parse_qsl, urlsplit

        from hotline.console.queue_pages import inbox_ctx, list_filter

        f, clean = list_filter(dict(parse_qsl(urlsplit(request.headers.get("hx-current-url") or "").query)), "inbox")
        ctx = inbox_ctx(db, user, lang, clean["sort"] == "light", f)
        ctx["message"] = message
        return render(request, "partials/inbox_sections.html", ctx)
    db.expire(order)
    db.refresh(order)
    ctx = detail_ctx(db, order, user, lang)
    ctx["message"] = message
    return render(request, "partials/order_panel.html", ctx)


@router.post("/orders/{number}/act")
def order_act(
    number: str, request: Request, db: SessionDep, user: PageUser,
    action: Annotated[str, Form()] = "", expected_version: Annotated[str, Form()] = "",
    lead_unit: Annotated[str, Form()] = "", co_units: Annotated[list[str] | None, Form()] = None,
    subcentre: Annotated[str, Form()] = "", category_code: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "", content: Annotated[str, Form()] = "",
    extra_days: Annotated[str, Form()] = "", service_: Annotated[str, Form(alias="service")] = "",
    channel: Annotated[str, Form()] = "", parent_number: Annotated[str, Form()] = "",
    return_to: Annotated[str, Form()] = "", co_override_reason: Annotated[str, Form()] = "",
    pushdown_reason: Annotated[str, Form(max_length=2000)] = "",
    to_city: Annotated[str, Form()] = "",
) -> Response:
    body = build_action({
        "action": action, "expected_version": expected_version, "lead_unit": lead_unit, "co_units": co_units,
        "subcentre": subcentre, "category_code": category_code, "reason": reason, "note": note,
        "content": content, "extra_days": extra_days, "service": service_, "channel": channel,
        "parent_number": parent_number, "co_override_reason": co_override_reason, "to_city": to_city,
        "pushdown_reason": pushdown_reason,
    })
    order = service.get_order(db, number=number, user=user)
    do_action(db, order=order, actor=Actor.of(user), action=body.action, payload=body.payload(),
              expected_version=body.expected_version)
    commit_or_conflict(db)
    lang = lang_of(request)
    label = cs.t(cs.ACTION_LABELS[body.action.value], lang)
    message = f"{cs.t('操作成功', lang)}: {label}" if lang == "en" else f"操作成功：{label}"
    return _done(request, db, order, user, message, return_to)


def attach_upload(db: Session, order: Order, user: User, file: UploadFile | None) -> Attachment:
    """A console upload onto the order (the order page's form and the reply form's tools): one file,
    read one byte past the limit so ``do_attach`` can refuse an over-sized one."""
    if file is None or not file.filename:
        raise BadRequest("file_required", "请选择要上传的文件", "choose a file to upload", field="file")
    from hotline.config import get_settings

    data = file.file.read(get_settings().max_upload_bytes + 1)
    return do_attach(db, order=order, actor=Actor.of(user), filename=file.filename or "file", data=data)


@router.post("/orders/{number}/attachments")
def order_attach(number: str, request: Request, db: SessionDep, user: PageUser,
                 file: Annotated[UploadFile | None, File()] = None) -> Response:
    order = service.get_order(db, number=number, user=user)
    att = attach_upload(db, order, user, file)
    commit_or_conflict(db)
    lang = lang_of(request)
    message = (f"{cs.t('已上传附件', lang)}: {att.filename}" if lang == "en" else f"已上传附件：{att.filename}")
    return _done(request, db, order, user, message)
