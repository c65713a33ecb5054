"""Console pages: rankings (/kpi) with exports and drill-down, the leaders' dashboard (/dashboard),
and the public performance page (/public/performance, no login, aggregates only)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hotline.city.kpi_settings import kpi_settings, kpi_settings_versioned
from hotline.db import utcnow
from hotline.errors import BadRequest, NotFound
from hotline.kpi import (
    caliber,
    cells,
    definitions,
    drill,
    export,
    formulas,
    periods,
    queries,
    rankings,
    service,
)
from hotline.org.deps import ReplicaSessionDep
from hotline.org.models import Unit
from hotline.org.scoping import subtree_ids, unit_in_scope
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)
RATES_CTX = {"kpi_rates": definitions.RATES, "centre_rates": definitions.CENTRE_RATES}  # what the pages list


def _period(request: Request, db: Any = None) -> tuple[Any, str, dict[str, str]]:
    """The period asked for; with ``db``, a page without one opens on ``service.default_month``."""
    return service.period_from(dict(request.query_params), db=db)


def _period_ctx(db: Any, clean: dict[str, str]) -> dict[str, Any]:
    """What the period picker and the formula beside the score need."""
    cfg = kpi_settings()
    today = periods.local_date(utcnow())
    years = list(range(today.year, today.year - 6, -1))
    value = clean.get("value", "")
    return {"years": years, "quarters": [f"{y}Q{q}" for y in years for q in (4, 3, 2, 1)],
            "picked": {"month": value if clean["kind"] == "month" else "",
                       "quarter": value if clean["kind"] == "quarter" else "",
                       "year": value if clean["kind"] == "year" else ""},
            "formula": formulas.composite_formula(cfg.weights.as_map()),
            "basic_counts": cfg.basic_counts_as_satisfied, **RATES_CTX}


def _local_dates(p: Any) -> tuple[str, str]:
    from datetime import timedelta

    return (periods.local_date(p.start).isoformat(), (periods.local_date(p.end) - timedelta(days=1)).isoformat())


@router.get("/kpi")
def rankings_page(request: Request, db: ReplicaSessionDep, user: PageUser) -> Response:
    service.require(user, service.RANKING_ROLES)
    p, label, clean = _period(request, db)
    cfg, version = kpi_settings_versioned()  # the ranking, its counts and its caliber from the same version
    counts = queries.unit_counts(db, p, as_of=utcnow(), rules=cfg.exclusions.enabled())
    boards, units = rankings.boards(db, p, counts=counts, cfg=cfg)
    return render(request, "kpi_rankings.html", {
        "label": label, "f": clean, "qs": urlencode(clean), "cfg": cfg,
        "boards": [{"key": b.group, "label": b.label, "ranked": [rankings.row(r, units, b) for r in b.ranked],
                    "too_few": [rankings.row(r, units, b) for r in b.too_few]} for b in boards],
        "caliber": caliber.of(cfg, version), "rate_cells": cells.rate_cells,
        "totals": rankings.centre_totals(db, p, counts=counts), **_period_ctx(db, clean),
    })


@router.get("/kpi/export.{fmt}")
def export_ranking(request: Request, fmt: str, db: ReplicaSessionDep, user: PageUser) -> Response:
    service.require(user, service.RANKING_ROLES)
    if fmt not in ("xlsx", "csv"):
        raise NotFound("not_found", "不支持的导出格式", "unsupported export format")
    p, label, _ = _period(request)
    group = request.query_params.get("group") or ""
    groups = [group] if group in rankings.GROUPS else None
    cfg, version = kpi_settings_versioned()
    rows = service.ranking_rows(db, p, groups, cfg=cfg)
    name = f"kpi-ranking-{label.replace('~', '_')}.{fmt}"
    notes = caliber.lines(cfg, version)  # the formula, its exclusions and the settings' version travel with the file
    if fmt == "csv":
        return Response(export.to_csv(rows, notes=notes), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(export.to_xlsx(rows, title=f"12345考核排名 {label}", notes=notes),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/kpi/drill")
def drill_page(request: Request, db: ReplicaSessionDep, user: PageUser) -> Response:
    service.require(user, service.RANKING_ROLES)
    p, label, clean = _period(request)
    measure = request.query_params.get("measure", "dispatched")
    if measure not in drill.MEASURES:
        raise BadRequest("bad_measure", "未知指标", "unknown measure", field="measure")
    code = request.query_params.get("unit", "")
    unit = db.query(Unit).filter(Unit.code == code).first()
    if unit is None:
        raise NotFound("unit_not_found", f"未知单位：{code}", f"unknown unit: {code}")
    if not unit_in_scope(db, user, unit.id):  # a sub-centre or a unit: only its own subtree
        raise NotFound("unit_not_found", f"未知单位：{code}", f"unknown unit: {code}")
    recs = drill.records(db, unit_ids=subtree_ids(db, unit.id), measure=measure, period=p, as_of=utcnow())
    return render(request, "kpi_drill.html", {
        "label": label, "unit": unit, "measure": measure, "measures": drill.MEASURES, "rows": recs,
        "excluded_labels": drill.EXCLUDED_ZH, "f": clean, "qs": urlencode(clean)})


@router.get("/dashboard")
def dashboard_page(request: Request, db: ReplicaSessionDep, user: PageUser) -> Response:
    service.require(user, service.DASHBOARD_ROLES)
    p, label, clean = _period(request, db)
    date_from, date_to = _local_dates(p)
    # later packages add panels (``kpi.dashboard_panels``: fn(db, user, now) -> {template, ctx})
    from hotline import registry

    panels = [fn(db, user, utcnow()) for fn in registry.get().extensions_of("kpi.dashboard_panels")]
    return render(request, "kpi_dashboard.html", {
        "label": label, "f": clean, "data": service.dashboard(db, p), "date_from": date_from, "date_to": date_to,
        **_period_ctx(db, clean), **{k: v for x in panels for k, v in x["ctx"].items()},
        "panels": [x["template"] for x in panels]})


@router.get("/public/performance")
def public_page(request: Request, db: ReplicaSessionDep, value: str = "") -> Response:
    """No login: per-unit rates of ranked units only; no personal data, no order texts."""
    cfg = kpi_settings()
    today = periods.local_date(utcnow())
    y, m = periods.containing(today, cfg.month_start_day)
    y, m = (y, m - 1) if m > 1 else (y - 1, 12)  # the last complete statistics month
    try:
        if value:
            y, m = (int(x) for x in value.split("-"))
            date(y, m, 1)
    except ValueError as exc:
        raise BadRequest("bad_period", "月份格式应为2026-11", "month must look like 2026-11", field="value") from exc
    p = periods.month(y, m, cfg.month_start_day)
    boards, units = rankings.boards(db, p, groups=["departments", "streets"])
    public_boards = [{"label": b.label, "rows": [
        {"name": units[r.unit_id].name, "rank": r.rank, **r.rates.as_dict(), "dispatched": r.counts.dispatched,
         "evaluated": r.counts.evaluated} for r in b.ranked]} for b in boards]
    return render(request, "public_performance.html", {
        "label": f"{y:04d}-{m:02d}", "boards": public_boards, "min_orders": cfg.min_orders_for_ranking, **RATES_CTX})
