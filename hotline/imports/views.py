"""Export API: GET /api/v1/exports/orders.csv and orders.xlsx (the order list's filters), and import API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response, StreamingResponse

from hotline.city.schema import Role
from hotline.city.service import city_tz
from hotline.db import commit_or_conflict, utcnow
from hotline.errors import Forbidden, TooLarge
from hotline.imports import export
from hotline.imports.flows import import_file
from hotline.imports.mapping import parse_mapping
from hotline.orders import service
from hotline.org.deps import CurrentUser, ReplicaSessionDep, SessionDep
from hotline.validation import Moment, MomentEnd

router = APIRouter(prefix="/api/v1", tags=["imports"])
MAX_IMPORT_BYTES = 50 * 1024 * 1024
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/exports/orders.{fmt}", summary="导出工单 · export the order list (csv or xlsx)")
def export_orders(
    fmt: str, db: ReplicaSessionDep, user: CurrentUser,
    status: Annotated[list[str] | None, Query()] = None, kind: str | None = None, category: str | None = None,
    unit: str | None = None, territory: str | None = None, channel: str | None = None, urgency: str | None = None,
    q: str | None = None,
    overdue: bool | None = None, open_only: bool = False, phone: str | None = None,
    created_from: Moment | None = None, created_to: MomentEnd | None = None,
    number: Annotated[list[str] | None, Query(max_length=500, description="only these orders (a bulk selection)")] = None,
) -> Response:
    from hotline.errors import NotFound

    if fmt not in MEDIA:
        raise NotFound("unknown_format", "只支持 csv 或 xlsx", "use .csv or .xlsx")
    f = service.OrderFilter(status=status or [], kind=kind, category=category, unit=unit, territory=territory,
                            channel=channel,
                            urgency=urgency, q=q, overdue=overdue, open_only=open_only, phone=phone,
                            created_from=created_from, created_to=created_to,
                            numbers=[n[:32] for n in number or []])
    name = f"orders-{utcnow().astimezone(city_tz()):%Y%m%d-%H%M}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":  # streamed batch by batch: a year's export never sits in memory
        return StreamingResponse(export.stream_csv(db, user=user, f=f), media_type=MEDIA[fmt], headers=headers)
    return Response(export.to_xlsx(db, user=user, f=f), media_type=MEDIA[fmt], headers=headers)


@router.post("/imports", summary="导入历史工单 · import a CSV/xlsx with a YAML mapping (admin)")
def run_import(db: SessionDep, user: CurrentUser, file: Annotated[UploadFile, File()],
               mapping: Annotated[str, Form(max_length=100_000)], dry_run: Annotated[bool, Form()] = True,
               live: Annotated[bool, Form(description="open orders become live work (clocks, notices)")] = False,
               ) -> dict[str, Any]:
    if user.role != Role.admin:
        raise Forbidden("role_not_allowed", "仅系统管理员可导入", "only admins may import")
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise TooLarge("file_too_large", "文件不能超过50MB", "files may be at most 50 MB", field="file")
    report = import_file(db, data=data, filename=file.filename or "upload.csv", mapping=parse_mapping(mapping),
                         user=user, dry_run=dry_run, live=live)
    if not dry_run:
        commit_or_conflict(db)
    return report
