"""管理 · 城市文件 (``/admin/city-file``): download the live configuration as a city file; upload one, see
what it would change section by section, and apply it with a reason (docs/admin.md)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from hotline.cityfile import service
from hotline.cityfile.views import forget_caches, read_upload
from hotline.db import commit_or_conflict
from hotline.errors import AppError, BadRequest
from hotline.org.deps import SessionDep
from hotline.org.models import User
from hotline.web import kit as cs
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)
ADMIN = ("admin",)


def _home(request: Request, db: SessionDep, user: User, *, status_code: int = 200,
          error: AppError | None = None) -> Response:
    lv = service.live(db)
    return render(request, "admin_city_file.html", {
        "versions": lv.versions, "n_units": len(lv.body["units"]), "n_entries": len(lv.body["catalogue"]),
        "error": error, "preview": None}, status_code=status_code)


@router.get("/admin/city-file")
def home(request: Request, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    return _home(request, db, user)


@router.get("/admin/city-file/export")
def download(db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    text, name = service.export(db, actor=user.username)
    return Response(text.encode("utf-8"), media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/admin/city-file/preview")
def preview(request: Request, db: SessionDep, user: PageUser, file: Annotated[UploadFile, File()]) -> Response:
    cs.require_role(user, ADMIN)
    try:
        content = read_upload(file)
        p = service.trial(db, service.preview(db, service.parse(content)), actor=user)
    except AppError as exc:
        db.rollback()
        return _home(request, db, user, status_code=exc.status_code, error=exc)
    lv = service.live(db)
    return render(request, "admin_city_file.html", {
        "versions": lv.versions, "n_units": len(lv.body["units"]), "n_entries": len(lv.body["catalogue"]),
        "error": None, "preview": p, "counts": p.counts(), "content": base64.b64encode(content).decode(),
        "filename": (file.filename or "")[:200]})


@router.post("/admin/city-file/apply")
def apply(request: Request, db: SessionDep, user: PageUser,
          content: Annotated[str, Form(max_length=3 * service.MAX_FILE)] = "",
          base: Annotated[str, Form(max_length=64)] = "",
          reason: Annotated[str, Form(max_length=service.MAX_REASON)] = "") -> Response:
    cs.require_role(user, ADMIN)
    try:
        try:
            raw = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("city_file_invalid", "导入内容有误，请重新上传", "malformed import; upload again") from None
        out = service.apply(db, service.parse(raw), actor=user, base=base, reason=reason)
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return _home(request, db, user, status_code=exc.status_code, error=exc)
    forget_caches()
    v = out["versions"]
    return redirect_with_flash(
        "/admin/city-file",
        f"已导入城市文件：派单目录第{v['catalogue']}版，时限设置第{v['sla']}版，KPI设置第{v['kpi']}版",
        f"City file imported: catalogue version {v['catalogue']}, time limits version {v['sla']}, "
        f"KPI settings version {v['kpi']}")
