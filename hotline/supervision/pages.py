"""Console pages of supervision: issuing notices, a unit's notices to answer, accountability, notifications."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from hotline.city.schema import Role
from hotline.db import commit_or_conflict, utcnow
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import SessionDep
from hotline.org.models import Unit
from hotline.supervision import flows, service
from hotline.supervision.models import LEVELS, OUTCOMES, STATES
from hotline.validation import DbId
from hotline.web import kit as cs
from hotline.web.pages import PageUser
from hotline.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)

UNIT_ROLES = (Role.unit_handler.value, Role.unit_leader.value)
ALL_ROLES = {r.value for r in Role}


def _done(request: Request, message_zh: str, back: str) -> Response:
    if cs.is_htmx(request):
        resp = render(request, "partials/flash.html", {"message": cs.t(message_zh, lang_of(request))})
        resp.headers["HX-Trigger"] = "board-refresh"
        return resp
    return RedirectResponse(back, status_code=303)


@router.post("/supervision/issue")
def issue(request: Request, db: SessionDep, user: PageUser,
          order_number: Annotated[str, Form(max_length=32)] = "", level: Annotated[str, Form()] = "supervise",
          note: Annotated[str, Form(max_length=2000)] = "", respond_by: Annotated[str, Form(max_length=32)] = "",
          ) -> Response:
    order = orders.get_order(db, number=order_number.strip(), user=user)
    flows.do_issue(db, order=order, actor=Actor.of(user), level=level, note=note, respond_by=respond_by or None,
                   now=utcnow())
    commit_or_conflict(db)
    return _done(request, "已发出" + LEVELS.get(level, ""), "/supervision")


@router.get("/supervision/mine")
def mine(request: Request, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, UNIT_ROLES)
    rows = service.list_supervisions(db, user=user)
    todo = [(s, o) for s, o in rows if s.state in ("open", "overdue")]
    done = [(s, o) for s, o in rows if s.state not in ("open", "overdue")]
    return render(request, "supervision_mine.html", {"todo": todo, "done": done, "levels": LEVELS,
                                                     "states": STATES})


@router.post("/supervision/{sup_id}/respond")
def respond(sup_id: DbId, request: Request, db: SessionDep, user: PageUser,
            content: Annotated[str, Form(max_length=4000)] = "") -> Response:
    sup, order = service.get_supervision(db, sup_id=sup_id, user=user)
    order = orders.get_order(db, number=order.number, user=user)
    flows.do_respond(db, sup=sup, order=order, actor=Actor.of(user), content=content, now=utcnow())
    commit_or_conflict(db)
    return _done(request, "督办回复已提交", "/supervision/mine")


@router.post("/supervision/{sup_id}/close")
def close(sup_id: DbId, request: Request, db: SessionDep, user: PageUser,
          note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    sup, order = service.get_supervision(db, sup_id=sup_id, user=user)
    flows.do_close(db, sup=sup, order=order, actor=Actor.of(user), note=note, now=utcnow())
    commit_or_conflict(db)
    return _done(request, "督办已办结", "/supervision")


@router.get("/supervision/accountability")
def accountability(request: Request, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, (Role.supervisor, Role.leader, Role.admin, Role.dispatcher, *UNIT_ROLES))
    units = list(db.scalars(select(Unit).where(Unit.active.is_(True), Unit.type != "centre")
                            .order_by(Unit.type, Unit.code))) if user.role == Role.supervisor else []
    return render(request, "supervision_accountability.html", {
        "records": service.list_accountability(db, user=user), "can_create": user.role == Role.supervisor,
        "units": units, "outcomes": OUTCOMES})


def _lines(text: str) -> list[str]:
    return [x.strip() for x in re.split(r"[\n,，、;；]+", text) if x.strip()]


@router.post("/supervision/accountability")
def accountability_create(request: Request, db: SessionDep, user: PageUser,
                          unit: Annotated[str, Form(max_length=64)] = "",
                          people: Annotated[str, Form(max_length=2000)] = "",
                          order_numbers: Annotated[str, Form(max_length=4000)] = "",
                          finding: Annotated[str, Form(max_length=4000)] = "",
                          outcome: Annotated[str, Form(max_length=16)] = "") -> Response:
    from hotline.org.models import User

    persons = []
    for p in _lines(people):
        known = db.scalar(select(User.id).where(User.username == p))
        persons.append({"username": p} if known else {"name": p})
    flows.do_create_accountability(db, actor=Actor.of(user), now=utcnow(), data={
        "unit": unit, "people": persons, "order_numbers": _lines(order_numbers), "finding": finding,
        "outcome": outcome})
    commit_or_conflict(db)
    return _done(request, "问责记录已保存", "/supervision/accountability")


@router.get("/notifications")
def notifications(request: Request, db: SessionDep, user: PageUser) -> Response:
    items = service.list_notifications(db, user=user)
    unread = [n for n in items if not n.read_at]
    groups = [("需要处理", [n for n in unread if n.topic in service.ACTION_TOPICS]),
              ("其他未读通知", [n for n in unread if n.topic not in service.ACTION_TOPICS]),
              ("已读", [n for n in items if n.read_at])]
    return render(request, "supervision_notifications.html", {
        "items": items, "groups": groups, "unread": service.unread_count(db, user=user)})


@router.get("/notifications/count")
def notifications_count(request: Request, db: SessionDep, user: PageUser) -> Response:
    """A small badge for the nav: ``hx-get="/notifications/count" hx-trigger="load, every 60s"``."""
    need = service.unread_by_need(db, user=user)
    return render(request, "supervision_unread.html", {"unread": need["action"] + need["info"], "need": need})


@router.post("/notifications/read_all")
def notifications_read_all(request: Request, db: SessionDep, user: PageUser) -> Response:
    service.mark_read(db, user=user, now=utcnow())
    db.commit()
    return RedirectResponse("/notifications", status_code=303)
