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
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotline import __version__
from hotline.errors import AppError
from hotline.i18n import ERROR_ZH, FIELD_ZH

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


def create_app() -> FastAPI:
    from hotline.validation import check_request

    app = FastAPI(
        dependencies=[Depends(check_request)],  # control characters refused at the edge, for every route
        title="Hotline 12345 API",
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
        if exc.status_code == 404:
            body = {"code": "not_found", "message": "页面或资源不存在", "message_en": "not found"}
        elif exc.status_code == 405:
            body = {"code": "method_not_allowed", "message": "不支持的请求方法", "message_en": "method not allowed"}
        else:
            body = {"code": "http_error", "message": "请求无法处理", "message_en": str(exc.detail)}
        return JSONResponse({"error": body}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": {"code": "internal_error", "message": "系统内部错误，请稍后重试",
                                       "message_en": "internal error; please retry later"}}, status_code=500)

    import hotline.models  # noqa: F401  (models + order hooks of every package)
    from hotline.registry import modules
    from hotline.web.console import router as console_router

    # the core's routers first (their paths win), then every other package's, by convention
    for name in ("views", "pages"):
        for _pkg, mod in sorted(modules(name), key=lambda pm: pm[0] not in ("org", "orders", "web")):
            router = getattr(mod, "router", None)
            if router is not None:
                app.include_router(router)
    app.include_router(console_router)
    from hotline.web.suggest import router as suggest_router

    app.include_router(suggest_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return RedirectResponse("/static/favicon.svg")

    return app
