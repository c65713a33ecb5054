"""Incremental grouping at intake (issue #16 item 7): a new call about an open hot matter joins it at once,
before the next re-grouping; an unrelated call, or one about a matter a leader marked handled, joins nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.hotspots.models import HotMatterEvent
from tests.integration.test_cities import _client, _token
from tests.integration.test_hotspots_entities import MIXER_MORE, _matter_of, _orders, seeded  # noqa: F401


def test_a_new_call_joins_its_open_hot_matter_at_once(db: Session, seeded: dict[str, Any]) -> None:  # noqa: F811
    m = _matter_of(db, seeded["mixer"][0])
    assert m is not None and m.size == 3
    mid = m.id
    with _client(db) as client:
        more = _orders(client, db, [MIXER_MORE], 30)[0]
        unrelated = _orders(client, db, [("咨询公积金提取", "想咨询住房公积金提取需要带哪些材料，线上能不能办。")], 31)[0]
        db.expire_all()
        joined = _matter_of(db, more)  # no re-grouping ran
        assert joined is not None and joined.id == mid and joined.size == 4
        assert _matter_of(db, unrelated) is None
        event = db.scalars(select(HotMatterEvent).where(HotMatterEvent.hot_matter_id == mid)
                           .order_by(HotMatterEvent.id.desc()).limit(1)).one()
        assert event.kind == "grew" and event.data["orders"] == [more] and event.data["at_intake"] is True
        # the leader sees it on the matter's page
        leader = _token(db, "leader")
        detail = client.get(f"/hotspots/{mid}", headers=leader).text
        assert f'href="/orders/{more}"' in detail and f'href="/orders/{unrelated}"' not in detail


def test_a_handled_matter_is_not_joined_at_intake(db: Session, seeded: dict[str, Any]) -> None:  # noqa: F811
    m = _matter_of(db, seeded["mixer"][0])
    assert m is not None
    with _client(db) as client:
        leader = _token(db, "leader")
        r = client.post(f"/api/v1/hotspots/{m.id}/handled", json={"note": "已责令搅拌站夜间停工"}, headers=leader)
        assert r.status_code == 200, r.text
        more = _orders(client, db, [MIXER_MORE], 30)[0]
        db.expire_all()
        assert _matter_of(db, more) is None  # the next re-grouping decides; the handled matter is not reopened
