"""The demo's 常用语 and saved views (issue #20 items 3–4): a few templates of the city-management
bureau and the centre, and the dispatcher's and supervisor's usual views.  Idempotent."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.orders.actor import Actor
from hotline.org.models import User

TEMPLATES = {
    "cg_handler": [
        ("占道经营已清理", "您好，您反映的工单{工单编号}（{受理日期}受理），{承办单位}已派执法队员到场，摊贩已劝离，"
                      "现场已清理干净，并已将该路段纳入每晚巡查。如再发生，请再次来电。"),
        ("路灯已修复", "您好，工单{工单编号}反映的路灯故障，{承办单位}已安排维修班组于{今天}更换灯具，经夜间复查已恢复照明。"),
    ],
    "admin": [
        ("不属受理范围告知", "您好，您于{受理日期}反映的“{标题}”属于民事纠纷，建议通过人民调解或诉讼途径解决。感谢您对12345热线的支持。"),
    ],
}
VIEWS = {  # (name, query, the list it is a view of)
    "dispatcher": [("紧急待派单", {"status": "received", "urgency": "urgent"}, "orders"),
                   ("超期工单（按时限灯）", {"overdue": "true", "sort": "light"}, "orders"),
                   ("队列·紧急（按时限灯）", {"urgency": "urgent", "sort": "light"}, "queue")],
    "supervisor": [("城管局在办（按时限灯）", {"unit": "dept-chengguan", "sort": "light"}, "orders")],
    "cg_handler": [("待办·超期", {"overdue": "true", "sort": "light"}, "inbox")],
}


def seed_worklists(db: Session) -> int:
    from hotline.phrases.flows import do_create_template
    from hotline.phrases.models import ReplyTemplate
    from hotline.worklists.flows import do_save_view
    from hotline.worklists.models import SavedView

    made = 0
    if not db.scalar(select(func.count(ReplyTemplate.id))):
        for username, rows in TEMPLATES.items():
            user = db.scalar(select(User).where(User.username == username))
            if user is None:
                continue
            for title, body in rows:
                do_create_template(db, actor=Actor.of(user), title=title, body=body)
                made += 1
    if not db.scalar(select(func.count(SavedView.id))):
        for username, views in VIEWS.items():
            user = db.scalar(select(User).where(User.username == username))
            if user is None:
                continue
            for name, query, list_ in views:
                do_save_view(db, actor=Actor.of(user), name=name, query=query, list_=list_,
                             share_with_role="supervisor" if username == "supervisor" else None)
                made += 1
    return made
