"""REST API for hot matters (/api/v1/hotspots): read by leaders, supervisors, dispatchers and admins;
corrected (handled, merge, split) by leaders and supervisors.  Another city's matter is 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from hotline.db import commit_or_conflict, utcnow
from hotline.errors import BadRequest
from hotline.hotspots import flows, service, tuning
from hotline.orders.models import Order
from hotline.org.deps import CurrentUser, SessionDep
from hotline.validation import DbId

router = APIRouter(prefix="/api/v1/hotspots", tags=["hotspots"])


class HandledIn(BaseModel):
    note: str = Field(min_length=2, max_length=2000, description="处理说明")


class MergeIn(BaseModel):
    other_id: DbId = Field(description="the hot matter merged into this one")


class SplitIn(BaseModel):
    orders: list[Annotated[str, Field(max_length=32)]] = Field(min_length=1, max_length=500, description="order numbers taken out")


@router.get("", summary="热点与共性问题 · hot matters (ranked by heat) and systemic problems")
def list_hotspots(db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return {"hot_matters": [service.present(m) for m in service.listing(db, user=user, kind="place")],
            "systemic_problems": [service.present(m) for m in service.listing(db, user=user, kind="systemic")],
            "grouping_threshold": tuning.in_force(db).as_dict()}


@router.get("/{matter_id}", summary="热点详情 · one hot matter with its orders and history")
def get_hotspot(matter_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    m = service.get(db, user=user, matter_id=matter_id)
    return {**service.present(m),
            "orders": [{"number": o.number, "title": o.title, "status": o.status, "created_at": o.created_at.isoformat()}
                       for o in service.orders_of(db, m.id)],
            "history": [service.present_event(e) for e in service.history(db, m.id)]}


@router.post("/{matter_id}/handled", summary="标记已处理")
def mark_handled(matter_id: DbId, body: HandledIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    m = service.get(db, user=user, matter_id=matter_id)
    flows.do_mark_handled(db, user=user, matter=m, note=body.note, now=utcnow())
    commit_or_conflict(db)
    return service.present(m)


@router.post("/{matter_id}/merge", summary="合并热点 · merge another hot matter into this one")
def merge(matter_id: DbId, body: MergeIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    m = service.get(db, user=user, matter_id=matter_id)
    other = service.get(db, user=user, matter_id=body.other_id)
    flows.do_merge(db, user=user, matter=m, other=other, now=utcnow())
    commit_or_conflict(db)
    return service.present(m)


def order_ids(db: SessionDep, numbers: list[str]) -> list[int]:
    if any(len(n) > 32 for n in numbers):
        raise BadRequest("hot_matter_split_orders", "工单编号过长", "an order number is too long", field="orders")
    wanted = {n.strip() for n in numbers if n.strip()}
    if not wanted:
        raise BadRequest("hot_matter_split_orders", "请选择要拆分出去的工单", "choose the orders to split out",
                         field="orders")
    found = dict(db.execute(select(Order.number, Order.id).where(Order.number.in_(wanted))).all())
    missing = sorted(wanted - set(found))
    if missing:
        raise BadRequest("hot_matter_split_orders", f"工单不存在：{'、'.join(missing[:5])}",
                         f"no such orders: {', '.join(missing[:5])}", field="orders")
    return sorted(found.values())


@router.post("/{matter_id}/split", summary="拆分热点 · take orders out of a hot matter")
def split(matter_id: DbId, body: SplitIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    m = service.get(db, user=user, matter_id=matter_id)
    new = flows.do_split(db, user=user, matter=m, order_ids=order_ids(db, body.orders), now=utcnow())
    commit_or_conflict(db)
    return {**service.present(m), "split_into": new.id if new else None}
