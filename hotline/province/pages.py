"""Console pages of the province: every city side by side (/province) and new cities
(/province/cities, the provincial administrator's form)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from hotline import registry
from hotline.city.schema import Role
from hotline.city.service import cities
from hotline.db import utcnow
from hotline.errors import AppError
from hotline.org.cities import MAX_CITY_FILE, add_city_from_upload
from hotline.org.deps import SessionDep
from hotline.province import service as province
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/province")
def overview_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    from hotline.kpi.service import period_from
    from hotline.transfers.service import list_for_city, present

    province.require_province(user)
    period, label, clean = period_from(dict(request.query_params), db=db)
    # later packages add panels (``province.panels``: fn(db, user, now) -> {template, ctx}); hotspots does
    panels = [fn(db, user, utcnow()) for fn in registry.get().extensions_of("province.panels")]
    return render(request, "city_province.html", {
        **{k: v for p in panels for k, v in p["ctx"].items()}, "panels": [p["template"] for p in panels],
        "label": label, "f": clean, "rows": province.overview(db, period),
        "overdue": province.overdue_orders(db, limit=30),
        "transfers": [present(db, t) for t in list_for_city(db, limit=30)]})  # 转办 between the cities


@router.get("/province/cities")
def cities_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    province.require_province(user, {Role.province_admin.value})
    return render(request, "city_cities.html", {"cities": cities(db)})


@router.post("/province/cities")
def add_city_page(request: Request, db: SessionDep, user: PageUser, file: Annotated[UploadFile, File()]) -> Response:
    province.require_province(user, {Role.province_admin.value})
    try:
        row = add_city_from_upload(db, file.file.read(MAX_CITY_FILE + 1), actor=user)
    except AppError as exc:
        db.rollback()
        return render(request, "city_cities.html", {"cities": cities(db), "error": exc},
                      status_code=exc.status_code)
    db.commit()
    return RedirectResponse(f"/province/cities?added={row.code}", status_code=303)
