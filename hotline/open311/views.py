"""GeoReport v2 endpoints under /open311/v2/ — JSON or XML by the path's extension.

Every refusal is answered in the spec's error format, never in the platform's
own; the platform's errors raised inside (AppError) are translated here.  Work
on the database runs in the thread pool (``run_in_threadpool``), not on the event
loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hotline.city.service import current_city
from hotline.db import commit_or_conflict, utcnow
from hotline.errors import AppError
from hotline.idempotency import service as idem
from hotline.open311 import service
from hotline.open311.flows import do_create_request
from hotline.open311.formats import FORMATS, Open311Error, respond
from hotline.org.auth import load_api_token
from hotline.org.deps import SessionDep
from hotline.org.models import User
from hotline.validation import clean_text, has_control

router = APIRouter(prefix="/open311/v2", tags=["open311"])
CHANGESET = "2026-01-01T00:00:00+08:00"


def _split(name: str) -> tuple[str, str]:
    stem, _, fmt = name.rpartition(".")
    if not stem or fmt not in FORMATS:
        raise Open311Error(404, "unknown format; use .json or .xml")
    if has_control(stem):
        raise Open311Error(404, "not found")
    return stem, fmt


def _query(request: Request) -> dict[str, str]:
    """The query's parameters, control characters (NUL …) stripped: Open311 repairs rather than refuses."""
    return {k: clean_text(v) for k, v in request.query_params.items()}


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _body_params(request: Request) -> dict[str, str]:
    """The POST body as GeoReport v2 sends it: a form, read as UTF-8 whether percent-encoded or raw
    (curl -d with Chinese; Starlette's own parser would read raw bytes as Latin-1)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in FORM_TYPES:
        raise Open311Error(400, "the body must be application/x-www-form-urlencoded or multipart/form-data "
                           f"(GeoReport v2), not {ctype or 'empty'}")
    if ctype == "application/x-www-form-urlencoded":
        try:
            text = (await request.body()).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Open311Error(400, "the body must be UTF-8") from exc
        return {k: clean_text(v) for k, v in parse_qsl(text, keep_blank_values=True)}
    try:
        form = await request.form()
    except Exception as exc:  # noqa: BLE001 - an unreadable body is the client's error, in the spec's format
        raise Open311Error(400, "the multipart body could not be read") from exc
    return {k: clean_text(v) for k, v in form.items() if isinstance(v, str)}


def _fmt_of(name: str) -> str:
    fmt = name.rpartition(".")[2]
    return fmt if fmt in FORMATS else "json"


def _app_error(exc: AppError) -> Open311Error:
    code = exc.status_code if exc.status_code in (400, 401, 403, 404, 409, 413, 429) else 400
    return Open311Error(code, f"{exc.en} / {exc.zh}")


async def _guard(name: str, fn: Callable[[str], Any]) -> Response:
    """Run ``fn(fmt)`` in the thread pool; any refusal becomes a spec error response."""
    try:
        return await run_in_threadpool(fn, name)
    except Open311Error as exc:
        return exc.response(_fmt_of(name))
    except AppError as exc:
        return _app_error(exc).response(_fmt_of(name))


def _check_jurisdiction(params: dict[str, str]) -> None:
    jid = params.get("jurisdiction_id")
    if jid and jid != current_city().city.code:
        raise Open311Error(404, f"jurisdiction_id {jid} not found")


def _user(db: Any, params: dict[str, str], *, required: bool) -> User | None:
    key = (params.get("api_key") or "").strip()
    if not key:
        if required:
            raise Open311Error(403, "api_key is required to create a service request")
        return None
    tok = load_api_token(db, key)
    if tok is None:
        raise Open311Error(403, "invalid api_key")
    return tok.user


@router.get("/{name}", summary="discovery / services / requests (GET)")
async def get_collection(name: str, request: Request, db: SessionDep) -> Response:
    params = _query(request)

    def run(name: str) -> Response:
        stem, fmt = _split(name)
        _check_jurisdiction(params)
        if stem == "discovery":
            url = str(request.base_url).rstrip("/") + "/open311/v2/"
            city = current_city().city
            return respond(fmt, "discovery", {
                "changeset": CHANGESET, "contact": city.hotline_name,
                "key_service": "API keys are issued by the hotline centre (hotline token create)",
                "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": url,
                               "changeset": CHANGESET, "type": "production",
                               "formats": ["text/xml", "application/json"]}]})
        if stem == "services":
            return respond(fmt, "services", service.services(db))
        if stem == "requests":
            return _list_requests(db, params, fmt)
        raise Open311Error(404, f"unknown resource {stem}")

    return await _guard(name, run)


def _csv(params: dict[str, str], key: str) -> list[str]:
    return [v.strip() for v in (params.get(key) or "").split(",") if v.strip()]


def _list_requests(db: Any, params: dict[str, str], fmt: str) -> Response:
    user = _user(db, params, required=False)
    start = service.parse_w3c(params["start_date"], "start_date") if params.get("start_date") else None
    end = service.parse_w3c(params["end_date"], "end_date") if params.get("end_date") else None
    orders = service.query(db, user=user, ids=_csv(params, "service_request_id"),
                           codes=_csv(params, "service_code"), statuses=_csv(params, "status"),
                           start=start, end=end, now=utcnow())
    names = service.category_names(db)
    ext = params.get("extensions") == "true"
    return respond(fmt, "service_requests", [service.present(db, o, names=names, extensions=ext) for o in orders])


@router.get("/services/{name}", summary="service definition")
async def get_service(name: str, request: Request, db: SessionDep) -> Response:
    params = _query(request)

    def run(name: str) -> Response:
        code, fmt = _split(name)
        _check_jurisdiction(params)
        cat = service.find_service(db, code)
        return respond(fmt, "service_definition", {"service_code": cat.code, "attributes": []})

    return await _guard(name, run)


@router.get("/requests/{name}", summary="one service request")
async def get_request(name: str, request: Request, db: SessionDep) -> Response:
    params = _query(request)

    def run(name: str) -> Response:
        rid, fmt = _split(name)
        _check_jurisdiction(params)
        user = _user(db, params, required=False)
        orders = service.query(db, user=user, ids=[rid], codes=[], statuses=[], start=None, end=None, now=utcnow())
        if not orders:
            raise Open311Error(404, f"service_request_id {rid} not found")
        ext = params.get("extensions") == "true"
        return respond(fmt, "service_requests",
                       [service.present(db, orders[0], names=service.category_names(db), extensions=ext)])

    return await _guard(name, run)


@router.get("/tokens/{name}", summary="token → service_request_id (requests are created synchronously)")
async def get_token(name: str, request: Request, db: SessionDep) -> Response:
    params = _query(request)

    def run(name: str) -> Response:
        token, fmt = _split(name)
        _check_jurisdiction(params)
        orders = service.query(db, user=None, ids=[token], codes=[], statuses=[], start=None, end=None,
                               now=utcnow())
        if not orders:
            raise Open311Error(404, f"token {token} not found")
        return respond(fmt, "service_requests", [{"service_request_id": token, "token": token}])

    return await _guard(name, run)


@router.post("/{name}", summary="create a service request (POST requests.json / requests.xml)")
async def post_request(name: str, request: Request, db: SessionDep) -> Response:
    try:
        params = {**_query(request), **await _body_params(request)}
    except Open311Error as exc:
        return exc.response(_fmt_of(name))

    def run(name: str) -> Response:
        stem, fmt = _split(name)
        if stem != "requests":
            raise Open311Error(404, f"cannot POST to {stem}")
        _check_jurisdiction(params)
        user = _user(db, params, required=True)
        assert user is not None
        claim = idem.claim(db, client=f"user:{user.id}", key=idem.key_of(request),
                           fingerprint=idem.fingerprint("POST", request.url.path, params))
        if claim.replay is not None:
            return claim.replay
        order = do_create_request(db, user=user, params=params)
        response = respond(fmt, "service_requests", [{
            "service_request_id": order.number, "service_notice": f"已受理，工单编号{order.number}",
            "account_id": None}], status_code=201)
        idem.record(db, claim, response=response, order_number=order.number)
        commit_or_conflict(db)
        return response

    return await _guard(name, run)
