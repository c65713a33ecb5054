"""A supervisor's or leader's decision on a surge alert: acknowledge (确认) or dismiss (排除), with a note;
audited; a second decision on the same alert, or a stale form, is a 409."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.errors import BadRequest, Conflict
from hotline.org import audit
from hotline.org.models import User
from hotline.surges.models import SurgeAlert
from hotline.surges.service import EDIT_ROLES, check_role

DECISIONS = {"acknowledge": "acknowledged", "dismiss": "dismissed"}


def do_decide(db: Session, *, user: User, alert: SurgeAlert, decision: str, note: str, now: datetime,
              version: int | None = None) -> SurgeAlert:
    check_role(user, EDIT_ROLES)
    if decision not in DECISIONS:
        raise BadRequest("surge_decision", "未知的处理方式", "unknown decision", field="decision")
    note = (note or "").strip()
    if not 2 <= len(note) <= 2000 or "\x00" in note:
        raise BadRequest("surge_note", "请填写说明（2至2000字）", "write a note of 2 to 2,000 characters", field="note")
    if version is not None and version != alert.version:
        raise Conflict("surge_stale", "该预警已被他人更新，请刷新页面", "someone else updated this alert; reload the page")
    if alert.state != "open":
        raise Conflict("surge_decided", "该预警已处理", "this alert was already decided")
    before = alert.state
    alert.state = DECISIONS[decision]
    alert.decided_by_id, alert.decided_label, alert.decided_at, alert.note = user.id, \
        f"{user.name}({user.username})"[:128], now, note
    alert.updated_at = now
    audit.record(db, actor=user, action=f"surge.{decision}", entity="surge_alert", entity_id=alert.id,
                 before={"state": before}, after={"state": alert.state}, note=note)
    return alert
