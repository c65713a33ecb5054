"""The web application: API routers, console pages, and the error policy.

Error policy: every refusal is a 4xx with ``{"error": {code, message, message_en}}``
for the API, or a readable page / HTMX fragment for the console.  Validation
errors are translated field by field.  Anything unexpected is logged and the
user gets a bilingual 500 without internals — and a test (schemathesis-style
sweeps in tests/integration/test_api_errors.py) checks we never get there on bad input.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline import __version__
from hotline.config import get_settings
from hotline.db import is_concurrency_error, stale_conflict
from hotline.errors import AppError
from hotline.i18n import ERROR_ZH, FIELD_ZH
from hotline.web.security import install as install_security

SWAGGER = "/static/vendor/swagger-ui-dist-5.35.0"
DOCS_PAGE = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Hotline 12345 API</title>
<link rel="icon" href="/static/favicon.svg"><link rel="stylesheet" href="{SWAGGER}/swagger-ui.css"></head>
<body><main id="swagger-ui" aria-label="API"></main>
<script src="{SWAGGER}/swagger-ui-bundle.js"></script><script src="/static/api-docs.js"></script></body></html>
"""

log = logging.getLogger("hotline")
STATIC = Path(__file__).parent / "web" / "static"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/open311/"))


def _validation_body(exc: RequestValidationError) -> dict[str, Any]:
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        field = ".".join(loc) or "body"
        name_zh = FIELD_ZH.get(loc[0], loc[0]) if loc else "请求"
        problems.append({
            "field": field,
            "message": f"{name_zh}：{ERROR_ZH.get(err.get('type', ''), '不符合要求')}",
            "message_en": f"{field}: {err.get('msg', 'invalid')}",
        })
    return {"error": {
        "code": "invalid_input",
        "message": "；".join(p["message"] for p in problems) or "请求格式不正确",
        "message_en": "; ".join(p["message_en"] for p in problems) or "invalid request",
        "details": {"fields": problems},
    }}


def _internal_error(request: Request, exc: BaseException) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    err = AppError("internal_error", "系统内部错误，请稍后重试", "internal error; please retry later",
                   status_code=500)
    if not _is_api(request):
        try:
            from hotline.web.pages import render_error

            return render_error(request, err)
        except Exception:  # noqa: BLE001 - the error page itself failed; fall back to the plain body
            log.exception("the error page failed too")
    return JSONResponse({"error": err.to_dict()}, status_code=500)


class UnexpectedErrorMiddleware:
    """Answer any unhandled exception with the bilingual 500 and *return*, so the server keeps
    the connection open (a re-raised exception makes uvicorn drop it after the response)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:  # half a response is out: nothing sensible to add, let the server close it
                raise
            response = _internal_error(Request(scope), exc)
            await response(scope, receive, send)


def create_app() -> FastAPI:
    from hotline.validation import check_request

    app = FastAPI(
        dependencies=[Depends(check_request)],  # control characters refused at the edge, for every route
        title="Hotline 12345 API",
        docs_url=None,  # served below from the vendored Swagger UI: no CDN at run time
        redoc_url=None,
        version=__version__,
        description="政务服务便民热线工单平台 API — work orders of a 12345 government service hotline. "
        "Authenticate with `Authorization: Bearer <token>` (create one with `hotline token create`).",
    )

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        if not _is_api(request):
            from hotline.web.pages import render_error

            return render_error(request, exc)
        return JSONResponse({"error": exc.to_dict()}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        body = _validation_body(exc)
        if not _is_api(request):
            from hotline.errors import BadRequest
            from hotline.web.pages import render_error

            e = body["error"]
            return render_error(request, BadRequest(e["code"], e["message"], e["message_en"]))
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not _is_api(request) and exc.status_code in (404, 405):
            from hotline.web.pages import render_http_error  # a browser gets a page in its language

            return await render_http_error(request, exc.status_code)
        if exc.status_code == 404:
            body = {"code": "not_found", "message": "页面或资源不存在", "message_en": "not found"}
        elif exc.status_code == 405:
            body = {"code": "method_not_allowed", "message": "不支持的请求方法", "message_en": "method not allowed"}
        else:
            body = {"code": "http_error", "message": "请求无法处理", "message_en": str(exc.detail)}
        return JSONResponse({"error": body}, status_code=exc.status_code)

    @app.exception_handler(StaleDataError)
    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: Exception) -> Response:
        """A lost race is a 409 wherever it surfaces (an autoflush deep in a handler, a commit)."""
        from hotline.db import integrity_conflict

        if is_concurrency_error(exc):
            return await app_error(request, stale_conflict())
        if isinstance(exc, IntegrityError):
            return await app_error(request, integrity_conflict(exc))
        return _internal_error(request, exc)

    # Unexpected errors are answered by a middleware, not ``exception_handler(Exception)``:
    # Starlette re-raises after such a handler, and uvicorn then closes the keep-alive
    # connection, so the client's next request failed too.
    app.add_middleware(UnexpectedErrorMiddleware)
    if get_settings().gc_freeze:
        from hotline.web.heap import HeapFreeze

        app.add_middleware(HeapFreeze)  # the collector's full passes off the pages (hotline/web/heap.py)

    from hotline import registry

    reg = registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline.web.routes import add_routes

    for router, _pkg in reg.api_routers + reg.page_routers:  # installation order: the core's paths first
        add_routes(app.router, router)  # one flat table: not include_router's lazy branches (hotline/web/routes.py)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_security(app)  # security headers, access-log redaction (docs/security.md)

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> Response:
        """The OpenAPI reference, rendered by Swagger UI from ``/static/vendor`` (nothing leaves the server)."""
        from fastapi.responses import HTMLResponse

        return HTMLResponse(DOCS_PAGE)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return RedirectResponse("/static/favicon.svg")

    return app
