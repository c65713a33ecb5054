"""Webhook subscriptions API (admin) and the delivery log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from hotline.city.schema import Role
from hotline.db import commit_or_conflict
from hotline.org.deps import CurrentUser, SessionDep, require_roles
from hotline.validation import DbId, Limit
from hotline.webhooks import flows, service
from hotline.webhooks import hooks as _hooks  # noqa: F401  (registers the order-action hook)
from hotline.webhooks.models import WebhookSubscription

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], dependencies=[require_roles(Role.admin)])


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    url: str = Field(min_length=8, max_length=500)
    events: list[str] = Field(default_factory=lambda: ["*"], max_length=40,
                              description='action names (dispatch, reply, complete …) or ["*"]')
    secret: str | None = Field(None, min_length=16, max_length=128, description="generated if omitted")


class ActiveIn(BaseModel):
    active: bool


@router.get("", summary="订阅列表 · webhook subscriptions")
def list_subs(db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [service.present_sub(s) for s in db.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))]


@router.post("", status_code=201, summary="新建订阅 · create a subscription (the secret is shown once)")
def create_sub(body: SubscriptionIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    sub = flows.do_create_subscription(db, user=user, name=body.name, url=body.url, events=body.events,
                                       secret=body.secret)
    commit_or_conflict(db)
    return {**service.present_sub(sub), "secret": sub.secret}


@router.patch("/{sub_id}", summary="启用/停用 · enable or disable")
def set_active(sub_id: DbId, body: ActiveIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    sub = flows.do_set_active(db, user=user, sub_id=sub_id, active=body.active)
    commit_or_conflict(db)
    return service.present_sub(sub)


@router.delete("/{sub_id}", status_code=204, summary="删除订阅 · delete")
def delete_sub(sub_id: DbId, db: SessionDep, user: CurrentUser) -> None:
    flows.do_delete_subscription(db, user=user, sub_id=sub_id)
    commit_or_conflict(db)


@router.get("/deliveries", summary="投递记录 · recent deliveries with their attempts")
def deliveries(db: SessionDep, user: CurrentUser, limit: Limit = 100) -> list[dict[str, Any]]:
    return service.recent_deliveries(db, limit=max(1, min(limit, 500)))
