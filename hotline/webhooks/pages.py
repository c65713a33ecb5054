"""Webhooks console page (admin): subscriptions and the delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from hotline.config import get_settings
from hotline.db import commit_or_conflict
from hotline.org.deps import SessionDep
from hotline.validation import DbId
from hotline.web import kit as cs
from hotline.web.pages import PageUser
from hotline.web.templating import render
from hotline.webhooks import flows, service
from hotline.webhooks import hooks as _hooks  # noqa: F401
from hotline.webhooks.models import WebhookSubscription

router = APIRouter(include_in_schema=False)
ADMIN = ("admin",)
DELIVERY_STATES = {"pending": "待投递", "sent": "已送达", "failed": "失败", "cancelled": "已取消"}


def _page(request: Request, db: SessionDep, **extra: object) -> Response:
    subs = [service.present_sub(s) for s in db.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))]
    return render(request, "webhooks_list.html", {"subs": subs, "deliveries": service.recent_deliveries(db),
                                                   "events": sorted(flows.VALID_EVENTS),
                                                   "delivery_states": DELIVERY_STATES,
                                                   "retention_days": get_settings().outbox_retention_days, **extra})


@router.get("/webhooks")
def page(request: Request, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    return _page(request, db)


@router.post("/webhooks")
def create(request: Request, db: SessionDep, user: PageUser, name: Annotated[str, Form(max_length=64)] = "",
           url: Annotated[str, Form(max_length=500)] = "",
           events: Annotated[list[str] | None, Form()] = None) -> Response:
    cs.require_role(user, ADMIN)
    sub = flows.do_create_subscription(db, user=user, name=name, url=url, events=events or ["*"])
    commit_or_conflict(db)
    return _page(request, db, created=sub)


@router.post("/webhooks/{sub_id}/toggle")
def toggle(sub_id: DbId, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    sub = db.get(WebhookSubscription, sub_id)
    flows.do_set_active(db, user=user, sub_id=sub_id, active=not (sub.active if sub else True))
    commit_or_conflict(db)
    return RedirectResponse("/webhooks", status_code=303)
