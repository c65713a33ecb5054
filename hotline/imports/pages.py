"""Import console page (admin): upload → map columns → validation report → import.

The uploaded file is kept under ``data_dir/imports/<random token>`` between the
steps (the token is checked to be hex, so it can never name another path).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Annotated

import yaml
from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from hotline.config import get_settings
from hotline.db import commit_or_conflict
from hotline.errors import AppError, BadRequest, NotFound, TooLarge
from hotline.imports.flows import import_file
from hotline.imports.mapping import FIELD_ZH, FIELDS, guess_mapping, parse_mapping, shipped_mappings
from hotline.imports.reader import read_table
from hotline.imports.views import MAX_IMPORT_BYTES
from hotline.org.deps import SessionDep
from hotline.web import kit as cs
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)
ADMIN = ("admin",)
TOKEN = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx)$")


def _dir() -> Path:
    d = get_settings().data_dir / "imports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _load(token: str) -> tuple[Path, list[str], list[dict[str, str]]]:
    if not TOKEN.match(token) or not (_dir() / token).exists():
        raise NotFound("import_not_found", "上传的文件已失效，请重新上传", "the upload has expired; upload again")
    path = _dir() / token
    headers, rows = read_table(path.read_bytes(), path.name)
    return path, headers, rows


@router.get("/imports")
def upload_form(request: Request, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    return render(request, "imports_upload.html", {})


@router.post("/imports/upload")
def upload(request: Request, user: PageUser, file: Annotated[UploadFile, File()]) -> Response:
    cs.require_role(user, ADMIN)
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise BadRequest("bad_file_type", "只支持 .csv 和 .xlsx 文件", "only .csv and .xlsx files are supported",
                         field="file")
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise TooLarge("file_too_large", "文件不能超过50MB", "files may be at most 50 MB", field="file")
    read_table(data, file.filename or "x" + suffix)  # refuse unreadable files now, not at the next step
    token = secrets.token_hex(16) + suffix
    (_dir() / token).write_bytes(data)
    return RedirectResponse(f"/imports/{token}", status_code=303)


def _ctx(token: str, headers: list[str], rows: list[dict[str, str]], chosen: dict[str, str], extra: str,
         report: dict | None = None, error: AppError | None = None, loaded: str = "", live: bool = False) -> dict:
    return {"token": token, "headers": headers, "sample": rows[:3], "fields": ("external_id", *FIELDS),
            "field_labels": FIELD_ZH, "chosen": chosen, "extra": extra, "report": report, "error": error,
            "row_count": len(rows), "shipped": list(shipped_mappings()), "loaded": loaded, "live": live}


DEFAULT_EXTRA = "values:\n  status: {}\n  lead_unit: {}\n  kind: {}\ndefaults:\n  kind: complaint\n"


@router.get("/imports/{token}")
def mapping_form(request: Request, token: str, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    _path, headers, rows = _load(token)
    return render(request, "imports_map.html", _ctx(token, headers, rows, guess_mapping(headers), DEFAULT_EXTRA))


def _bad_yaml() -> BadRequest:
    return BadRequest("bad_mapping", "映射配置不是有效的YAML键值对", "the mapping is not a valid YAML mapping",
                      field="mapping")


def split_mapping(text: str) -> tuple[dict[str, str] | None, str]:
    """A YAML mapping → (the column choices for the selects, the rest as YAML for the box).

    None when the text maps no columns (it holds only values/defaults/…: the selects stay)."""
    try:
        spec = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise _bad_yaml() from exc
    spec = spec or {}
    if not isinstance(spec, dict):
        raise _bad_yaml()
    if "fields" not in spec and "external_id" not in spec:
        return None, text
    parse_mapping(text)  # refuses unknown keys and fields now, with the reason
    fields = {str(k): str(v) for k, v in (spec.pop("fields", None) or {}).items() if v not in (None, "")}
    chosen = {f: fields.get(f, "") for f in FIELDS}
    chosen["external_id"] = str(spec.pop("external_id", None) or "")
    rest = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False, width=100) if spec else ""
    return chosen, rest


@router.post("/imports/{token}")
async def run(request: Request, token: str, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    form = await request.form()
    chosen = {f: str(form.get(f"col_{f}") or "") for f in ("external_id", *FIELDS)}
    extra = str(form.get("extra") or "")[:100_000]
    mode = str(form.get("mode") or "validate")
    live = str(form.get("live") or "") in ("1", "on", "true")
    upload = form.get("mapping_file")
    text, loaded = extra, ""
    if upload is not None and not isinstance(upload, str) and upload.filename:
        text, loaded = (await upload.read(100_001)).decode("utf-8-sig", errors="replace")[:100_000], upload.filename
    elif mode == "load" and str(form.get("shipped") or "") in shipped_mappings():
        loaded = str(form["shipped"])
        text = shipped_mappings()[loaded]
    return await _run_sync(request, token, db, user, chosen, text, mode, loaded=loaded, live=live)


async def _run_sync(request: Request, token: str, db: SessionDep, user: PageUser, chosen: dict[str, str],
                    extra: str, mode: str, *, loaded: str = "", live: bool = False) -> Response:
    from starlette.concurrency import run_in_threadpool

    def work() -> Response:
        path, headers, rows = _load(token)
        cols, rest = chosen, extra
        try:
            # a YAML that maps columns (loaded, uploaded or pasted) sets the selects; the box keeps the rest
            from_yaml, rest = split_mapping(extra)
            cols = from_yaml if from_yaml is not None else chosen
            if mode == "load":
                return render(request, "imports_map.html",
                              _ctx(token, headers, rows, cols, rest, loaded=loaded or "YAML", live=live))
            spec = yaml.safe_load(rest) or {} if rest.strip() else {}
            spec["fields"] = {k: v for k, v in cols.items() if v and k != "external_id"}
            spec["external_id"] = cols.get("external_id") or None
            m = parse_mapping(spec)
            report = import_file(db, data=path.read_bytes(), filename=path.name, mapping=m, user=user,
                                 dry_run=mode != "run", live=live)
            if mode == "run":
                commit_or_conflict(db)
        except AppError as exc:
            db.rollback()
            return render(request, "imports_map.html", _ctx(token, headers, rows, cols, rest, error=exc, live=live),
                          status_code=exc.status_code)
        return render(request, "imports_map.html",
                      _ctx(token, headers, rows, cols, rest, report=report, loaded=loaded, live=live))

    return await run_in_threadpool(work)
