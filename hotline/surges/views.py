"""REST API for surge alerts (/api/v1/surges): read by leaders, supervisors, dispatchers and admins;
acknowledged or dismissed by leaders and supervisors (409 when already decided or stale)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hotline.db import commit_or_conflict, utcnow
from hotline.orders.models import Order
from hotline.org.deps import CurrentUser, SessionDep
from hotline.surges import flows, service
from hotline.validation import DbId

router = APIRouter(prefix="/api/v1/surges", tags=["surges"])


class DecideIn(BaseModel):
    decision: Literal["acknowledge", "dismiss"]
    note: str = Field(min_length=2, max_length=2000, description="说明")
    version: int | None = Field(default=None, description="the version read; a newer one is a 409")


def _order(o: Order) -> dict[str, Any]:
    return {"number": o.number, "title": o.title, "status": o.status, "created_at": o.created_at.isoformat()}


@router.get("", summary="突发预警 · surge alerts, newest day first")
def list_surges(db: SessionDep, user: CurrentUser, state: str | None = None) -> dict[str, Any]:
    return {"alerts": [service.present(a) for a in service.listing(db, user=user, state=state)]}


@router.get("/{alert_id}", summary="突发预警详情 · one alert with its chart and orders")
def get_surge(alert_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    a = service.get(db, user=user, alert_id=alert_id)
    return {**service.present(a), "series_chart": a.series, "orders_behind": [_order(o) for o in service.orders_of(db, a)]}


@router.post("/{alert_id}/decide", summary="确认或排除 · acknowledge or dismiss")
def decide(alert_id: DbId, body: DecideIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    a = service.get(db, user=user, alert_id=alert_id)
    flows.do_decide(db, user=user, alert=a, decision=body.decision, note=body.note, now=utcnow(), version=body.version)
    commit_or_conflict(db)
    return service.present(a)
