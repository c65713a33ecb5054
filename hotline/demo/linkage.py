"""Demo data for 12345–110 联动 (issue #19 item 3, docs/linkage.md): the demo city's 110 desk (an account whose
tokens it would use, an address that is only an example), one order handed off to 110 and acknowledged with a
status, and one demand 110 handed to 12345.  Through the real flows; the deliveries to the example address are
cancelled, since nothing answers there."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.linkage import flows
from hotline.linkage.models import LinkageDesk, LinkageHandoff
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action, do_create_order
from hotline.org.auth import hash_password
from hotline.org.models import User
from hotline.outbox.models import OutboxMessage

DESK_USER = "desk110"


def seed_linkage(db: Session, *, now: datetime) -> int:
    op = db.scalar(select(User).where(User.username == "operator1"))
    admin = db.scalar(select(User).where(User.username == "admin"))
    if op is None or admin is None or db.scalar(select(LinkageDesk).where(LinkageDesk.desk == "110")) is not None:
        return 0
    account = User(username=DESK_USER, name="110指挥中心对接", role="operator", unit_id=op.unit_id,
                   password_hash=hash_password(secrets.token_urlsafe(24)))  # signs in with tokens only
    db.add(account)
    db.flush()
    flows.do_create_desk(db, actor=admin, desk="110", name="青阳市公安局110指挥中心",
                         url="https://110.example.gov.cn/12345/linkage", username=DESK_USER)
    at = now - timedelta(hours=5)
    order = do_create_order(db, actor=Actor.of(op), now=at, data={
        "kind": "help", "title": "新华路夜市有人打架", "content": "新华路夜市两伙人打架，有人拿着酒瓶，场面混乱，请马上处理！",
        "citizen_name": "刘晓", "citizen_phone": "13877770110", "address": "青阳市东城区新华路夜市", "channel": "phone",
        "urgency": "urgent"})
    do_action(db, order=order, actor=Actor.of(op), action=Action.hand_off, now=at + timedelta(minutes=2),
              payload={"service": "110", "reason": "现场有人持酒瓶斗殴，属警情，需公安出警"})
    db.flush()
    h = db.scalar(select(LinkageHandoff).where(LinkageHandoff.order_id == order.id))
    assert h is not None  # written by the hand-off's hook
    flows.do_ack(db, user=account, handoff_id=h.id, receipt="JJ-DEMO-0001", received_by="接警员王强",
                 at=at + timedelta(minutes=3), now=at + timedelta(minutes=3))
    flows.do_desk_status(db, user=account, handoff_id=h.id, status="dispatched", text="已指令新华派出所民警到场处置",
                         at=at + timedelta(minutes=9), now=at + timedelta(minutes=9))
    flows.do_inbound(db, user=account, now=now - timedelta(hours=1), data={
        "desk": "110", "receipt_number": "JJ-DEMO-0002", "caller_phone": "13877770220",
        "text": "新华路12号楼下烧烤店每晚经营到凌晨，油烟和噪音扰民，非警情，移交12345处理。",
        "address": "青阳市东城区新华路12号", "reason": "非警务类求助，移交12345"})
    db.flush()
    db.execute(update(OutboxMessage).where(OutboxMessage.channel == flows.CHANNEL, OutboxMessage.state == "pending")
               .values(state="cancelled", last_error="demo: the example desk address does not answer"))
    return 2
