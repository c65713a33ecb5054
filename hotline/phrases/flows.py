"""Writes of reply templates: create, change, delete — each with an audit row; the caller commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.errors import BadRequest, Forbidden
from hotline.orders.actor import Actor
from hotline.org.models import AuditLog
from hotline.phrases.fill import unknown
from hotline.phrases.models import ReplyTemplate
from hotline.phrases.service import can_edit


def _check(actor: Actor, title: str, body: str) -> tuple[str, str]:
    if actor.user is None or not can_edit(actor.user):
        raise Forbidden("template_role", "只有承办单位人员或热线中心管理员可维护常用语",
                        "only a unit's staff or the centre's admin keep reply templates")
    title, body = title.strip(), body.strip().replace("\r\n", "\n")
    if not 2 <= len(title) <= 40:
        raise BadRequest("template_title", "常用语名称须为2至40个字", "a template's title has 2 to 40 characters",
                         field="title")
    if not 5 <= len(body) <= 4000:
        raise BadRequest("template_body", "常用语内容须为5至4000个字", "a template's text has 5 to 4000 characters",
                         field="body")
    bad = unknown(body)
    if bad:
        names = "、".join("{" + b + "}" for b in bad)
        raise BadRequest("template_placeholder", f"无法识别的占位符：{names}", f"unknown placeholders: {names}",
                         field="body")
    return title, body


def _audit(db: Session, actor: Actor, action: str, t: ReplyTemplate, data: dict[str, Any]) -> None:
    db.add(AuditLog(actor_id=actor.user_id, actor_label=actor.label, action=action, entity="reply_template",
                    entity_id=str(t.id), data=data))


def do_create_template(db: Session, *, actor: Actor, title: str, body: str) -> ReplyTemplate:
    title, body = _check(actor, title, body)
    assert actor.user is not None
    t = ReplyTemplate(unit_id=actor.user.unit_id, title=title, body=body, created_by_id=actor.user_id)
    db.add(t)
    db.flush()
    _audit(db, actor, "reply_template.create", t, {"title": title})
    return t


def do_update_template(db: Session, *, actor: Actor, template: ReplyTemplate, title: str, body: str,
                       active: bool = True) -> ReplyTemplate:
    title, body = _check(actor, title, body)
    before = {"title": template.title, "body": template.body, "active": template.active}
    template.title, template.body, template.active = title, body, active
    _audit(db, actor, "reply_template.update", template, {"before": before})
    return template


def do_delete_template(db: Session, *, actor: Actor, template: ReplyTemplate) -> None:
    if actor.user is None or not can_edit(actor.user):
        raise Forbidden("template_role", "只有承办单位人员或热线中心管理员可维护常用语",
                        "only a unit's staff or the centre's admin keep reply templates")
    _audit(db, actor, "reply_template.delete", template, {"title": template.title, "body": template.body})
    db.delete(template)
