"""The city file API (``/api/v1/admin/city-file``): export the live configuration, preview and apply an import.

Admin only (the acting city's; tenancy scopes every read and write to it).  The preview is a POST
because it carries the file, but it writes nothing; the apply carries the same file, the preview's
``base`` (409 when the live configuration changed since) and a required reason.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response

from hotline.city.schema import Role
from hotline.cityfile import service
from hotline.db import commit_or_conflict
from hotline.errors import TooLarge
from hotline.org.deps import CurrentUser, SessionDep, require_roles

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
ADMIN = [require_roles(Role.admin)]


def read_upload(file: UploadFile) -> bytes:
    data = file.file.read(service.MAX_FILE + 1)
    if len(data) > service.MAX_FILE:
        raise TooLarge("city_file_too_large", "城市配置文件不能超过2MB", "a city file may not exceed 2 MB", field="file")
    return data


def forget_caches() -> None:
    """After an import's commit: routing re-reads the units and the catalogue version."""
    from hotline.routing.service import forget_catalogue
    from hotline.units.flows import forget_routing

    forget_routing()
    forget_catalogue()


@router.get("/city-file", summary="导出城市文件 · the live configuration as a city file (YAML, admin)",
            dependencies=ADMIN, response_class=Response,
            responses={200: {"content": {"application/yaml": {}}, "description": "the city file"}})
def export(db: SessionDep, user: CurrentUser) -> Response:
    text, name = service.export(db, actor=user.username)
    return Response(text.encode("utf-8"), media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/city-file/preview", summary="导入预览 · what importing a city file would change, by section (admin)",
             dependencies=ADMIN)
def preview(db: SessionDep, user: CurrentUser, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    p = service.preview(db, service.parse(read_upload(file)))
    return service.trial(db, p, actor=user).as_json()


@router.post("/city-file/apply", summary="确认导入 · carry an import out in one transaction (admin)",
             dependencies=ADMIN)
def apply(db: SessionDep, user: CurrentUser, file: Annotated[UploadFile, File()],
          base: Annotated[str, Form(min_length=1, max_length=64)],
          reason: Annotated[str, Form(max_length=service.MAX_REASON)] = "") -> dict[str, Any]:
    out = service.apply(db, service.parse(read_upload(file)), actor=user, base=base, reason=reason)
    commit_or_conflict(db)
    forget_caches()
    return out
