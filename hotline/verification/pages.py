"""Console pages for on-site checks, and the grid worker's phone app (a PWA under ``/grid/``).

- ``/site-checks`` (the centre's list), ``/site-checks/new?order=&flag=`` (order one), ``POST /site-checks``;
- ``/grid/`` the app's shell (phone-sized, its labels in the page so the English switch reaches them),
  ``/grid/app.js`` (the app: tasks, the offline queue in IndexedDB, replay with an Idempotency-Key),
  ``/grid/sw.js`` (the service worker: the shell and its assets from the cache, so the app opens offline),
  ``/grid/manifest.webmanifest`` and ``/grid/icon.svg`` (installable).  The worker is served from
  ``/grid/`` so that its scope is the app and nothing else of the console.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hotline.city.schema import KIND_LABELS_ZH, Role
from hotline.errors import Forbidden
from hotline.orders import service as orders
from hotline.org.deps import SessionDep
from hotline.replies import service as replies
from hotline.verification import flows, service
from hotline.verification.views import CheckIn, order_check
from hotline.web.pages import PageUser
from hotline.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)
PWA = Path(__file__).parent / "pwa"
# the app's words, translated on the server (the page carries them as JSON for app.js)
APP_WORDS = ("网格员", "核查任务", "巡查上报", "待核查", "已核查", "暂无核查任务", "离线：显示上次同步的任务，提交将排队，联网后自动发送",
             "待发送", "条", "已发送", "发送失败", "核查结果", "已解决", "未解决", "部分解决", "核查情况", "现场照片", "提交核查结果",
             "已排队，联网后发送", "正在获取位置…", "位置未获取", "核查要求", "地址", "标题", "问题描述", "提交上报", "上报成功",
             "已记录", "工单", "刷新")


def _require_orderer(user: Any) -> None:
    if not service.can_order(user):
        raise Forbidden("role_not_allowed", "只有中心派单员（审核人）或督办员可以安排现场核查",
                        "only the centre's reviewers (dispatchers) and supervisors order on-site checks")


@router.get("/site-checks")
def list_page(request: Request, db: SessionDep, user: PageUser, state: str = "") -> Response:
    state = state if state in flows.STATE_ZH else ""
    rows = [service.present(c) for c in service.list_checks(db, user=user, state=state or None)]
    return render(request, "verification_list.html", {"rows": rows, "state": state, "states": flows.STATE_ZH,
                                                      "can_order": service.can_order(user)})


@router.get("/site-checks/new")
def new_page(request: Request, db: SessionDep, user: PageUser, order: str = "", flag: str = "") -> Response:
    _require_orderer(user)
    o = orders.get_order(db, number=order, user=user) if order else None
    f = replies.get_flag(db, flag_id=int(flag), user=user) if flag.isdigit() else None
    default = flows.default_community(db, o) if o is not None else None
    return render(request, "verification_new.html", {
        "o": o, "flag": replies.present_flag(f) if f is not None else None, "communities": service.communities(db),
        "default": default.code if default else "",
        "checks": [service.present(c) for c in service.checks_of_order(db, o.id)] if o is not None else []})


@router.post("/site-checks")
def create(request: Request, db: SessionDep, user: PageUser, number: Annotated[str, Form(max_length=32)],
           unit: Annotated[str, Form(max_length=64)] = "", instructions: Annotated[str, Form(max_length=1000)] = "",
           flag_id: Annotated[str, Form(max_length=20)] = "") -> Response:
    _require_orderer(user)
    body = CheckIn(number=number, unit=unit or None, instructions=instructions,
                   flag_id=int(flag_id) if flag_id.isdigit() else None)
    order_check(db, user, body)
    return RedirectResponse(f"/reply-flags/{body.flag_id}" if body.flag_id else f"/orders/{number}", status_code=303)


@router.get("/orders/{number}/site-checks-panel")
def order_panel(request: Request, number: str, db: SessionDep, user: PageUser) -> Response:
    """The order page's fragment: its on-site checks with their evidence, and the way to order one."""
    o = orders.get_order(db, number=number, user=user)
    checks = [service.present(c) for c in service.checks_of_order(db, o.id)]
    if not checks and not service.can_order(user):
        return Response("")
    return render(request, "verification_panel.html", {"o": o, "checks": checks, "can_order": service.can_order(user)})


@router.get("/grid/")
def app_shell(request: Request, db: SessionDep, user: PageUser) -> Response:
    if user.role != Role.grid_worker:
        raise Forbidden("role_not_allowed", "网格员应用仅供网格员使用", "the grid app is for grid workers")
    lang = lang_of(request)
    from hotline.i18n import gettext

    words = {w: gettext(w, lang) for w in APP_WORDS}
    kinds = {k.value: gettext(v, lang) for k, v in KIND_LABELS_ZH.items() if k in ("help", "complaint", "report", "suggestion")}
    return render(request, "verification_app.html", {
        "words_json": json.dumps(words, ensure_ascii=False), "kinds": kinds, "worker": user})


def _file(name: str, media_type: str, **headers: str) -> Response:
    return Response((PWA / name).read_bytes(), media_type=media_type, headers={"Cache-Control": "no-cache", **headers})


@router.get("/grid/app.js")
def app_js() -> Response:
    return _file("app.js", "text/javascript")


@router.get("/grid/sw.js")
def service_worker() -> Response:
    return _file("sw.js", "text/javascript", **{"Service-Worker-Allowed": "/grid/"})


@router.get("/grid/manifest.webmanifest")
def manifest() -> Response:
    return _file("manifest.webmanifest", "application/manifest+json")


@router.get("/grid/icon.svg")
def icon() -> Response:
    return _file("icon.svg", "image/svg+xml")
