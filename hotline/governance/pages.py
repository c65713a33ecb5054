"""Console pages of 每月一题 and 未诉先办: ``/governance`` (the projects, this month's first, and the proactive
tasks with their 办结 form), ``/governance/new`` (a leader makes a hot matter or systemic problem the month's
topic), ``/governance/{id}`` (goal, owner, the before/after weekly chart, linked orders, progress notes,
completion), and the link on a hot matter's page (extension ``hotspots.detail_actions``).

The writes are the flows' (hotline/governance/flows.py): each one transaction with its audit row; a bad
form is the page again with the error (422), a stale one a 409, another unit's project a 404."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.service import city_tz
from hotline.db import commit_or_conflict, utcnow
from hotline.errors import AppError, BadRequest, NotFound
from hotline.governance import flows, service
from hotline.governance.models import GovernanceProject
from hotline.hotspots import service as hot_service
from hotline.hotspots.models import HotMatter
from hotline.orders.enums import STATUS_ZH
from hotline.org.deps import SessionDep
from hotline.org.models import Unit, User
from hotline.validation import DbId
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)

OWNER_TYPES = ("department", "enterprise", "district", "street", "township")  # the owner select's units
CANDIDATES = 5  # hot matters and systemic problems offered as topics on /governance
DEFAULT_DAYS = 60  # the new form's deadline: two months ahead


def parse_deadline(raw: str) -> datetime:
    """A form's (or the API's) date: the end of that day in the city's time."""
    try:
        d = date.fromisoformat((raw or "").strip())
    except ValueError:
        raise BadRequest("governance_deadline", "请填写完成时限（日期，如2027-01-31）",
                         "give the deadline as a date, e.g. 2027-01-31", field="deadline") from None
    return service.end_of(d)


def owner_choices(db: Session, *also: int | None) -> list[Unit]:
    """Units that can own a project: departments, public enterprises, districts, streets and townships (and
    the topic's default owner whatever it is)."""
    extra = [u for u in also if u]
    q = select(Unit).where(Unit.active.is_(True), Unit.type.in_(OWNER_TYPES) | Unit.id.in_(extra or [-1]))
    order = {t: i for i, t in enumerate(OWNER_TYPES)}
    return sorted(db.scalars(q), key=lambda u: (order.get(u.type, 9), u.code))


def may_do_task(user: User) -> bool:
    return user.role in ("leader", "supervisor", *service.UNIT_ROLES)


def month_taken(db: Session, now: datetime) -> bool:
    return db.scalar(select(GovernanceProject.id).where(GovernanceProject.month == flows.month_of(now))
                     .limit(1)) is not None


# ── the list ──

def _list(request: Request, db: Session, user: User, error: AppError | None = None, status_code: int = 200,
          task_id: int | None = None) -> Response:
    now = utcnow()
    tz = city_tz()
    ps = [{**service.present(db, p, now=now), "deadline_day": p.deadline.astimezone(tz).date().isoformat()}
          for p in service.projects(db, user=user)]
    # a window is a local calendar month, [start, end): shown by its first and last local day
    tasks = [{**service.present_task(db, t, now=now), "first_day": t.window_start.astimezone(tz).date().isoformat(),
              "last_day": (t.window_end.astimezone(tz) - timedelta(days=1)).date().isoformat()}
             for t in service.tasks(db, user=user)]
    month = flows.month_of(now)
    candidates: dict[str, list[HotMatter]] = {}
    taken: dict[int, int] = {}  # hot matter → its open project: offered as 查看每月一题, not again
    if user.role in service.PICK_ROLES:
        candidates = {k: hot_service.listing(db, user=user, kind=k, limit=CANDIDATES) for k in ("place", "systemic")}
        taken = {int(m): int(p) for m, p in db.execute(select(GovernanceProject.hot_matter_id, GovernanceProject.id)
                 .where(GovernanceProject.hot_matter_id.is_not(None), GovernanceProject.completed_at.is_(None)))}
    return render(request, "governance_list.html", {
        "current": [p for p in ps if p["month"] == month], "earlier": [p for p in ps if p["month"] != month],
        "month": month, "tasks": tasks,
        "task_state_zh": service.TASK_STATE_ZH, "can_pick": user.role in service.PICK_ROLES,
        "can_do_task": may_do_task(user), "candidates": candidates, "taken": taken, "error": error, "error_task": task_id},
        status_code=status_code)


@router.get("/governance")
def governance_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    return _list(request, db, user)


@router.post("/governance/tasks/{task_id}/done")
def task_done(request: Request, task_id: DbId, db: SessionDep, user: PageUser,
              note: Annotated[str, Form(max_length=2000)] = "",
              version: Annotated[str, Form(max_length=12)] = "") -> Response:
    t = service.get_task(db, user=user, task_id=task_id)
    try:
        flows.do_task_done(db, user=user, task=t, note=note, now=utcnow(),
                           version=int(version) if version.isdigit() else None)
        commit_or_conflict(db)
    except AppError as exc:
        if exc.status_code not in (409, 422):
            raise
        db.rollback()
        return _list(request, db, user, exc, exc.status_code, task_id)
    return redirect_with_flash(f"/governance#task-{task_id}", f"已办结：{t.title}", f"Recorded as done: {t.title}")


# ── a new topic ──

def _new(request: Request, db: Session, user: User, matter: HotMatter | None, form: dict[str, Any],
         error: AppError | None = None, status_code: int = 200) -> Response:
    topic = flows.topic_of(db, matter) if matter is not None else {"owner_unit_id": None, "category_code": None}
    open_project = None
    if matter is not None:
        open_project = db.scalar(select(GovernanceProject).where(GovernanceProject.hot_matter_id == matter.id,
                                                                 GovernanceProject.completed_at.is_(None)))
    return render(request, "governance_new.html", {
        "m": matter, "topic": topic, "form": form, "owners": owner_choices(db, topic["owner_unit_id"]),
        "taken": month_taken(db, utcnow()), "month": flows.month_of(utcnow()), "open_project": open_project,
        "error": error}, status_code=status_code)


def _matter(db: Session, user: User, raw: str) -> HotMatter | None:
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise NotFound("hot_matter_not_found", "热点不存在", "no such hot matter")
    return hot_service.get(db, user=user, matter_id=int(raw))


@router.get("/governance/new")
def new_page(request: Request, db: SessionDep, user: PageUser, hot_matter: str = "") -> Response:
    service.check_role(user, service.PICK_ROLES)
    m = _matter(db, user, hot_matter.strip()[:20])
    deadline = (utcnow().astimezone(city_tz()).date().toordinal() + DEFAULT_DAYS)
    form = {"title": m.name if m else "", "goal": "", "deadline": date.fromordinal(deadline).isoformat(),
            "owner_unit_id": "", "extra_reason": ""}
    return _new(request, db, user, m, form)


@router.post("/governance/new")
def new_submit(request: Request, db: SessionDep, user: PageUser,
               hot_matter: Annotated[str, Form(max_length=20)] = "",
               title: Annotated[str, Form(max_length=200)] = "",
               goal: Annotated[str, Form(max_length=2000)] = "",
               owner_unit_id: Annotated[str, Form(max_length=20)] = "",
               deadline: Annotated[str, Form(max_length=20)] = "",
               extra_reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    service.check_role(user, service.PICK_ROLES)
    m = _matter(db, user, hot_matter.strip())
    form = {"title": title, "goal": goal, "deadline": deadline, "owner_unit_id": owner_unit_id,
            "extra_reason": extra_reason}
    try:
        p = flows.do_create_project(db, user=user, now=utcnow(), title=title, goal=goal,
                                    owner_unit_id=int(owner_unit_id) if owner_unit_id.isdigit() else None,
                                    deadline=parse_deadline(deadline), hot_matter=m, extra_reason=extra_reason)
        pid, name = p.id, p.title
        commit_or_conflict(db)
    except AppError as exc:
        if exc.status_code not in (409, 422):
            raise
        db.rollback()
        return _new(request, db, user, m, form, exc, exc.status_code)
    return redirect_with_flash(f"/governance/{pid}", f"已设为每月一题：{name}", f"Made the month's topic: {name}")


# ── one project ──

def _detail(request: Request, db: Session, user: User, project_id: int, error: AppError | None = None,
            status_code: int = 200, form: dict[str, str] | None = None) -> Response:
    p = service.get(db, user=user, project_id=project_id)
    now = utcnow()
    view = service.present(db, p, now=now, full=True)
    matter = db.get(HotMatter, p.hot_matter_id) if p.hot_matter_id else None
    weeks = view["volume"]["weeks"]
    chart = {"weeks": [w["week"] for w in weeks], "before": [None if w["after"] else w["orders"] for w in weeks],
             "after": [w["orders"] if w["after"] else None for w in weeks]}
    return render(request, "governance_detail.html", {
        "p": p, "v": view, "matter": matter, "orders": service.linked_orders(db, p), "notes": service.notes(db, p.id),
        "status_zh": STATUS_ZH, "chart": chart, "error": error, "form": form or {},
        "can_write": user.role in service.NOTE_ROLES,
        "can_complete": user.role in ("leader", "supervisor") and p.completed_at is None,
        "source_zh": {"place": "热点", "systemic": "共性问题", "manual": "领导指定"}}, status_code=status_code)


@router.get("/governance/{project_id}")
def project_page(request: Request, project_id: DbId, db: SessionDep, user: PageUser) -> Response:
    return _detail(request, db, user, project_id)


def _write(request: Request, db: Session, user: User, project_id: int, form: dict[str, str], act: Any,
           zh: str, en: str) -> Response:
    """Run one write of the project page: the page again with the error (422/404/409), or back to it."""
    p = service.get(db, user=user, project_id=project_id)
    try:
        act(p)
        commit_or_conflict(db)
    except AppError as exc:
        if exc.status_code not in (404, 409, 422):
            raise
        db.rollback()
        return _detail(request, db, user, project_id, exc, exc.status_code, form)
    return redirect_with_flash(f"/governance/{project_id}", zh, en)


def _version(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


@router.post("/governance/{project_id}/notes")
def add_note(request: Request, project_id: DbId, db: SessionDep, user: PageUser,
             text: Annotated[str, Form(max_length=2000)] = "",
             version: Annotated[str, Form(max_length=12)] = "") -> Response:
    return _write(request, db, user, project_id, {"note": text}, lambda p: flows.do_add_note(
        db, user=user, project=p, text=text, now=utcnow(), version=_version(version)), "已添加进展", "Progress added")


@router.post("/governance/{project_id}/orders")
def link_order(request: Request, project_id: DbId, db: SessionDep, user: PageUser,
               number: Annotated[str, Form(max_length=40)] = "",
               action: Annotated[str, Form(max_length=10)] = "link") -> Response:
    link = action != "unlink"

    def act(p: GovernanceProject) -> None:
        flows.do_link(db, user=user, project=p, order=service.find_order(db, number), link=link, now=utcnow())

    zh, en = (f"已关联工单：{number}", f"Order linked: {number}") if link else \
        (f"已取消关联：{number}", f"Order unlinked: {number}")
    return _write(request, db, user, project_id, {"number": number}, act, zh, en)


@router.post("/governance/{project_id}/complete")
def complete(request: Request, project_id: DbId, db: SessionDep, user: PageUser,
             note: Annotated[str, Form(max_length=2000)] = "",
             version: Annotated[str, Form(max_length=12)] = "") -> Response:
    return _write(request, db, user, project_id, {"complete": note}, lambda p: flows.do_complete(
        db, user=user, project=p, now=utcnow(), note=note, version=_version(version)),
        "项目已完成", "Project completed")


# ── the hot matter's page ──

def matter_actions(db: Session, user: User, matter: HotMatter) -> list[dict[str, Any]]:
    """The ``hotspots.detail_actions`` extension: 设为每月一题 for leaders, or the open project it already is."""
    if user.role not in service.CENTRE_ROLES:
        return []
    open_id = db.scalar(select(GovernanceProject.id).where(GovernanceProject.hot_matter_id == matter.id,
                                                           GovernanceProject.completed_at.is_(None)))
    if open_id is not None:
        return [{"label": "查看每月一题", "href": f"/governance/{open_id}", "id": "gov-open"}]
    if user.role in service.PICK_ROLES and matter.active:
        return [{"label": "设为每月一题", "href": f"/governance/new?hot_matter={matter.id}", "id": "gov-pick",
                 "primary": True}]
    return []
