"""受理 · the intake form: an operator records a citizen's demand as a new work order.

The form is validated with the API's own ``OrderCreate`` so that the console and
the API accept exactly the same input; problems are shown beside each field in
Chinese (or English), and what the operator typed is kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from hotline.console import support as cs
from hotline.db import commit_or_conflict
from hotline.errors import AppError
from hotline.i18n import ERROR_ZH, FIELD_ZH
from hotline.orders.actor import Actor
from hotline.orders.flows import do_intake
from hotline.orders.schemas import DEMAND_MAX, OrderCreate, demand_too_long
from hotline.org.deps import SessionDep
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)

INTAKE_ROLES = ("operator", "dispatcher")
TEXT_FIELDS = ("kind", "title", "content", "channel", "category_code", "urgency", "citizen_name",
               "citizen_phone", "address", "territory_code", "note", "requester_type", "enterprise_uscc")

# Clearer words than the generic ones for the mistakes operators actually make.
FIELD_MESSAGES: dict[tuple[str, str], tuple[str, str]] = {
    ("citizen_phone", "string_pattern_mismatch"): (
        "联系电话格式不正确，请输入11位手机号或带区号的固定电话（如 0571-88886666）",
        "Invalid phone number: enter an 11-digit mobile number or a landline with area code"),
    ("enterprise_uscc", "value_error"): (
        "统一社会信用代码校验不通过（18位，末位校验码按GB 32100-2015计算），请核对",
        "The unified social credit code does not check (18 characters, the last a GB 32100-2015 check character)"),
    ("enterprise_uscc", "string_too_short"): ("统一社会信用代码应为18位", "The unified social credit code has 18 characters"),
    ("title", "string_too_short"): ("标题至少2个字", "The title needs at least 2 characters"),
    ("title", "string_too_long"): ("标题不能超过60个字", "The title may have at most 60 characters"),
    ("content", "string_too_short"): ("诉求内容至少5个字", "The demand needs at least 5 characters"),
    ("kind", "missing"): ("请选择诉求类型", "Choose the kind of demand"),
    ("title", "missing"): ("请填写标题", "Enter a title"),
    ("content", "missing"): ("请填写诉求内容", "Enter the demand"),
}


def field_errors(exc: ValidationError) -> dict[str, tuple[str, str]]:
    """Field → (Chinese, English) message, one per field."""
    out: dict[str, tuple[str, str]] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        name = loc[0] if loc else "form"
        kind = err.get("type", "")
        if (name, kind) == ("content", "string_too_long"):
            out.setdefault(name, demand_too_long(len(str(err.get("input", "")))))
            continue
        msg = FIELD_MESSAGES.get((name, kind)) or (
            f"{FIELD_ZH.get(name, name)}：{ERROR_ZH.get(kind, '不符合要求')}", f"{name}: {err.get('msg', 'invalid')}")
        out.setdefault(name, msg)
    return out


def _form_ctx(db: Any, values: dict[str, Any], errors: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    from sqlalchemy import select

    from hotline.console.pinyin import option_keys
    from hotline.org.models import Unit

    categories, territories, units = cs.category_groups(db), cs.territory_groups(db), cs.unit_groups(db)
    short = {code: name for code, name in db.execute(select(Unit.code, Unit.short_name)) if name}
    return {
        "values": values, "errors": errors or {}, "demand_max": DEMAND_MAX,
        "kinds": cs.KIND_LABELS, "channels": [(c, cs.CHANNEL_LABELS[c]) for c in cs.INTAKE_CHANNELS],
        "urgencies": cs.URGENCY_LABELS, "category_groups": categories,
        "territory_groups": territories, "unit_groups": units,
        # type-ahead by pinyin initials in the pickers (static/picker.js): option code → keys
        "pinyin": {**option_keys(categories), **option_keys(territories, short), **option_keys(units, short)},
    }


@router.get("/orders/new")
def intake_form(request: Request, db: SessionDep, user: PageUser, citizen_phone: str = "") -> Response:
    """The call-pop panel links here with the caller's number already filled in."""
    cs.require_role(user, INTAKE_ROLES)
    values = {"channel": "phone", "urgency": "normal", "citizen_phone": citizen_phone.strip()[:20]}
    return render(request, "intake.html", _form_ctx(db, values))


@router.post("/orders/new")
def intake_submit(
    request: Request, db: SessionDep, user: PageUser,
    kind: Annotated[str, Form()] = "", title: Annotated[str, Form()] = "", content: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "phone", category_code: Annotated[str, Form()] = "",
    urgency: Annotated[str, Form()] = "normal", citizen_name: Annotated[str, Form()] = "",
    citizen_phone: Annotated[str, Form()] = "", anonymous: Annotated[str, Form()] = "",
    confidential: Annotated[str, Form()] = "", address: Annotated[str, Form()] = "",
    territory_code: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
    lead_unit: Annotated[str, Form(max_length=64)] = "", no_callback: Annotated[str, Form()] = "",
    co_units: Annotated[list[str] | None, Form()] = None,
    requester_type: Annotated[str, Form(max_length=16)] = "citizen",
    enterprise_uscc: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    cs.require_role(user, INTAKE_ROLES)
    content = content.replace("\r\n", "\n")  # a browser sends CRLF; count characters as the counter does
    typed = {"kind": kind, "title": title, "content": content, "channel": channel, "category_code": category_code,
             "urgency": urgency, "citizen_name": citizen_name, "citizen_phone": citizen_phone,
             "address": address, "territory_code": territory_code, "note": note,
             "requester_type": requester_type, "enterprise_uscc": enterprise_uscc.upper()}
    values: dict[str, Any] = dict(typed)
    values["lead_unit"] = lead_unit
    values["co_units"] = [c for c in (co_units or []) if c.strip()][:10]
    values["no_callback"] = bool(no_callback)
    values["anonymous"] = bool(anonymous)
    values["confidential"] = bool(confidential)
    data: dict[str, Any] = {k: v.strip() for k, v in typed.items() if v and v.strip()}
    data["anonymous"], data["confidential"] = values["anonymous"], values["confidential"]
    try:
        body = OrderCreate.model_validate(data)
    except ValidationError as exc:
        return render(request, "intake.html", _form_ctx(db, values, field_errors(exc)), status_code=422)
    try:
        # the operator routes at first contact: intake and dispatch (lead + co-units) in one transaction
        order = do_intake(db, actor=Actor.of(user), data={
            **body.model_dump(mode="json"), "lead_unit": lead_unit.strip() or None,
            "co_units": values["co_units"]})
        if no_callback:
            from hotline.callbacks.flows import do_opt_out

            do_opt_out(db, order=order, actor=Actor.of(user), note="受理时诉求人表示不接受回访")
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        name = str(exc.details.get("field") or "form")
        return render(request, "intake.html", _form_ctx(db, values, {name: (exc.zh, exc.en)}),
                      status_code=exc.status_code)
    return RedirectResponse(f"/orders/{order.number}?intake=1", status_code=303)


__all__ = ["router", "field_errors"]
