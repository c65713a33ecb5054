"""Reads for on-site checks: a grid worker's own tasks, the centre's list, one check, presenters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.errors import Forbidden, NotFound
from hotline.org.models import Unit, User
from hotline.org.scoping import is_centre, is_centre_in
from hotline.verification.flows import RESULT_ZH, STATE_ZH
from hotline.verification.models import SiteCheck


def can_order(user: User) -> bool:
    return is_centre_in(user, Role.dispatcher, Role.supervisor)


def my_checks(db: Session, *, user: User, limit: int = 100) -> list[SiteCheck]:
    """A grid worker's community's pending checks (oldest first), then the ten it finished last."""
    if user.role != Role.grid_worker:
        raise Forbidden("role_not_allowed", "只有网格员有现场核查任务", "only grid workers have on-site checks")
    pending = list(db.scalars(select(SiteCheck).where(SiteCheck.unit_id == user.unit_id, SiteCheck.state == "pending")
                              .order_by(SiteCheck.requested_at, SiteCheck.id).limit(limit)))
    done = list(db.scalars(select(SiteCheck).where(SiteCheck.unit_id == user.unit_id, SiteCheck.state == "done")
                           .order_by(SiteCheck.done_at.desc(), SiteCheck.id.desc()).limit(10)))
    return pending + done


def list_checks(db: Session, *, user: User, state: str | None = None, limit: int = 200) -> list[SiteCheck]:
    if not is_centre(user):
        raise Forbidden("role_not_allowed", "只有热线中心可以查看全部现场核查", "only the centre sees every on-site check")
    stmt = select(SiteCheck).order_by(SiteCheck.requested_at.desc(), SiteCheck.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(SiteCheck.state == state)
    return list(db.scalars(stmt))


def get_check(db: Session, *, check_id: int, user: User) -> SiteCheck:
    """The centre sees every check; a grid worker their community's; anyone else none (404)."""
    check = db.get(SiteCheck, check_id)
    if check is None or not (is_centre(user) or (user.role == Role.grid_worker and check.unit_id == user.unit_id)):
        raise NotFound("check_not_found", "找不到该核查任务", "on-site check not found")
    return check


def checks_of_order(db: Session, order_id: int) -> list[SiteCheck]:
    return list(db.scalars(select(SiteCheck).where(SiteCheck.order_id == order_id).order_by(SiteCheck.id)))


def communities(db: Session) -> list[Unit]:
    return list(db.scalars(select(Unit).where(Unit.type == "community").order_by(Unit.code)))


def present(check: SiteCheck) -> dict[str, Any]:
    """No citizen's name or phone: the worker needs the place, the demand and what to check."""
    o = check.order
    out: dict[str, Any] = {
        "id": check.id, "state": check.state, "state_label": STATE_ZH[check.state],
        "order": {"number": o.number, "title": o.title, "content": o.content, "address": o.address,
                  "status": o.status, "latitude": o.latitude, "longitude": o.longitude},
        "unit": {"code": check.unit.code, "name": check.unit.name}, "instructions": check.instructions,
        "requested_at": check.requested_at, "result": check.result,
        "result_label": RESULT_ZH.get(check.result or ""), "note": check.note, "latitude": check.latitude,
        "longitude": check.longitude, "accuracy_m": check.accuracy_m, "observed_at": check.observed_at,
        "done_at": check.done_at, "photo_ids": check.photo_ids or [], "flag_id": check.flag_id,
    }
    return out
