"""The intake assistant's reads (issue #20 item 7) without timing: statement shapes and counts.

``textindex.doc_freqs`` pads its tokens so that drafts of different lengths share a statement (SQLAlchemy
compiles a shape once per process); ``duplicates.service.caller_history`` reads its three counts in one
statement.  Results are checked against a direct count."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.duplicates import service as dup
from hotline.orders.actor import Actor
from hotline.orders.flows import do_create_order
from hotline.orders.models import Order
from hotline.org.models import User
from hotline.textindex import index
from hotline.textindex.models import TextPosting
from tests.integration.helpers import sql_statements

PHONE = "13655550009"


_counting = sql_statements  # tests.integration.helpers


def test_doc_freqs_shares_one_statement_across_token_counts(db: Session) -> None:
    index.index_doc(db, kind="speedtest", doc_id=1, text="东关街夜市烧烤噪音很大")
    index.index_doc(db, kind="speedtest", doc_id=2, text="东关街路灯不亮")
    tokens = sorted(set(db.scalars(select(TextPosting.token).where(TextPosting.kind == "speedtest"))))
    assert len(tokens) >= 3
    with _counting() as statements:
        one = index.doc_freqs(db, "speedtest", tokens[:1])
        some = index.doc_freqs(db, "speedtest", [*tokens[:3], "不存在的词"])
    assert len(statements) == 2 and statements[0] == statements[1]  # one shape for 1 and 4 tokens
    for got in (one, some):
        for t, n in got.items():
            assert n == db.scalar(select(func.count()).where(TextPosting.kind == "speedtest", TextPosting.token == t))
    assert set(some) == {*tokens[:3], "不存在的词"} and some["不存在的词"] == 0 and "" not in some


def test_caller_history_counts_in_one_statement(db: Session) -> None:
    op = Actor.of(db.scalar(select(User).where(User.username == "operator1")))  # type: ignore[arg-type]
    made = [do_create_order(db, actor=op, data={
        "kind": "complaint", "title": f"噪音{i}", "content": "东关街夜市烧烤噪音很大，凌晨两点还在营业。",
        "citizen_name": "张伟", "citizen_phone": PHONE, "address": "青阳市东城区东关街1号", "channel": "phone",
        "urgency": "normal"}) for i in range(3)]
    db.execute(update(Order).where(Order.id == made[0].id)
               .values(created_at=made[0].created_at - timedelta(days=40), status="merged"))
    db.flush()
    user = db.scalar(select(User).where(User.username == "operator1"))
    assert user is not None
    dup.caller_history(db, user=user, phone=PHONE, limit=8)  # warm: designations' providers
    with _counting() as statements:
        h = dup.caller_history(db, user=user, phone=PHONE, limit=8)
    assert (h["total"], h["last_30_days"], h["merged"]) == (3, 2, 1)
    counts = [s for s in statements if "count(" in s and "FROM orders" in s]
    assert len(counts) == 1, counts
