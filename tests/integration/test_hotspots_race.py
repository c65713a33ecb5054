"""A leader's correction racing a re-grouping of the same matter (issue #16 item 7): the end state is
consistent or the loser gets a 409 / retries, and a correction is never lost.

Real commits, separate sessions and a thread for the leader's request: on PostgreSQL the correction
commits while the re-grouping is between its read and its write, so the re-grouping's write of the
matter fails on the version column (``HotMatter.version``) and rolls back whole; on SQLite writers are
serialised (``BEGIN IMMEDIATE``), so the correction waits and lands after the re-grouping. Either way
the next re-grouping honours it."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import is_concurrency_error, session_factory, utcnow
from hotline.errors import Conflict
from hotline.hotspots import refresh as refresh_mod
from hotline.hotspots.models import HotMatter, HotMatterEvent, HotMatterLink, HotMatterOrder
from hotline.orders.models import Order
from tests.integration.helpers import create
from tests.integration.test_cities import _token
from tests.integration.test_hotspots_entities import BRIDGE, MIXER, OTHER


def _headers(username: str) -> dict[str, str]:
    with session_factory()() as s:
        h = _token(s, username)
        s.commit()
    return h


def _file(client: TestClient, op: dict[str, str], texts: list[tuple[str, str]], start: int) -> list[str]:
    return [create(client, op, title=t, content=c, citizen_name=f"市民{start + k}", citizen_phone=f"1390000{start + k:04d}",
                   address=f"青阳市丽发路{start + k}号")["number"] for k, (t, c) in enumerate(texts)]


def _regroup() -> dict[str, Any]:
    with session_factory()() as s:
        out = refresh_mod.refresh(s, now=utcnow())
        s.commit()
    return out


def _matter_of(s: Session, number: str) -> int | None:
    return s.scalar(select(HotMatter.id).join(HotMatterOrder, HotMatterOrder.hot_matter_id == HotMatter.id)
                    .join(Order, Order.id == HotMatterOrder.order_id)
                    .where(Order.number == number, HotMatter.kind == "place", HotMatter.active.is_(True)))


def _one_matter_per_order(s: Session) -> None:
    """The partition: no order sits in two active place matters."""
    rows = s.execute(select(HotMatterOrder.order_id).join(HotMatter, HotMatter.id == HotMatterOrder.hot_matter_id)
                     .where(HotMatter.kind == "place", HotMatter.active.is_(True))).scalars().all()
    assert [o for o, c in Counter(rows).items() if c > 1] == []


@pytest.mark.parametrize("correction", ["merge", "split", "handled"])
def test_a_correction_racing_a_regrouping_is_never_lost(live_client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                                        correction: str) -> None:
    op, leader = _headers("operator1"), _headers("leader")
    mixer, bridge = _file(live_client, op, MIXER, 0), _file(live_client, op, BRIDGE, 10)
    _file(live_client, op, OTHER, 20)
    _regroup()
    with session_factory()() as s:
        mid, bid = _matter_of(s, mixer[0]), _matter_of(s, bridge[0])
    assert mid and bid and mid != bid
    if correction == "split":  # the bridge is merged first, so there is something to split out again
        assert live_client.post(f"/api/v1/hotspots/{mid}/merge", json={"other_id": bid}, headers=leader).status_code == 200
        _regroup()
    answer: dict[str, Any] = {}

    def leader_acts() -> None:
        if correction == "merge":
            r = live_client.post(f"/api/v1/hotspots/{mid}/merge", json={"other_id": bid}, headers=leader)
        elif correction == "split":
            r = live_client.post(f"/api/v1/hotspots/{mid}/split", json={"orders": bridge}, headers=leader)
        else:
            r = live_client.post(f"/api/v1/hotspots/{mid}/handled", json={"note": "已责令搅拌站夜间停工"}, headers=leader)
        answer["status"], answer["body"] = r.status_code, r.json()

    real = refresh_mod.systemic_problems
    thread = threading.Thread(target=leader_acts)

    def in_between(db: Session, rows: Any, now: Any, **kw: Any) -> Any:
        # the re-grouping has read the window, the matters' members and the corrections: the leader acts now
        thread.start()
        thread.join(timeout=3)  # PostgreSQL: done at once; SQLite: waits for this transaction (BEGIN IMMEDIATE)
        return real(db, rows, now, **kw)

    monkeypatch.setattr(refresh_mod, "systemic_problems", in_between)
    lost: BaseException | None = None
    try:
        _regroup()
    except Exception as exc:  # noqa: BLE001  (the re-grouping lost the race: it must be a clean concurrency error)
        lost = exc
    thread.join(timeout=60)
    monkeypatch.setattr(refresh_mod, "systemic_problems", real)
    assert not thread.is_alive()
    assert answer["status"] in (200, 409), answer  # never a 500
    if lost is not None:
        assert isinstance(lost, Conflict) or is_concurrency_error(lost), repr(lost)  # a 409 / a retry
    with session_factory()() as s:
        dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        assert answer["status"] == 200 and lost is not None  # the correction won; the re-grouping rolled back
    if answer["status"] == 409:  # the re-grouping won: the leader is told to reload, nothing half-written
        return
    _regroup()  # the next pass (the worker's background lane retries) honours the correction
    with session_factory()() as s:
        _one_matter_per_order(s)
        kinds = s.scalars(select(HotMatterEvent.kind).where(HotMatterEvent.hot_matter_id == mid,
                                                            HotMatterEvent.actor_label != refresh_mod.SYSTEM)
                            .order_by(HotMatterEvent.id)).all()  # no ORDER BY: PostgreSQL's heap order after updates
        m = s.get(HotMatter, mid)
        assert m is not None and m.active
        if correction == "merge":
            assert kinds == ["merged"]
            assert {_matter_of(s, n) for n in mixer + bridge} == {mid}
            assert s.get(HotMatter, bid).active is False  # type: ignore[union-attr]
            assert s.scalar(select(HotMatterLink.id).where(HotMatterLink.kind == "must").limit(1)) is not None
        elif correction == "split":
            assert kinds == ["merged", "split"]
            assert {_matter_of(s, n) for n in mixer} == {mid}
            assert mid not in {_matter_of(s, n) for n in bridge}
            assert s.scalar(select(HotMatterLink.id).where(HotMatterLink.kind == "cannot").limit(1)) is not None
        else:
            assert kinds == ["handled"]
            assert m.state == "handled" and m.handled_note == "已责令搅拌站夜间停工"
            assert {_matter_of(s, n) for n in mixer} == {mid}


def test_the_regrouping_runs_in_the_background_lane_not_in_a_delivery_pass(committed: None) -> None:
    from hotline.outbox.worker import run_background, run_pass

    refresh_mod._last_run.clear()
    now = utcnow()
    run_pass(now=now, sweep_enabled=False)  # sweep → maintain → deliver: no re-grouping in it
    assert refresh_mod._last_run == {}
    out = run_background(now=now)
    threshold = out["hotspots"].pop("threshold")  # the grouping threshold in force (hotspots.tuning)
    assert threshold["source"] == "default" and threshold["threshold"] == 0.6
    assert out["hotspots"] == {"orders": 0, "capped": False, "hot_matters": 0, "systemic": 0, "place": {},
                               "systemic_changes": {}}
    assert list(refresh_mod._last_run.values()) == [now]
