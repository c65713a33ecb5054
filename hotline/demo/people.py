"""The demo's people administration: what an administrator of 青阳市 did last week, through the
real flows, so 管理 → 人员 and 审计日志 show realistic rows (a new operator who has not logged in
yet, a move to the callback team, a dispatcher who left and was disabled, two integration tokens)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.org import people
from hotline.org.models import User

PASSWORD = "Qy-Hotline-Desk-88"  # passes the policy; each person chooses their own at the first login


def seed_people(db: Session) -> int:
    """Idempotent: nothing when the demo's administrator has done this already. Returns rows touched."""
    admin = db.scalar(select(User).where(User.username == "admin"))
    if admin is None or db.scalar(select(User).where(User.username == "chen_xiaoyan")) is not None:
        return 0
    chen = people.do_create_user(db, actor=admin, username="chen_xiaoyan", name="陈晓燕", role="operator",
                                 unit_code="centre", password=PASSWORD)
    people.do_update_user(db, actor=admin, user=chen, role="callback_agent")  # moved to the callback team
    zhou = people.do_create_user(db, actor=admin, username="zhou_jianguo", name="周建国", role="dispatcher",
                                 unit_code="centre", password=PASSWORD)
    people.do_set_active(db, actor=admin, user=zhou, active=False)  # left the centre
    made = 3
    for username, name, scope, days in (("leader", "指挥中心大屏（只读）", "read", 365),
                                        ("operator1", "IVR语音导航", "write", 180)):
        user = db.scalar(select(User).where(User.username == username))
        if user is not None:
            people.do_create_token(db, actor=admin, user=user, name=name, scope=scope, expires_days=days)
            made += 1
    db.flush()
    return made
