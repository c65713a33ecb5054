"""REST API for the KPIs (/api/v1/kpi …): totals, rankings and dashboard figures for a period."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from hotline.city.kpi_settings import kpi_settings_versioned
from hotline.kpi import rankings, service
from hotline.org.deps import CurrentUser, ReplicaSessionDep

router = APIRouter(prefix="/api/v1/kpi", tags=["kpi"])


def _period(request: Request):  # type: ignore[no-untyped-def]
    return service.period_from(dict(request.query_params))


@router.get("/summary", summary="全市汇总 · city totals (kind=month|quarter|custom, value, from, to)")
def summary(request: Request, db: ReplicaSessionDep, user: CurrentUser) -> dict[str, Any]:
    service.require(user, service.DASHBOARD_ROLES)
    p, label, _ = _period(request)
    return {"period": label, **rankings.centre_totals(db, p)}


@router.get("/rankings", summary="排名 · rankings by unit group, with counts behind every rate")
def ranking(request: Request, db: ReplicaSessionDep, user: CurrentUser) -> dict[str, Any]:
    service.require(user, service.RANKING_ROLES)
    p, label, _ = _period(request)
    cfg, version = kpi_settings_versioned()
    return {"period": label, "caliber_version": version, "exclusion_rules": cfg.exclusions.model_dump(),
            "rows": service.ranking_rows(db, p, cfg=cfg)}


@router.get("/dashboard", summary="领导驾驶舱数据 · the dashboard's figures")
def dashboard(request: Request, db: ReplicaSessionDep, user: CurrentUser) -> dict[str, Any]:
    service.require(user, service.DASHBOARD_ROLES)
    p, label, _ = _period(request)
    return {"period": label, **service.dashboard(db, p)}
