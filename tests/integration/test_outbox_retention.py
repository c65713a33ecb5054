"""Outbox retention (hotline.outbox.retention): old sent/cancelled rows go — deleted, or compacted where
their dedupe key still guards a notice that could be written again — recent ones stay, pending and
failed ones never go; a reminder re-triggered after pruning is still delivered once; batches are
bounded, each with its audit row; a dry run changes nothing; the worker task and ``hotline outbox prune``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import hotline.db as dbmod
from hotline.db import utcnow
from hotline.knowledge.flows import do_remind_due
from hotline.orders.actor import Actor
from hotline.org.models import AuditLog
from hotline.outbox import retention
from hotline.outbox.inbox import Notification
from hotline.outbox.models import OutboxMessage
from hotline.outbox.service import deliver
from hotline.webhooks.models import WebhookAttempt

OLD = timedelta(days=120)
RECENT = timedelta(days=10)


@pytest.fixture
def factory(db: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test's connection, so prune's own transactions are savepoints of the test's."""
    f = sessionmaker(bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False)
    monkeypatch.setattr(dbmod, "session_factory", lambda: f)
    monkeypatch.setattr(retention, "_last_run", {})
    yield f


def _msg(db: Session, now: datetime, *, state: str = "sent", age: timedelta = OLD, key: str | None = None,
         channel: str = "inbox", **kw: object) -> OutboxMessage:
    at = now - age
    m = OutboxMessage(topic="test.retention", channel=channel, recipient="centre", payload={"text": "x" * 200},
                      dedupe_key=key, state=state, created_at=at, next_attempt_at=at,
                      sent_at=at if state == "sent" else None, last_error="boom" if state == "failed" else None,
                      **kw)
    db.add(m)
    return m


def _ids(db: Session, ids: list[int]) -> dict[int, OutboxMessage]:
    return {m.id: m for m in db.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                        .execution_options(populate_existing=True))}


def test_old_delivered_rows_go_recent_stay_pending_and_failed_never(db: Session, factory) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    plain = _msg(db, now)
    final = _msg(db, now, key="received:TEST-0001", channel="sms")
    guard = _msg(db, now, key="kb-review:1:2026-01-01")  # can be written again: kept, compacted
    unknown = _msg(db, now, key="someday:1", state="cancelled")  # an unlisted producer: kept, compacted
    cancelled = _msg(db, now, state="cancelled")
    pending = _msg(db, now, state="pending")
    failed = _msg(db, now, state="failed", channel="webhook")
    recent = _msg(db, now, age=RECENT)
    sent_late = _msg(db, now)  # created long ago, but sent only lately: not yet old
    db.flush()
    sent_late.sent_at = now - RECENT
    db.commit()
    ids = [m.id for m in (plain, final, guard, unknown, cancelled, pending, failed, recent, sent_late)]

    stats = retention.prune(factory, now=now, days=90)

    rows = _ids(db, ids)
    assert plain.id not in rows and final.id not in rows and cancelled.id not in rows
    for kept, state, key in ((guard, "sent", "kb-review:1:2026-01-01"), (unknown, "cancelled", "someday:1")):
        row = rows[kept.id]
        assert row.payload == {} and row.compacted_at is not None and row.last_error is None
        assert (row.state, row.dedupe_key) == (state, key)
    for untouched in (pending, failed, recent, sent_late):
        row = rows[untouched.id]
        assert row.payload == {"text": "x" * 200} and row.compacted_at is None
    assert rows[failed.id].last_error == "boom"
    assert stats.rows[("sent", "inbox", "deleted")] >= 1 and stats.rows[("sent", "sms", "deleted")] >= 1
    assert stats.rows[("cancelled", "inbox", "deleted")] >= 1
    assert stats.rows[("sent", "inbox", "compacted")] >= 1 and stats.rows[("cancelled", "inbox", "compacted")] >= 1
    again = retention.prune(factory, now=now, days=90)
    assert again.deleted == 0 and again.compacted == 0, "a compacted row is not read again"
    assert retention.is_final("rate:7") and retention.is_final("webhook:1:2") and retention.is_final(None)
    assert not retention.is_final("report:2026-11:3:email") and not retention.is_final("linkage:4:handoff")


def test_a_deleted_webhook_row_takes_its_attempts_and_the_newest_row_stays(db: Session, factory) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    hook = _msg(db, now, key="webhook:1:1", channel="webhook")
    newest_old = _msg(db, now)
    db.flush()
    db.add(WebhookAttempt(message_id=hook.id, at=now - OLD, status_code=200, ok=True))
    db.commit()
    newest = db.scalar(select(func.max(OutboxMessage.id)))
    assert newest == newest_old.id

    retention.prune(factory, now=now, days=90)

    rows = _ids(db, [hook.id, newest_old.id])
    assert hook.id not in rows
    assert db.scalar(select(func.count()).select_from(WebhookAttempt).where(WebhookAttempt.message_id == hook.id)) == 0
    assert newest_old.id in rows, "the newest row is kept: SQLite would give its id to the next notice"
    nxt = _msg(db, now, state="pending", age=timedelta(0))
    db.commit()
    assert nxt.id > newest_old.id


def test_a_review_reminder_re_triggered_after_pruning_is_delivered_once(db: Session, factory) -> None:  # type: ignore[no-untyped-def]
    """knowledge.flows.do_remind_due writes ``kb-review:{entry}:{review date}`` once: it looks the key up.
    Had retention deleted the row, the next pass would write and deliver the reminder again."""
    from hotline.knowledge.models import KnowledgeEntry
    from hotline.org.models import Unit

    today = date.today()  # noqa: DTZ011
    unit = db.scalar(select(Unit).where(Unit.code == "dept-chengguan"))
    assert unit is not None
    entry = KnowledgeEntry(question="小区停车费收费标准由谁定", answer="由业主大会决定。", owner_unit_id=unit.id,
                           review_date=today - timedelta(days=200), status="active")
    db.add(entry)
    db.commit()
    actor = Actor(role="system", label="系统")
    assert do_remind_due(db, today=today, actor=actor) >= 1
    db.commit()
    now = utcnow()
    deliver(db, now=now)
    key = f"kb-review:{entry.id}:{entry.review_date.isoformat()}"
    msg = db.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
    assert msg is not None and msg.state == "sent"
    msg.created_at = msg.sent_at = msg.next_attempt_at = now - OLD  # delivered four months ago
    _msg(db, now, state="pending", age=timedelta(0))  # a later notice: the reminder is not the newest row
    db.commit()

    stats = retention.prune(factory, now=now, days=90)
    assert stats.compacted >= 1
    do_remind_due(db, today=today, actor=actor)
    db.commit()
    deliver(db, now=now)

    notes = db.scalars(select(Notification).where(Notification.topic == "knowledge.review_due",
                                                  Notification.unit_id == unit.id)).all()
    assert len([n for n in notes if n.outbox_id == msg.id]) == 1
    assert len(db.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).all()) == 1
    db.delete(db.get(OutboxMessage, msg.id))  # what deleting the row would have done: sent again
    db.commit()
    assert do_remind_due(db, today=today, actor=actor) >= 1


def test_batches_are_bounded_each_with_its_audit_row(db: Session, factory) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    for i in range(25):
        _msg(db, now, key=f"kb-review:{i}:x" if i % 2 else None)
    _msg(db, now, age=RECENT)
    db.commit()
    audits_before = db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "outbox.prune"))

    stats = retention.prune(factory, now=now, days=90, limit=10, max_batches=2)

    assert stats.batches == 2 and stats.deleted + stats.compacted == 20 and stats.more
    audits = db.scalars(select(AuditLog).where(AuditLog.action == "outbox.prune").order_by(AuditLog.id)).all()
    mine = audits[audits_before:]
    assert len(mine) == 2 and all(a.data["deleted"] + a.data["compacted"] == 10 for a in mine)
    assert all(a.actor_label == "系统（通知保留）" for a in mine)
    rest = retention.prune(factory, now=now, days=90, limit=10)
    assert rest.deleted + rest.compacted == 5 and not rest.more and rest.batches == 1


def test_a_dry_run_counts_and_changes_nothing(db: Session, factory) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    made = [_msg(db, now, key=f"kb-review:{i}:y" if i % 3 == 0 else None) for i in range(7)]
    _msg(db, now, age=RECENT)
    db.commit()
    audits = db.scalar(select(func.count()).select_from(AuditLog))

    dry = retention.prune(factory, now=now, days=90, dry_run=True, limit=3)

    assert dry.deleted == 4 and dry.compacted == 3 and dry.batches == 3
    rows = _ids(db, [m.id for m in made])
    assert len(rows) == 7 and all(r.compacted_at is None and r.payload for r in rows.values())
    assert db.scalar(select(func.count()).select_from(AuditLog)) == audits
    real = retention.prune(factory, now=now, days=90)
    assert (real.deleted, real.compacted) == (dry.deleted, dry.compacted)


def test_the_worker_task_is_registered_waits_and_can_be_off(db: Session, factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from hotline import registry
    from hotline.config import get_settings

    tasks = {name: phase for phase, name, _fn, _pkg in registry.install().worker_tasks}
    assert tasks["outbox_retention"] == "background", "a delivery pass never waits for it"
    now = utcnow()
    old = _msg(db, now)
    _msg(db, now, age=RECENT)
    db.commit()
    out = retention.prune_task(now=now)["outbox"]
    assert isinstance(out, retention.PruneStats) and out.deleted >= 1
    assert old.id not in _ids(db, [old.id])
    assert retention.prune_task(now=now + timedelta(minutes=1)) == {"skipped": "fresh"}
    monkeypatch.setenv("HOTLINE_OUTBOX_RETENTION_DAYS", "0")
    monkeypatch.setenv("HOTLINE_NOTIFICATION_RETENTION_DAYS", "0")
    get_settings.cache_clear()
    try:
        assert retention.prune_task(now=now + timedelta(hours=1)) == {"skipped": "keep for ever"}
    finally:
        monkeypatch.delenv("HOTLINE_OUTBOX_RETENTION_DAYS")
        monkeypatch.delenv("HOTLINE_NOTIFICATION_RETENTION_DAYS")
        get_settings.cache_clear()


def test_the_command_prints_what_it_removed(db: Session, factory) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from hotline.outbox.cli import outbox_app

    now = utcnow()
    gone = _msg(db, now, channel="sms")
    kept = _msg(db, now, key="report:2026-01:1:inbox")
    _msg(db, now, age=RECENT)
    db.commit()
    dry = CliRunner().invoke(outbox_app, ["prune", "--dry-run", "--older-than", "30"])
    assert dry.exit_code == 0, dry.output
    assert "would prune" in dry.output and "将清理" in dry.output and "older than 30 days" in dry.output
    assert "sent      sms      deleted   1" in dry.output
    assert set(_ids(db, [gone.id, kept.id])) == {gone.id, kept.id}
    r = CliRunner().invoke(outbox_app, ["prune", "--older-than", "30"])
    assert r.exit_code == 0, r.output
    assert "已清理 / pruned" in r.output and "sent      inbox    compacted 1" in r.output
    assert set(_ids(db, [gone.id, kept.id])) == {kept.id}
    audit = db.scalar(select(AuditLog).where(AuditLog.action == "outbox.prune").order_by(AuditLog.id.desc()))
    assert audit is not None and "CLI" in audit.actor_label
    bad = CliRunner().invoke(outbox_app, ["prune", "--city", "nosuch"])
    assert bad.exit_code != 0 and "没有该城市" in bad.output and "no such city" in bad.output
    zero = CliRunner().invoke(outbox_app, ["prune", "--older-than", "0"])
    assert zero.exit_code != 0, "0 days is refused on the command line: it would mean everything"


def test_status_counts_compacted_rows_and_says_the_retention_and_the_oldest_row(db: Session, factory,  # type: ignore[no-untyped-def]
                                                                                  monkeypatch) -> None:
    import re

    from typer.testing import CliRunner

    from hotline.config import get_settings
    from hotline.outbox.cli import outbox_app

    def status() -> tuple[str, dict[str, int]]:
        r = CliRunner().invoke(outbox_app, ["status"])
        assert r.exit_code == 0, r.output
        total = next(line for line in r.output.splitlines() if line.startswith("合计 / total:"))
        return r.output, {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", total)}

    now = utcnow()
    _msg(db, now, key="kb-review:9:2026-01-01", channel="email")  # old, guards a key: compacted by the prune
    _msg(db, now, state="pending", age=timedelta(days=4000))  # never pruned: the oldest row
    _msg(db, now, state="failed")
    db.commit()
    out, before = status()
    assert "保留期 / retention: 90 天 / days" in out
    assert "最早的通知 / oldest row: 4000 天前 / days old" in out and "pending)" in out
    assert before["pending"] >= 1 and before["failed"] >= 1 and before["cancelled"] >= 0
    assert retention.prune(factory, now=now, days=90).compacted >= 1
    out, after = status()
    assert after["compacted"] == before["compacted"] + 1 and after["sent"] == before["sent"]
    assert re.search(r"^email\s+sent\s+\d+\s+[1-9]\d*$", out, re.M), out  # the compacted row, by channel
    monkeypatch.setenv("HOTLINE_OUTBOX_RETENTION_DAYS", "0")
    get_settings.cache_clear()
    try:
        assert "永久保留 / keep for ever" in status()[0]
    finally:
        monkeypatch.delenv("HOTLINE_OUTBOX_RETENTION_DAYS")
        get_settings.cache_clear()


def test_the_webhooks_page_says_how_long_deliveries_are_kept(client, db: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from hotline.config import get_settings
    from tests.conftest import login

    login(client, "admin", db=db)
    page = client.get("/webhooks")
    assert page.status_code == 200 and "已送达和已取消的投递记录保留90天" in page.text
    client.cookies.set("lang", "en")
    en = client.get("/webhooks")
    client.cookies.delete("lang")
    assert "Delivered and cancelled deliveries are kept 90 days" in en.text
    monkeypatch.setenv("HOTLINE_OUTBOX_RETENTION_DAYS", "0")
    get_settings.cache_clear()
    try:
        assert "投递记录永久保留" in client.get("/webhooks").text
    finally:
        monkeypatch.delenv("HOTLINE_OUTBOX_RETENTION_DAYS")
        get_settings.cache_clear()


def _note(db: Session, now: datetime, *, age: timedelta, read: timedelta | None, title: str) -> Notification:
    n = Notification(unit_id=None, role="supervisor", topic="test.inbox", title=title, body="正文",
                     created_at=now - age, read_at=now - read if read is not None else None)
    db.add(n)
    return n


def test_read_notifications_older_than_the_period_go_unread_ones_never(db: Session, factory) -> None:  # type: ignore[no-untyped-def]
    """The in-console inbox had no retention: every notification stayed for ever (hotline.outbox.inbox_retention)."""
    from hotline.outbox import inbox_retention

    now = utcnow()
    year = timedelta(days=400)
    gone = [_note(db, now, age=year, read=year - timedelta(days=1), title=f"已读旧通知{i}") for i in range(3)]
    unread = _note(db, now, age=year, read=None, title="未读旧通知")
    lately_read = _note(db, now, age=year, read=timedelta(days=5), title="近日才读的旧通知")
    recent = _note(db, now, age=timedelta(days=20), read=timedelta(days=19), title="近期已读通知")
    newest = _note(db, now, age=year, read=year, title="最新一条")  # never deleted (SQLite would reuse its id)
    db.commit()
    audits = db.scalar(select(func.count()).select_from(AuditLog))
    dry = inbox_retention.prune(factory, now=now, days=365, dry_run=True, limit=2)
    assert (dry.deleted, dry.batches) == (3, 2)
    assert db.scalar(select(func.count()).select_from(AuditLog)) == audits, "a dry run writes nothing"
    stats = inbox_retention.prune(factory, now=now, days=365, limit=2)
    assert (stats.deleted, stats.batches, stats.more) == (3, 2, False)
    left = {n.title for n in db.scalars(select(Notification).where(Notification.topic == "test.inbox")
                                        .execution_options(populate_existing=True))}
    assert left == {unread.title, lately_read.title, recent.title, newest.title}
    assert not left & {n.title for n in gone}
    rows = list(db.scalars(select(AuditLog).where(AuditLog.action == "notifications.prune")))
    assert [r.data["deleted"] for r in rows] == [2, 1] and all(r.actor_label for r in rows)
    for i in range(3):
        _note(db, now, age=year, read=year, title=f"又一条已读旧通知{i}")
    db.commit()
    capped = inbox_retention.prune(factory, now=now, days=365, limit=1, max_batches=1)
    assert (capped.deleted, capped.more) == (1, True), "a pass stops at its batches and says more are left"


def test_the_worker_and_the_command_prune_the_inbox_too(db: Session, factory) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from hotline.outbox.cli import outbox_app

    now = utcnow()
    old = _note(db, now, age=timedelta(days=400), read=timedelta(days=390), title="一年前已读")
    _note(db, now, age=timedelta(days=1), read=None, title="最新")
    db.commit()
    out = CliRunner().invoke(outbox_app, ["prune", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "站内通知 / notifications: 将清理 / would prune 365 天前已读" in out.output and "deleted=1" in out.output
    assert db.get(Notification, old.id) is not None
    done = retention.prune_task(now=now)["notifications"]
    assert done.deleted == 1
    assert db.scalar(select(Notification).where(Notification.id == old.id)
                     .execution_options(populate_existing=True)) is None


def test_two_prunes_at_once_each_take_every_row_once(committed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Two workers' retention passes (or a worker and ``hotline outbox prune``) at the same moment on PostgreSQL:
    the batches lock their rows with SKIP LOCKED, so each old row is deleted or compacted by exactly one of them,
    neither fails, and together they leave nothing old behind; the same for the read notifications."""
    import contextvars
    import threading

    from hotline.outbox import inbox_retention

    if dbmod.get_engine().dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing runs at once")
    now = utcnow()
    factory = dbmod.session_factory()
    with factory() as db:
        finals = [_msg(db, now, key=f"received:RACE-{i:04d}", channel="sms") for i in range(600)]
        guards = [_msg(db, now, key=f"kb-review:{i}:2026-01-01") for i in range(300)]
        _msg(db, now, state="pending")  # never pruned, and the newest row stays anyway
        notes = [_note(db, now, age=timedelta(days=400), read=timedelta(days=399), title=f"并发已读{i}")
                 for i in range(500)]
        _note(db, now, age=timedelta(days=1), read=None, title="并发最新")
        db.commit()
        ids = [m.id for m in (*finals, *guards)]
        note_ids = [n.id for n in notes]
    # each pass's first batch waits, its rows locked, until the other's holds its own: without SKIP LOCKED the
    # second would wait on the first's locks instead, and this barrier would break
    holding = threading.Barrier(2, timeout=30)
    waited = threading.local()
    is_final = retention.is_final

    def held(key: str | None) -> bool:
        if not getattr(waited, "done", False):
            waited.done = True
            holding.wait()
        return is_final(key)

    monkeypatch.setattr(retention, "is_final", held)
    try:
        barrier = threading.Barrier(2)
        results: list[object] = [None, None]
        errors: list[BaseException] = []

        def run(i: int) -> None:
            try:
                barrier.wait()
                outbox = retention.prune(factory, now=now, days=90, limit=50)
                inbox = inbox_retention.prune(factory, now=now, days=365, limit=40)
                results[i] = (outbox, inbox)
            except BaseException as exc:  # noqa: BLE001  (the assertion below names it)
                errors.append(exc)

        threads = [threading.Thread(target=contextvars.copy_context().run, args=(run, i)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        outboxes = [r[0] for r in results]  # type: ignore[index]
        inboxes = [r[1] for r in results]  # type: ignore[index]
        assert all(s.batches >= 1 for s in outboxes), "both passes pruned"
        assert sum(s.deleted for s in outboxes) == 600 and sum(s.compacted for s in outboxes) == 300
        assert sum(s.deleted for s in inboxes) == 500
        with factory() as db:
            left = {m.id: m for m in db.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}
            assert set(left) == {m.id for m in guards}
            assert all(m.compacted_at is not None and m.payload == {} for m in left.values())
            assert db.scalar(select(func.count()).select_from(Notification).where(Notification.id.in_(note_ids))) == 0
            audits = db.scalars(select(AuditLog).where(AuditLog.action == "outbox.prune",
                                                       AuditLog.at >= now - timedelta(minutes=1))).all()
            assert sum(a.data["deleted"] for a in audits) == 600 and sum(a.data["compacted"] for a in audits) == 300
    finally:
        with factory() as db:
            db.execute(Notification.__table__.delete().where(Notification.topic == "test.inbox"))
            db.commit()
