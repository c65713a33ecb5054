"""The 管理 (Administration) pages of a city administrator: people and the audit log.

Every write calls a flow of ``hotline.org.people`` and commits once; the page then redirects with
a flash (POST → 303 → GET), except a new API token, shown once on the page that created it.
The province's administrator may read these pages (every city); its writes are refused by
``org.deps`` (``province_read_only``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from hotline.db import commit_or_conflict
from hotline.errors import AppError, BadRequest
from hotline.org import audit, people, totp
from hotline.org.deps import SessionDep
from hotline.org.models import Unit, User
from hotline.validation import DbId, to_moment
from hotline.web import kit as cs
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)
ADMIN = ("admin",)
READERS = ("admin", "province_admin")

#: the sub-pages of 管理 (a package adding an administration screen adds its row here)
SECTIONS: list[tuple[str, str, str]] = [
    ("/admin/users", "人员", "新建、修改、停用和启用人员，重置密码，查看和结束登录会话，管理接口令牌"),
    ("/admin/units", "单位", "单位树、联系电话与职责；新建、改名、移动、合并和撤销单位，先预览再确认"),
    ("/admin/audit", "审计日志", "按操作人、对象和时间查询每一次管理操作的修改前后，并导出"),
    ("/admin/settings/sla", "时限设置", "按诉求类型和分类设置签收、答复、办结时限（工作时间或自然时间），查看并决定对在办工单的影响"),
    ("/admin/settings/calendar", "节假日", "录入 chinese-calendar 尚不知道的年份的放假调休日期"),
    ("/admin/settings/kpi", "KPI设置", "综合得分权重与计分规则，按版本保存，排名注明口径版本"),
    ("/hotspots#hot-threshold", "热点分组阈值", "由领导合并、拆分热点的更正学得的分组阈值（默认0.60），可重置为默认值"),
    ("/admin/settings/hotspots/versions", "热点分组阈值版本",
     "分组阈值的每一版（系统由更正学得、人员重置或回滚），比较两版并回滚到某一版"),
    ("/admin/catalogue", "派单目录与分类", "三级分类与派单目录条目（分类×属地→主办、协办、关键词），版本比较与回滚，表格导入导出"),
    ("/routing/catalogue", "派单目录", "单位职责与关键词"),
    ("/imports", "导入", "CSV/Excel 导入工单"),
    ("/webhooks", "Webhook", "Webhook订阅与投递记录"),
    ("/admin/city-file", "城市文件", "把现行配置导出为城市文件；上传城市文件，按部分预览差异后确认导入"),
]


def _units(db: SessionDep) -> list[Unit]:
    return list(db.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)))


@router.get("/admin")
def home(request: Request, user: PageUser) -> Response:
    cs.require_role(user, READERS)
    from hotline.db import utcnow
    from hotline.sla.service import unknown_next_year

    unknown = unknown_next_year(utcnow()) if user.role == "admin" else None  # 节假日: from 1 December
    return render(request, "admin_home.html", {"sections": SECTIONS, "unknown_next_year": unknown})


@router.get("/admin/users")
def users(request: Request, db: SessionDep, user: PageUser, q: Annotated[str, Query(max_length=64)] = "",
          role: Annotated[str, Query(max_length=32)] = "", state: Annotated[str, Query(max_length=16)] = "") -> Response:
    cs.require_role(user, READERS)
    active = {"active": True, "disabled": False}.get(state)
    rows = people.list_users(db, q=q or None, role=role or None, active=active)
    return render(request, "admin_users.html", {
        "rows": rows, "q": q, "role": role, "state": state, "roles": people.CITY_ROLES, "units": _units(db),
        "can_edit": user.role == "admin", "form": {}})


@router.post("/admin/users")
def create(request: Request, db: SessionDep, user: PageUser, username: Annotated[str, Form(max_length=64)] = "",
           name: Annotated[str, Form(max_length=64)] = "", role: Annotated[str, Form(max_length=32)] = "",
           unit: Annotated[str, Form(max_length=64)] = "", password: Annotated[str, Form(max_length=256)] = "") -> Response:
    cs.require_role(user, ADMIN)
    try:
        created = people.do_create_user(db, actor=user, username=username, name=name, role=role, unit_code=unit,
                                        password=password)
        commit_or_conflict(db)
    except AppError as exc:  # the form again, filled in, with the reason
        db.rollback()
        return render(request, "admin_users.html", {
            "rows": people.list_users(db), "q": "", "role": "", "state": "", "roles": people.CITY_ROLES,
            "units": _units(db), "can_edit": True, "error": exc,
            "form": {"username": username, "name": name, "role": role, "unit": unit}}, status_code=exc.status_code)
    return redirect_with_flash(f"/admin/users/{created.id}", f"已创建人员 {created.username}，首次登录时须设置新密码",
                               f"User {created.username} created; they choose a new password at the first login")


def _detail(request: Request, db: SessionDep, user: User, target: User, **extra: Any) -> Response:
    status_code = int(extra.pop("status_code", 200))
    return render(request, "admin_user.html", {
        "u": target, "sessions": people.active_sessions(db, user=target), "tokens": people.tokens_of(db, user=target),
        "roles": people.CITY_ROLES, "units": _units(db), "scopes": people.TOKEN_SCOPES,
        "can_edit": user.role == "admin", "is_self": target.id == user.id, "totp_roles": totp.ROLES,
        "recent": audit.search(db, audit.AuditFilter(entity="user", entity_id=target.username), limit=10),
        "max_token_days": people.MAX_TOKEN_DAYS, **extra}, status_code=status_code)


@router.get("/admin/users/{user_id}")
def detail(request: Request, user_id: DbId, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, READERS)
    return _detail(request, db, user, people.get_user_by_id(db, user_id=user_id))


def _done(user_id: int, zh: str, en: str) -> Response:
    return redirect_with_flash(f"/admin/users/{user_id}", zh, en)


def _refused(request: Request, db: SessionDep, user: User, user_id: int, exc: AppError) -> Response:
    db.rollback()
    return _detail(request, db, user, people.get_user_by_id(db, user_id=user_id), error=exc,
                   status_code=exc.status_code)


@router.post("/admin/users/{user_id}")
def update(request: Request, user_id: DbId, db: SessionDep, user: PageUser,
           name: Annotated[str, Form(max_length=64)] = "", role: Annotated[str, Form(max_length=32)] = "",
           unit: Annotated[str, Form(max_length=64)] = "") -> Response:
    cs.require_role(user, ADMIN)
    target = people.get_user_by_id(db, user_id=user_id)
    try:
        people.do_update_user(db, actor=user, user=target, name=name or None, role=role or None,
                              unit_code=unit or None)
        commit_or_conflict(db)
    except AppError as exc:
        return _refused(request, db, user, user_id, exc)
    return _done(user_id, "已保存", "Saved")


@router.post("/admin/users/{user_id}/disable")
def disable(request: Request, user_id: DbId, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    try:
        counts = people.do_set_active(db, actor=user, user=people.get_user_by_id(db, user_id=user_id), active=False)
        commit_or_conflict(db)
    except AppError as exc:
        return _refused(request, db, user, user_id, exc)
    return _done(user_id, f"已停用：结束{counts['sessions_ended']}个会话，吊销{counts['tokens_revoked']}个令牌",
                 f"Disabled: {counts['sessions_ended']} session(s) ended, {counts['tokens_revoked']} token(s) revoked")


@router.post("/admin/users/{user_id}/enable")
def enable(user_id: DbId, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    people.do_set_active(db, actor=user, user=people.get_user_by_id(db, user_id=user_id), active=True)
    commit_or_conflict(db)
    return _done(user_id, "已启用", "Enabled")


@router.post("/admin/users/{user_id}/password")
def reset_password(request: Request, user_id: DbId, db: SessionDep, user: PageUser,
                   password: Annotated[str, Form(max_length=256)] = "") -> Response:
    cs.require_role(user, ADMIN)
    try:
        people.do_reset_password(db, actor=user, user=people.get_user_by_id(db, user_id=user_id), password=password)
        commit_or_conflict(db)
    except AppError as exc:
        return _refused(request, db, user, user_id, exc)
    return _done(user_id, "已重置密码：该人员下次登录时须设置新密码", "Password reset: they choose a new one at the next login")


@router.post("/admin/users/{user_id}/totp-reset")
def reset_totp(user_id: DbId, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    people.do_disable_totp(db, actor=user, user=people.get_user_by_id(db, user_id=user_id))
    commit_or_conflict(db)
    return _done(user_id, "已解除两步验证", "Second factor removed")


@router.post("/admin/users/{user_id}/sessions/end")
def end_sessions(user_id: DbId, db: SessionDep, user: PageUser,
                 session_id: Annotated[str, Form(max_length=64)] = "") -> Response:
    cs.require_role(user, ADMIN)
    n = people.do_end_sessions(db, actor=user, user=people.get_user_by_id(db, user_id=user_id),
                               session_id=session_id or None)
    commit_or_conflict(db)
    return _done(user_id, f"已结束{n}个会话", f"{n} session(s) ended")


@router.post("/admin/users/{user_id}/tokens")
def create_token(request: Request, user_id: DbId, db: SessionDep, user: PageUser,
                 name: Annotated[str, Form(max_length=64)] = "", scope: Annotated[str, Form(max_length=16)] = "write",
                 expires_days: Annotated[str, Form(max_length=8)] = "") -> Response:
    cs.require_role(user, ADMIN)
    target = people.get_user_by_id(db, user_id=user_id)
    try:
        days = int(expires_days) if expires_days.strip() else None
    except ValueError:
        return _refused(request, db, user, user_id, BadRequest("token_expiry_invalid", "有效期须为天数",
                                                               "expiry must be a number of days"))
    try:
        token, _row = people.do_create_token(db, actor=user, user=target, name=name, scope=scope, expires_days=days)
        commit_or_conflict(db)
    except AppError as exc:
        return _refused(request, db, user, user_id, exc)
    return _detail(request, db, user, target, new_token=token)  # shown this once, never stored


@router.post("/admin/users/{user_id}/tokens/{token_id}/revoke")
def revoke_token(user_id: DbId, token_id: DbId, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, ADMIN)
    people.get_user_by_id(db, user_id=user_id)
    people.do_revoke_token(db, actor=user, token_id=token_id)
    commit_or_conflict(db)
    return _done(user_id, "已吊销令牌", "Token revoked")


def _audit_filter(actor: str, entity: str, entity_id: str, since: str, until: str) -> audit.AuditFilter:
    def moment(value: str, *, end: bool) -> datetime | None:
        if not value.strip():
            return None
        try:
            return to_moment(value, end=end, name="since" if not end else "until")
        except ValueError as exc:
            raise BadRequest("date_invalid", "日期格式应为 2026-12-01", f"{exc}") from exc

    return audit.AuditFilter(actor=actor.strip() or None, entity=entity.strip() or None,
                             entity_id=entity_id.strip() or None, since=moment(since, end=False),
                             until=moment(until, end=True))


Text = Annotated[str, Query(max_length=64)]


@router.get("/admin/audit")
def audit_page(request: Request, db: SessionDep, user: PageUser, actor: Text = "", entity: Text = "",
               entity_id: Text = "", since: Annotated[str, Query(max_length=32)] = "",
               until: Annotated[str, Query(max_length=32)] = "") -> Response:
    cs.require_role(user, READERS)
    f = _audit_filter(actor, entity, entity_id, since, until)
    rows = [audit.present(r) | {"at_dt": r.at} for r in audit.search(db, f, limit=200)]
    query = str(request.url.query)
    return render(request, "admin_audit.html", {
        "rows": rows, "entities": audit.entities(db), "actor": actor, "entity": entity, "entity_id": entity_id,
        "since": since, "until": until, "query": query, "action_names": audit.ACTION_ZH})


@router.get("/admin/audit/export")
def audit_export(db: SessionDep, user: PageUser, actor: Text = "", entity: Text = "", entity_id: Text = "",
                 since: Annotated[str, Query(max_length=32)] = "", until: Annotated[str, Query(max_length=32)] = "",
                 format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv") -> Response:
    cs.require_role(user, READERS)
    content, media, name = audit.export(db, _audit_filter(actor, entity, entity_id, since, until), format)
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


__all__ = ["router", "SECTIONS"]
