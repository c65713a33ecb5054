"""The worker: the deadline sweep raises 催办/督办 once, and the outbox is delivered once.

Time is driven by explicit ``now`` arguments, placed relative to each order's
real deadlines, so nothing depends on the wall clock.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import db as dbmod
from hotline import registry
from hotline.db import utcnow
from hotline.orders.models import Order, OrderEvent
from hotline.outbox import senders
from hotline.outbox.inbox import Notification
from hotline.outbox.models import OutboxMessage
from hotline.outbox.senders import Outgoing
from hotline.outbox.service import LEASE, backoff, claim, deliver
from hotline.sla.config import limit_unit
from hotline.sla.models import SlaAlert
from hotline.sla.service import bound
from hotline.supervision.models import Supervision
from hotline.supervision.sweep import sweep
from tests.integration.helpers import dispatched, ok


def _order(db: Session, number: str) -> Order:
    o = db.scalar(select(Order).where(Order.number == number).execution_options(populate_existing=True))
    assert o is not None
    return o


def _events(db: Session, order: Order, action: str) -> list[OrderEvent]:
    return list(db.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.action == action)))


def _yellow_time(order: Order):  # type: ignore[no-untyped-def]
    """An instant when 90 % of the order's complete limit is used (working time for working limits)."""
    cfg, cal = bound()
    assert order.clock_started_at and order.due_at
    unit = limit_unit(cfg, order.sla_policy)
    assert unit is not None and unit.is_working
    total = cal.working_time_between(order.clock_started_at, order.due_at)
    return cal.add_working_time(order.clock_started_at, total * 0.9).at


def test_yellow_urges_once_then_overdue_supervises_once(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    ok(client, as_user("cg_handler"), n, "sign")
    ok(client, as_user("cg_handler"), n, "reply", content="已安排队员现场处置，摊贩已清理完毕。")
    order = _order(db, n)  # replied: the clock still runs until the centre completes it
    green = order.clock_started_at + timedelta(minutes=1)
    assert sweep(db, now=green).total_raised == 0

    yellow = _yellow_time(order)
    first = sweep(db, now=yellow)
    assert first.raised["due_soon"] == 1 and first.raised["overdue"] == 0
    urges = _events(db, order, "urge")
    assert len(urges) == 1 and urges[0].actor_role == "system" and "催办" in urges[0].note
    assert sweep(db, now=yellow + timedelta(minutes=5)).total_raised == 0  # once
    assert len(_events(db, order, "urge")) == 1

    late = order.due_at + timedelta(minutes=1)
    st = sweep(db, now=late)
    assert st.raised["overdue"] == 1
    sup = _events(db, order, "supervise")
    assert len(sup) == 1 and sup[0].actor_role == "system"
    assert sweep(db, now=late + timedelta(hours=1)).raised["overdue"] == 0
    assert len(_events(db, order, "supervise")) == 1
    rec = db.scalar(select(Supervision).where(Supervision.order_id == order.id))
    assert rec is not None and rec.source == "sla" and rec.state == "open" and rec.respond_by > late
    # the people who must act are told: the lead unit and its leaders (supervisors: only 挂牌督办)
    recipients = set(db.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.order_id == order.id, OutboxMessage.topic == "order.supervised")))
    assert recipients == {"unit:dept-chengguan", "leaders:dept-chengguan"}
    assert db.scalar(select(Order.status).where(Order.id == order.id)) == "replied"  # status untouched


def test_unsigned_order_gets_sign_and_reply_supervision(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    order = _order(db, dispatched(client, as_user, "dept-zhujian"))
    assert order.reply_due_at and order.sign_due_at
    st = sweep(db, now=order.reply_due_at + timedelta(seconds=1))
    # both deadlines passed by this sweep: one trigger, one 督办 naming both (not one per deadline)
    assert st.raised["sign_overdue"] == 1 and st.raised["reply_overdue"] == 0
    kinds = {a.kind for a in db.scalars(select(SlaAlert).where(SlaAlert.order_id == order.id))}
    assert {"sign_overdue", "reply_overdue"} <= kinds
    sup = _events(db, order, "supervise")
    assert len(sup) == 1 and "签收已超期" in sup[0].note and "同时答复超期" in sup[0].note
    assert sweep(db, now=order.reply_due_at + timedelta(hours=1)).total_raised == 0


def test_extension_moves_deadline_and_raises_again(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    cg, sup = as_user("cg_handler"), as_user("supervisor")
    ok(client, cg, n, "sign")
    order = _order(db, n)
    yellow = _yellow_time(order)
    assert sweep(db, now=yellow).raised["due_soon"] == 1
    old_due = order.due_at
    ok(client, cg, n, "request_extension", reason="需要协调多个部门现场会商", extra_days=3)
    ok(client, sup, n, "approve_extension")
    order = _order(db, n)
    assert order.due_at > old_due
    assert sweep(db, now=yellow).raised["due_soon"] == 0  # green again under the new deadline
    assert sweep(db, now=_yellow_time(order)).raised["due_soon"] == 1  # the new deadline raises anew
    assert len(_events(db, order, "urge")) == 2


def test_suspended_orders_are_skipped(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-zhujian")
    ok(client, as_user("zj_handler"), n, "sign")
    ok(client, as_user("supervisor"), n, "suspend", reason="历史遗留产权问题，待政策明确")
    order = _order(db, n)
    st = sweep(db, now=order.due_at + timedelta(days=30))
    assert st.total_raised == 0 and not _events(db, order, "supervise")


# ---------------------------------------------------------------- outbox


class Recorder:
    """A gateway that remembers what it was handed: (outbox id, stable uid)."""

    def __init__(self, fail_times: int = 0) -> None:
        self.sent: list[int] = []
        self.uids: list[str] = []
        self.fail_times = fail_times
        self.lock = threading.Lock()

    def send(self, out: Outgoing) -> None:
        with self.lock:
            if self.fail_times > 0:
                self.fail_times -= 1
                raise ConnectionError("gateway down")
            self.sent.append(out.id)
            self.uids.append(out.uid)


@pytest.fixture
def test_channel():  # type: ignore[no-untyped-def]
    rec = Recorder()
    senders.register_sender("test", rec)
    yield rec
    registry.get().senders.pop("test", None)


def _msg(db: Session, n: int = 1, channel: str = "test", **kw) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    rows = [OutboxMessage(topic="order.urged", channel=channel, recipient=f"r{i}", payload={"number": f"N{i}"},
                          next_attempt_at=kw.get("at", utcnow() - timedelta(minutes=1))) for i in range(n)]
    db.add_all(rows)
    db.commit()
    return rows


def test_retry_with_backoff_then_failure(db: Session, test_channel: Recorder) -> None:
    test_channel.fail_times = 99
    (m,) = _msg(db)
    now = utcnow()
    st = deliver(db, now=now, max_attempts=3)
    assert st.retried == 1 and m.state == "pending" and m.attempts == 1 and "gateway down" in m.last_error
    assert m.next_attempt_at == now + backoff(1)
    assert deliver(db, now=now + timedelta(seconds=1)).sent == 0  # not due yet
    deliver(db, now=m.next_attempt_at, max_attempts=3)
    assert m.attempts == 2 and m.next_attempt_at - now > backoff(1)  # waits longer each time
    deliver(db, now=m.next_attempt_at, max_attempts=3)
    assert m.state == "failed" and m.attempts == 3


def test_retry_then_success(db: Session, test_channel: Recorder) -> None:
    test_channel.fail_times = 1
    (m,) = _msg(db)
    now = utcnow()
    deliver(db, now=now)
    assert m.state == "pending"
    assert deliver(db, now=m.next_attempt_at).sent == 1
    assert m.state == "sent" and m.sent_at is not None and m.last_error is None and test_channel.sent == [m.id]


def test_unknown_channel_waits_and_bad_address_fails(db: Session) -> None:
    (hook,) = _msg(db, channel="carrier-pigeon")
    (sms,) = _msg(db, channel="inbox")
    sms.recipient = "unit:no-such-unit"
    db.commit()
    deliver(db, now=utcnow())
    assert hook.state == "pending" and hook.attempts == 0  # a channel nobody registered yet: it waits
    assert sms.state == "failed" and "unknown inbox recipient" in sms.last_error


def test_killed_worker_leaves_message_pending(db: Session, test_channel: Recorder) -> None:
    (m,) = _msg(db)
    now = utcnow()
    with pytest.raises(RuntimeError):
        with db.begin_nested():  # the claiming transaction
            assert len(claim(db, now=now, limit=10)) == 1
            raise RuntimeError("worker killed before the claim committed")
    db.expire_all()
    assert m.state == "pending" and m.attempts == 0
    assert deliver(db, now=now).sent == 1  # the next worker sends it


def test_worker_killed_after_sending_resends_with_the_same_id(db: Session, test_channel: Recorder) -> None:
    """Killed between the gateway's acceptance and the "sent" mark: the message is leased, not lost;
    when the lease ends the next worker resends it under the same uid, which the gateway drops."""
    (m,) = _msg(db)
    now = utcnow()
    (claimed,) = claim(db, now=now, limit=10)
    db.commit()  # the claim commits before any sending
    test_channel.send(Outgoing.of(claimed))  # the gateway took it … and the worker died here
    db.expire_all()
    assert m.state == "pending" and m.attempts == 1 and m.next_attempt_at >= now + LEASE
    assert deliver(db, now=now + timedelta(seconds=5)).sent == 0  # leased: nobody else sends it meanwhile
    assert deliver(db, now=now + LEASE).sent == 1
    assert test_channel.sent == [m.id, m.id] and len(set(test_channel.uids)) == 1  # one id: dropped downstream
    assert m.state == "sent" and test_channel.uids[0] == m.uid


def test_each_delivery_is_committed_as_it_happens(committed: None) -> None:
    """A worker that dies mid-batch keeps what it already delivered: no resend of the whole batch."""
    sent: list[int] = []

    class DiesOnThird:
        def send(self, out: Outgoing) -> None:
            if len(sent) == 2:
                raise SystemExit("kill -9")  # not an Exception: nothing after this runs
            sent.append(out.id)

    senders.register_sender("test", DiesOnThird())
    try:
        with dbmod.session_factory()() as s:
            ids = [m.id for m in _msg(s, 5)]
            with pytest.raises(SystemExit):
                deliver(s, now=utcnow(), batch_size=10)
        with dbmod.session_factory()() as s:
            states = dict(s.execute(select(OutboxMessage.id, OutboxMessage.state)
                                    .where(OutboxMessage.id.in_(ids))).all())
        assert [states[i] for i in ids] == ["sent", "sent", "pending", "pending", "pending"]
    finally:
        registry.get().senders.pop("test", None)


def test_messages_of_one_order_go_out_in_order(client: TestClient, as_user, db: Session,  # type: ignore[no-untyped-def]
                                               test_channel: Recorder) -> None:
    from tests.integration.helpers import create

    order_id = _order(db, create(client, as_user("operator1"))["number"]).id
    rows = [OutboxMessage(topic=f"order.t{i}", channel="test", recipient="r", order_id=order_id,
                          payload={}, next_attempt_at=utcnow() - timedelta(minutes=1)) for i in range(3)]
    db.add_all(rows)
    db.commit()
    test_channel.fail_times = 1
    now = utcnow()
    deliver(db, now=now)
    assert test_channel.sent == []  # the first failed: the later ones wait behind it
    deliver(db, now=rows[0].next_attempt_at)
    assert test_channel.sent == [r.id for r in rows]


def test_inbox_delivery_shows_in_console(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    deliver(db, now=utcnow() + timedelta(seconds=1))
    note = db.scalar(select(Notification).where(Notification.order_number == n))
    assert note is not None and "新派工单" in note.title
    r = client.get("/api/v1/notifications/unread_count", headers=as_user("cg_handler"))
    assert r.status_code == 200 and r.json()["unread"] >= 1
    r = client.get("/api/v1/notifications/unread_count", headers=as_user("zj_handler"))
    assert r.json()["unread"] == 0  # another unit sees nothing
    items = client.get("/api/v1/notifications", headers=as_user("cg_handler")).json()["items"]
    assert any(i["order_number"] == n for i in items)
    nid = next(i["id"] for i in items if i["order_number"] == n)
    assert client.post(f"/api/v1/notifications/{nid}/read", headers=as_user("zj_handler")).status_code == 404
    assert client.post(f"/api/v1/notifications/{nid}/read", headers=as_user("cg_handler")).status_code == 200


# ---------------------------------------------------------------- several workers


def _race(target, n: int = 2) -> None:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            target()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors


def test_two_workers_send_each_message_once(committed: None, test_channel: Recorder) -> None:
    with dbmod.session_factory()() as s:
        ids = [m.id for m in _msg(s, 60)]
    now = utcnow()

    def work() -> None:
        with dbmod.session_factory()() as s:
            deliver(s, now=now, batch_size=7)

    _race(work)
    assert sorted(test_channel.sent) == sorted(ids)  # every message once, none twice
    with dbmod.session_factory()() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == "sent")) == 60


def test_two_workers_raise_each_alert_once(committed: None) -> None:
    from hotline.orders.actor import Actor
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action, do_create_order
    from hotline.org.models import Category, User

    with dbmod.session_factory()() as s:
        op = Actor.of(s.scalar(select(User).where(User.username == "operator1")))
        disp = Actor.of(s.scalar(select(User).where(User.username == "dispatcher")))
        cat = s.scalar(select(Category.code).where(Category.level == 3).order_by(Category.code))
        numbers = []
        for i in range(12):
            o = do_create_order(s, actor=op, data={"kind": "complaint", "title": f"测试工单{i}",
                                                  "content": "测试超期督办的并发处理，内容足够长。"})
            do_action(s, order=o, actor=disp, action=Action.dispatch,
                      payload={"lead_unit": "dept-chengguan", "category_code": cat})
            numbers.append(o.number)
        s.commit()
        late = max(o.due_at for o in s.scalars(select(Order))) + timedelta(days=1)

    def work() -> None:
        with dbmod.session_factory()() as s:
            sweep(s, now=late, batch_size=5)

    _race(work)
    with dbmod.session_factory()() as s:
        per_order = dict(s.execute(select(OrderEvent.order_id, func.count()).where(
            OrderEvent.action == "supervise").group_by(OrderEvent.order_id)).all())
        # each order: its three crossed deadlines (sign, reply, complete) are one 督办 — never two
        assert len(per_order) == 12 and set(per_order.values()) == {1}
        assert s.scalar(select(func.count()).select_from(SlaAlert)) == 36  # every deadline claimed once
        assert s.scalar(select(func.count()).select_from(Supervision)) == 12
        s.execute(Supervision.__table__.delete())
        s.execute(Notification.__table__.delete())
        s.commit()
