"""The province's API: every city side by side (read-only) and, for the administrator, new cities."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile

from hotline.city.schema import Role
from hotline.city.service import cities
from hotline.org.cities import MAX_CITY_FILE, add_city_from_upload
from hotline.org.deps import CurrentUser, SessionDep
from hotline.province import service as province

router = APIRouter(prefix="/api/v1/province", tags=["province 全省"])


@router.get("/cities", summary="全省城市 · the cities")
def list_cities(db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    province.require_province(user)
    return [{"code": c.code, "name": c.name, "timezone": c.timezone, "order_number_prefix": c.order_number_prefix}
            for c in cities(db)]


@router.get("/overview", summary="各市三率、受理量、超期 · rates, volumes and overdue per city")
def overview(request: Request, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from hotline.kpi.service import period_from

    province.require_province(user)
    period, label, _ = period_from(dict(request.query_params), db=db)
    return {"period": label, "cities": province.overview(db, period)}


@router.get("/overdue", summary="各市超期工单 · overdue orders of every city")
def overdue(db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    province.require_province(user)
    return province.overdue_orders(db)


@router.post("/cities", status_code=201, summary="新建城市（城市配置文件）· create a city from its file")
def create_city(db: SessionDep, user: CurrentUser, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    province.require_province(user, {Role.province_admin.value})
    row = add_city_from_upload(db, file.file.read(MAX_CITY_FILE + 1), actor=user)
    db.commit()
    return {"code": row.code, "name": row.name, "id": row.id}
