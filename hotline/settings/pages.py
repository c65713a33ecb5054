"""The 管理 screens of the live settings: 时限 (time limits), 节假日 (calendar), KPI 设置, version history.

Every write calls a flow of ``hotline.settings.flows`` and commits once, then redirects with a flash
(POST → 303 → GET); a refused save shows the form again with the reason (422).  Only the city's
``admin`` may open them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from hotline.city.kpi_settings import KpiSettings
from hotline.city.schema import KIND_LABELS_ZH, Kind
from hotline.db import commit_or_conflict, utcnow
from hotline.errors import AppError, BadRequest
from hotline.kpi.definitions import EXCLUSION_RULES, RULE_KEYS
from hotline.org.deps import SessionDep
from hotline.settings import flows
from hotline.sla import service as sla
from hotline.sla.calendar import PACKAGE_YEARS
from hotline.sla.config import LimitUnit
from hotline.web import kit as cs
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)
ADMIN = ("admin",)
UNIT_ZH = {LimitUnit.natural_minutes: "自然分钟", LimitUnit.natural_hours: "自然小时",
           LimitUnit.working_hours: "工作小时", LimitUnit.working_days: "工作日"}
LIMITS = (("sign_within", "签收时限"), ("reply_within", "答复时限"), ("complete_within", "办结时限"))
WEIGHTS = (("response", "签收及时率"), ("on_time", "按期办结率"), ("resolution", "解决率"), ("satisfaction", "满意率"))


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


FormData = Annotated[dict[str, str], Depends(_form)]
Reason = Annotated[str, Form(max_length=flows.MAX_REASON)]


def _list(text: str) -> list[str]:
    return [x for x in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if x]


def _int(form: dict[str, str], key: str) -> int:
    raw = form.get(key, "").strip()
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("bad_number", f"请填写整数：{key}", f"a whole number is needed: {key}", field=key) from None
    if not 0 <= value <= 100_000:
        raise BadRequest("bad_number", f"数值超出范围：{key}", f"out of range: {key}", field=key)
    return value


def _float(form: dict[str, str], key: str) -> float:
    try:
        value = float(form.get(key, "").strip())
    except ValueError:
        raise BadRequest("bad_number", f"请填写数字：{key}", f"a number is needed: {key}", field=key) from None
    if not 0 <= value <= 1_000_000:
        raise BadRequest("bad_number", f"数值超出范围：{key}", f"out of range: {key}", field=key)
    return value


def _limit(form: dict[str, str], prefix: str, key: str) -> dict[str, Any]:
    return {"amount": _int(form, f"{prefix}_{key}_amount"), "unit": form.get(f"{prefix}_{key}_unit", "")}


def _match(form: dict[str, str], prefix: str) -> dict[str, Any]:
    m: dict[str, Any] = {}
    for key in ("kinds", "category_prefixes", "urgency", "requesters"):
        values = _list(form.get(f"{prefix}_{key}", ""))
        if values:
            m[key] = values
    return m


def policies_from_form(body: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """The time-limit form → the ``sla`` block: each policy's limits and match, removals, one new policy
    (inserted before the last, which matches every order)."""
    out = []
    for i, p in enumerate(body.get("policies", [])):
        pre = f"p{i}"
        if form.get(f"{pre}_remove"):
            continue
        q = {**p, "label": form.get(f"{pre}_label", p.get("label", "")).strip()[:64]}
        for key, _ in LIMITS:
            q[key] = _limit(form, pre, key)
        if i < len(body.get("policies", [])) - 1:  # the last one matches everything
            q["match"] = _match(form, pre)
        out.append(q)
    name = form.get("new_name", "").strip()
    if name:
        new = {"name": name[:64], "label": form.get("new_label", "").strip()[:64] or name[:64],
               "match": _match(form, "new"), **{key: _limit(form, "new", key) for key, _ in LIMITS}}
        out.insert(max(len(out) - 1, 0), new)
    return {**body, "policies": out}


def _sla_page(request: Request, db: SessionDep, **extra: Any) -> Response:
    status_code = int(extra.pop("status_code", 200))
    n, body = flows.current(db, "sla")
    return render(request, "settings_sla.html", {
        "version": n, "body": body, "units": UNIT_ZH, "limits": LIMITS, "effect": flows.effect(db),
        "kinds": [(k.value, KIND_LABELS_ZH[k]) for k in Kind], "back": "", **extra}, status_code=status_code)


@router.get("/admin/settings/sla")
def sla_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    return _sla_page(request, db)


@router.post("/admin/settings/sla")
def sla_save(request: Request, db: SessionDep, user: PageUser, form: FormData) -> Response:
    cs.require_role(user, ADMIN)
    return _save_block(request, db, user, "sla", lambda body: policies_from_form(body, form), form.get("reason"),
                       _sla_page, "/admin/settings/sla#effect", ("已保存时限设置第{v}版，适用于新工单",
                                                                 "Time limits version {v} saved; they apply to new orders"))


@router.post("/admin/settings/sla/recompute")
def sla_recompute(request: Request, db: SessionDep, user: PageUser, back: Annotated[str, Form(max_length=32)] = "") -> Response:
    cs.require_role(user, ADMIN)
    eff = flows.do_recompute(db, actor=user)
    commit_or_conflict(db)
    url = "/admin/settings/calendar" if back == "calendar" else "/admin/settings/sla"
    return redirect_with_flash(url, f"已重新计算{len(eff.moved)}件在办工单的期限",
                               f"Deadlines of {len(eff.moved)} open orders recomputed")


def _calendar_page(request: Request, db: SessionDep, year: int | None = None, **extra: Any) -> Response:
    status_code = int(extra.pop("status_code", 200))
    n, body = flows.current(db, "sla")
    today = utcnow()
    from hotline.city.service import city_tz

    this_year = today.astimezone(city_tz()).year
    year = year or this_year + 1
    hol, work = flows.year_dates(body, year)
    cfg = sla.bind(body)[0]
    years = sorted({*PACKAGE_YEARS, *(d.year for d in (*cfg.calendar.extra_holidays, *cfg.calendar.extra_workdays))})
    return render(request, "settings_calendar.html", {
        "version": n, "year": year, "holidays": hol, "workdays": work, "package_years": sorted(PACKAGE_YEARS),
        "override_years": sorted({d.year for d in (*cfg.calendar.extra_holidays, *cfg.calendar.extra_workdays)}),
        "known": [y for y in years if y >= this_year - 1], "unknown_next": sla.unknown_next_year(today),
        "unknown_mode": cfg.unknown_year, "effect": flows.effect(db), "back": "calendar", **extra}, status_code=status_code)


@router.get("/admin/settings/calendar")
def calendar_page(request: Request, db: SessionDep, user: PageUser,
                  year: Annotated[int | None, Query(ge=2000, le=2999)] = None) -> Response:
    cs.require_role(user, ADMIN)
    return _calendar_page(request, db, year)


@router.post("/admin/settings/calendar")
def calendar_save(request: Request, db: SessionDep, user: PageUser, year: Annotated[int, Form(ge=2000, le=2999)],
                  reason: Reason = "", holidays: Annotated[str, Form(max_length=4000)] = "",
                  workdays: Annotated[str, Form(max_length=4000)] = "") -> Response:
    cs.require_role(user, ADMIN)
    try:
        hol = flows.parse_dates(holidays, field="holidays", year=year)
        work = flows.parse_dates(workdays, field="workdays", year=year)
        _, body = flows.current(db, "sla")
        row = flows.do_save(db, actor=user, block="sla", body=flows.with_year(body, year, hol, work), reason=reason)
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return _calendar_page(request, db, year, error=exc, status_code=exc.status_code,
                              form={"holidays": holidays, "workdays": workdays, "reason": reason})
    return redirect_with_flash(f"/admin/settings/calendar?year={year}#effect",
                               f"已保存{year}年节假日（时限设置第{row.version}版），新期限立即按此计算",
                               f"Holidays of {year} saved (time limits version {row.version}); deadlines use them at once")


def _save_block(request: Request, db: SessionDep, user: Any, block: str,
                edit: Callable[[dict[str, Any]], dict[str, Any]], reason: str | None,
                page: Callable[..., Response], back: str, flash: tuple[str, str]) -> Response:
    """Save-with-reason of a whole block (time limits, KPI): the body in force → ``edit`` → a new version
    (``flows.do_save``: validated, with its audit row), one commit, 303 with a flash; a refused save
    shows the page again with the reason."""
    try:
        _, body = flows.current(db, block)
        row = flows.do_save(db, actor=user, block=block, body=edit(body), reason=reason)
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return page(request, db, error=exc, status_code=exc.status_code)
    return redirect_with_flash(back, flash[0].format(v=row.version), flash[1].format(v=row.version))


def _kpi_page(request: Request, db: SessionDep, **extra: Any) -> Response:
    status_code = int(extra.pop("status_code", 200))
    n, body = flows.current(db, "kpi")
    rules = KpiSettings.model_validate(body).exclusions.enabled()
    return render(request, "settings_kpi.html", {"version": n, "body": body, "weights": WEIGHTS,
                                                 "rules": EXCLUSION_RULES, "rules_on": rules, **extra},
                  status_code=status_code)


@router.get("/admin/settings/kpi")
def kpi_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    return _kpi_page(request, db)


@router.post("/admin/settings/kpi")
def kpi_save(request: Request, db: SessionDep, user: PageUser, form: FormData) -> Response:
    cs.require_role(user, ADMIN)

    def edited(body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "weights": {k: _float(form, f"w_{k}") for k, _ in WEIGHTS},
                "basic_counts_as_satisfied": bool(form.get("basic_counts_as_satisfied")),
                "min_orders_for_ranking": _int(form, "min_orders_for_ranking"),
                "summon_below_satisfaction": _float(form, "summon_below_satisfaction_pct") / 100,
                # the switches are checkboxes: read only when the form showed them (``rules_shown``)
                "exclusions": ({k: bool(form.get(f"x_{k}")) for k in RULE_KEYS} if form.get("rules_shown")
                               else body.get("exclusions", {}))}

    return _save_block(request, db, user, "kpi", edited, form.get("reason"), _kpi_page, "/admin/settings/kpi",
                       ("已保存KPI设置第{v}版，排名即按此口径计算", "KPI settings version {v} saved; rankings use them at once"))


@router.get("/admin/settings/{block}/versions")
def versions_page(request: Request, block: str, db: SessionDep, user: PageUser,
                  a: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
                  b: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None) -> Response:
    cs.require_role(user, ADMIN)
    flows.check_block(block)
    rows = flows.versions(db, block)
    changes = None
    if a is not None and b is not None:
        changes = flows.diff(flows.body_of(db, block, a), flows.body_of(db, block, b))
    own = flows.owned().get(block)  # a block a later package writes: its own line per version, its default as v0
    return render(request, "settings_versions.html", {
        "block": block, "label": flows.label_zh(block), "rows": rows, "a": a, "b": b, "changes": changes,
        "current": rows[0].version if rows else 0, "home": own.home if own else f"/admin/settings/{block}",
        "describe": own.describe if own else None,
        "zero": own.describe(flows.body_of(db, block, 0)) if own else None})


@router.post("/admin/settings/{block}/rollback")
def rollback(request: Request, block: str, db: SessionDep, user: PageUser,
             to_version: Annotated[int, Form(ge=0, le=2**31 - 1)], reason: Reason = "") -> Response:
    cs.require_role(user, ADMIN)
    flows.check_block(block)
    try:
        row = flows.do_rollback(db, actor=user, block=block, to_version=to_version, reason=reason)
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return redirect_with_flash(f"/admin/settings/{block}/versions", exc.zh, exc.en, kind="error")
    back = "/admin/settings/sla#effect" if block == "sla" else f"/admin/settings/{block}/versions"
    return redirect_with_flash(back, f"已回滚到第{to_version}版（新版本第{row.version}版）",
                               f"Rolled back to version {to_version} (new version {row.version})")
