"""Console pages: ``/hotspots`` (hot matters ranked by heat, and systemic problems in their own section)
and ``/hotspots/{id}`` (its orders, units, volume by day, history; a leader's corrections).

The pages read stored rows only; the re-grouping runs in the worker (``hotline.hotspots.refresh``).

Extension point ``hotspots.detail_actions``: ``fn(db, user, matter) -> list[{"label", "href", "id"}]``, links
a later package adds to a matter's page (governance: 设为每月一题) without hotspots importing it; ``label``
is Chinese and goes through the catalogue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from hotline import registry
from hotline.city.service import city_tz
from hotline.db import commit_or_conflict, utcnow
from hotline.errors import AppError, BadRequest
from hotline.hotspots import flows, service, tuning
from hotline.hotspots.views import order_ids
from hotline.orders.enums import STATUS_ZH
from hotline.org.deps import SessionDep
from hotline.validation import DbId
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/hotspots")
def hotspots_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    return render(request, "hotspots_list.html", {
        "matters": service.listing(db, user=user, kind="place"),
        "systemic": service.listing(db, user=user, kind="systemic"),
        "can_edit": user.role in service.EDIT_ROLES, "refreshed": service.last_refresh(db),
        "threshold": tuning.in_force(db), "can_reset": user.role in tuning.RESET_ROLES})


@router.post("/hotspots/threshold/reset")
def threshold_reset(request: Request, db: SessionDep, user: PageUser) -> Response:
    """A leader or administrator puts the learned grouping threshold back to the default (audited)."""
    try:
        tuning.do_reset(db, user=user, now=utcnow())
        commit_or_conflict(db)
    except BadRequest as exc:
        db.rollback()
        return redirect_with_flash("/hotspots", exc.zh, exc.en, kind="error")
    return redirect_with_flash("/hotspots", "分组阈值已重置为默认值", "The grouping threshold was reset to the default")


def _detail(request: Request, db: SessionDep, user: PageUser, matter_id: int, error: AppError | None = None,
            status_code: int = 200) -> Response:
    m = service.get(db, user=user, matter_id=matter_id)
    orders = service.orders_of(db, m.id)
    others = [x for x in service.listing(db, user=user, kind="place") if x.id != m.id] if m.kind == "place" else []
    actions = [a for fn in registry.get().extensions_of("hotspots.detail_actions") for a in fn(db, user, m)]
    return render(request, "hotspots_detail.html", {
        "m": m, "orders": orders, "actions": actions, "history": service.history(db, m.id), "event_zh": service.EVENT_ZH,
        "daily": service.by_day(orders, city_tz()), "others": others, "error": error, "status_zh": STATUS_ZH,
        "can_edit": user.role in service.EDIT_ROLES and m.active}, status_code=status_code)


@router.get("/hotspots/{matter_id}")
def hotspot_page(request: Request, matter_id: DbId, db: SessionDep, user: PageUser) -> Response:
    return _detail(request, db, user, matter_id)


@router.post("/hotspots/{matter_id}/handled")
def hotspot_handled(request: Request, matter_id: DbId, db: SessionDep, user: PageUser,
                    note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    m = service.get(db, user=user, matter_id=matter_id)
    try:
        flows.do_mark_handled(db, user=user, matter=m, note=note, now=utcnow())
        commit_or_conflict(db)
    except BadRequest as exc:
        db.rollback()
        return _detail(request, db, user, matter_id, exc, 422)
    return redirect_with_flash(f"/hotspots/{matter_id}", f"已标记为已处理：{m.name}", f"Marked handled: {m.name}")


@router.post("/hotspots/{matter_id}/merge")
def hotspot_merge(request: Request, matter_id: DbId, db: SessionDep, user: PageUser,
                  other_id: Annotated[str, Form(max_length=20)] = "") -> Response:
    m = service.get(db, user=user, matter_id=matter_id)
    try:
        if not other_id.isdigit():
            raise BadRequest("hot_matter_merge_other", "请选择要并入的热点", "choose the hot matter to merge in",
                             field="other_id")
        other = service.get(db, user=user, matter_id=int(other_id))
        flows.do_merge(db, user=user, matter=m, other=other, now=utcnow())
        commit_or_conflict(db)
    except BadRequest as exc:
        db.rollback()
        return _detail(request, db, user, matter_id, exc, 422)
    return redirect_with_flash(f"/hotspots/{matter_id}", f"已合并：{other.name}", f"Merged: {other.name}")


@router.post("/hotspots/{matter_id}/split")
def hotspot_split(request: Request, matter_id: DbId, db: SessionDep, user: PageUser,
                  orders: Annotated[list[str] | None, Form()] = None) -> Response:
    m = service.get(db, user=user, matter_id=matter_id)
    try:
        new = flows.do_split(db, user=user, matter=m, order_ids=order_ids(db, (orders or [])[:500]), now=utcnow())
        commit_or_conflict(db)
    except BadRequest as exc:
        db.rollback()
        return _detail(request, db, user, matter_id, exc, 422)
    target = f"/hotspots/{new.id}" if new else f"/hotspots/{matter_id}"
    return redirect_with_flash(target, "已拆分出所选工单", "The chosen orders were split out")
