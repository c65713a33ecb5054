"""Hot matters as entities (issue #16 items 1–2): the city's orders grouped into stored matters that keep
their identity across re-groupings, a leader's corrections that the next re-grouping honours, systemic
problems (one demand in many places) told apart from one hot place, role checks and cross-city 404."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.hotspots.models import HotMatter, HotMatterEvent
from hotline.hotspots.refresh import refresh
from hotline.orders.models import Order
from hotline.org.models import Unit
from tests.integration.helpers import create
from tests.integration.test_cities import _client, _token, two_cities  # noqa: F401

MIXER = [("丽发新城旁边搅拌站噪音扰民", "丽发新城小区旁边的搅拌站每天早上六点开始轰鸣，灰尘很大，严重影响居民休息。"),
         ("投诉丽发新城附近搅拌站噪音", "丽发新城小区附近的搅拌站日夜施工，噪音和扬尘污染严重，请尽快处理搅拌站。"),
         ("丽发新城搅拌站彻夜扰民", "我住丽发新城小区对面，小区旁的搅拌站彻夜运转，噪音扬尘，老人小孩无法休息。")]
MIXER_MORE = ("丽发新城搅拌站噪音扬尘", "丽发新城小区边上的搅拌站半夜还在作业，噪音扬尘太大，孩子睡不着，请处理搅拌站。")
BRIDGE = [("沙河村桥头路灯不亮", "沙河村桥头的路灯已经坏了一周，晚上路过很危险，请尽快修复路灯。"),
          ("沙河村桥头路灯坏了", "沙河村桥头那盏路灯一直不亮，晚上路过很危险，请修复路灯。")]
OTHER = [("人民路井盖破损", "人民路公交站旁井盖破损，行人差点摔倒，请尽快更换。"),
         ("咨询人才购房补贴", "应届硕士想咨询人才购房补贴需要哪些材料，社保是否要满一年。")]


def _orders(client: TestClient, db: Session, texts: list[tuple[str, str]], start: int, **kw: Any) -> list[str]:
    op = _token(db, "operator1")
    return [create(client, op, title=t, content=c, citizen_name=f"市民{start + k}",
                   citizen_phone=f"1390000{start + k:04d}", address=f"青阳市丽发路{start + k}号", **kw)["number"]
            for k, (t, c) in enumerate(texts)]


def _lamps(client: TestClient, db: Session, n: int = 6) -> list[str]:
    """Street lights out in ``n`` different communities: one demand in many places."""
    op = _token(db, "operator1")
    communities = list(db.scalars(select(Unit).where(Unit.type == "community").order_by(Unit.code).limit(n)))
    assert len(communities) == n
    out = []
    for k, u in enumerate(communities):
        out.append(create(client, op, title=f"{u.name}路灯不亮", category_code="010101", territory_code=u.code,
                          content=f"{u.name}主干道的路灯已经坏了好几天，晚上一片漆黑，居民出行不便，请尽快修复路灯。",
                          citizen_name=f"居民{k}", citizen_phone=f"1375555{k:04d}", address=f"青阳市{u.name}")["number"])
    return out


def _refresh(db: Session) -> dict[str, Any]:
    db.expire_all()  # the API's requests wrote through sessions of their own
    out = refresh(db, now=utcnow())
    db.flush()
    return out


def _matter_of(db: Session, number: str, kind: str = "place") -> HotMatter | None:
    from hotline.hotspots.models import HotMatterOrder

    return db.scalar(select(HotMatter).join(HotMatterOrder, HotMatterOrder.hot_matter_id == HotMatter.id)
                     .join(Order, Order.id == HotMatterOrder.order_id)
                     .where(Order.number == number, HotMatter.kind == kind, HotMatter.active.is_(True)))


@pytest.fixture
def seeded(db: Session) -> dict[str, Any]:
    with _client(db) as client:
        mixer = _orders(client, db, MIXER, 0)
        bridge = _orders(client, db, BRIDGE, 10)
        other = _orders(client, db, OTHER, 20)
        lamps = _lamps(client, db)
    _refresh(db)
    return {"mixer": mixer, "bridge": bridge, "other": other, "lamps": lamps}


def test_the_citys_orders_become_hot_matters_and_a_systemic_problem(db: Session, seeded: dict[str, Any]) -> None:
    mixer = _matter_of(db, seeded["mixer"][0])
    assert mixer is not None and mixer.size == 3 and "搅拌站" in mixer.name
    assert all(_matter_of(db, n) is mixer for n in seeded["mixer"])
    bridge = _matter_of(db, seeded["bridge"][0])
    assert bridge is not None and bridge is not mixer and bridge.size == 2
    assert all(_matter_of(db, n) is None for n in seeded["other"])  # singletons are not kept
    history = db.scalars(select(HotMatterEvent.kind).where(HotMatterEvent.hot_matter_id == mixer.id)).all()
    assert history == ["created"]
    # the lamps: one systemic problem across six communities, not one hot place
    systemic = _matter_of(db, seeded["lamps"][0], kind="systemic")
    assert systemic is not None and len(systemic.places) == 6 and "路灯" in systemic.name
    assert all(_matter_of(db, n, kind="systemic") is systemic for n in seeded["lamps"])
    assert not any((m := _matter_of(db, n)) is not None and m.size >= 4 for n in seeded["lamps"])
    # the hot place is not a systemic problem: all its orders are at one place
    assert all(_matter_of(db, n, kind="systemic") is None for n in seeded["mixer"])


def test_a_matter_keeps_its_identity_across_refreshes_and_grows(db: Session, seeded: dict[str, Any]) -> None:
    first = _matter_of(db, seeded["mixer"][0])
    assert first is not None
    ident = first.id
    _refresh(db)
    assert _matter_of(db, seeded["mixer"][0]).id == ident  # type: ignore[union-attr]
    with _client(db) as client:
        more = _orders(client, db, [MIXER_MORE], 30)[0]
    _refresh(db)
    m = _matter_of(db, more)
    assert m is not None and m.id == ident and m.size == 4
    kinds = db.scalars(select(HotMatterEvent.kind).where(HotMatterEvent.hot_matter_id == ident)
                       .order_by(HotMatterEvent.id)).all()
    assert kinds == ["created", "grew"]


def test_a_leaders_merge_and_split_survive_the_next_regrouping(db: Session, seeded: dict[str, Any]) -> None:
    mixer, bridge = _matter_of(db, seeded["mixer"][0]), _matter_of(db, seeded["bridge"][0])
    assert mixer is not None and bridge is not None
    mid, bid = mixer.id, bridge.id
    with _client(db) as client:
        leader = _token(db, "leader")
        r = client.post(f"/api/v1/hotspots/{mid}/merge", json={"other_id": bid}, headers=leader)
        assert r.status_code == 200, r.text
        assert r.json()["size"] == 5
        _refresh(db)  # the grouping alone keeps them apart; the must-links keep them together
        assert {_matter_of(db, n).id for n in seeded["mixer"] + seeded["bridge"]} == {mid}  # type: ignore[union-attr]
        assert db.get(HotMatter, bid).active is False  # type: ignore[union-attr]
        # split the bridge orders out again: they become a matter of their own, and stay out
        r = client.post(f"/api/v1/hotspots/{mid}/split", json={"orders": seeded["bridge"]}, headers=leader)
        assert r.status_code == 200, r.text
        new_id = r.json()["split_into"]
        assert new_id and r.json()["size"] == 3
        _refresh(db)
        assert {_matter_of(db, n).id for n in seeded["mixer"]} == {mid}  # type: ignore[union-attr]
        assert {_matter_of(db, n).id for n in seeded["bridge"]} == {new_id}  # type: ignore[union-attr]
        # split one order out: it never goes back into the matter
        r = client.post(f"/api/v1/hotspots/{mid}/split", json={"orders": [seeded["mixer"][2]]}, headers=leader)
        assert r.status_code == 200 and r.json()["split_into"] is None
        _refresh(db)
        assert _matter_of(db, seeded["mixer"][2]) is None
        assert _matter_of(db, seeded["mixer"][0]).id == mid  # type: ignore[union-attr]
        detail = client.get(f"/api/v1/hotspots/{mid}", headers=leader).json()
        kinds = [e["kind"] for e in detail["history"]]
        assert "merged" in kinds and kinds.count("split") == 2
        assert any(e["actor"].endswith("(leader)") for e in detail["history"] if e["kind"] == "merged")


def test_a_window_past_the_limit_is_cut_to_its_newest_orders_and_says_so(db: Session, seeded: dict[str, Any],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass's work is bounded by ``LIMIT`` orders; a window with more groups its newest and reports it."""
    from hotline.hotspots import refresh as refresh_mod

    whole = _refresh(db)
    assert whole["orders"] == 13 and whole["capped"] is False
    monkeypatch.setattr(refresh_mod, "LIMIT", 5)
    cut = _refresh(db)
    assert cut["orders"] == 5 and cut["capped"] is True
    newest = set(db.scalars(select(Order.id).order_by(Order.id.desc()).limit(5)))
    assert {r.id for r in refresh_mod.window_rows(db, utcnow(), refresh_mod.WINDOW_DAYS)} == newest


def test_marking_handled_keeps_the_state_and_names_the_actor(db: Session, seeded: dict[str, Any]) -> None:
    m = _matter_of(db, seeded["mixer"][0])
    assert m is not None
    with _client(db) as client:
        sup = _token(db, "supervisor")
        r = client.post(f"/api/v1/hotspots/{m.id}/handled", json={"note": "已责令搅拌站夜间停工并加装降尘设施"}, headers=sup)
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "handled"
        again = client.post(f"/api/v1/hotspots/{m.id}/handled", json={"note": "再次标记"}, headers=sup)
        assert again.status_code == 409
        _refresh(db)
        body = client.get(f"/api/v1/hotspots/{m.id}", headers=sup).json()
        assert body["state"] == "handled" and body["handled_note"].startswith("已责令")
        ev = [e for e in body["history"] if e["kind"] == "handled"]
        assert ev and ev[0]["actor"].endswith("(supervisor)") and ev[0]["data"]["note"].startswith("已责令")


def test_roles_bad_input_and_another_city(db: Session, seeded: dict[str, Any], two_cities: Any) -> None:  # noqa: F811
    m = _matter_of(db, seeded["mixer"][0])
    b = _matter_of(db, seeded["bridge"][0])
    assert m is not None and b is not None
    with _client(db) as client:
        assert client.get("/api/v1/hotspots", headers=_token(db, "operator1")).status_code == 403
        disp = _token(db, "dispatcher")
        listing = client.get("/api/v1/hotspots", headers=disp)
        assert listing.status_code == 200
        assert {x["id"] for x in listing.json()["hot_matters"]} >= {m.id, b.id}
        assert listing.json()["systemic_problems"]
        r = client.post(f"/api/v1/hotspots/{m.id}/handled", json={"note": "派单员不能标记"}, headers=disp)
        assert r.status_code == 403
        leader = _token(db, "leader")
        for path, body in ((f"/api/v1/hotspots/{m.id}/handled", {"note": ""}),
                           (f"/api/v1/hotspots/{m.id}/merge", {"other_id": "abc"}),
                           (f"/api/v1/hotspots/{m.id}/merge", {"other_id": m.id}),
                           (f"/api/v1/hotspots/{m.id}/split", {"orders": ["NOSUCH-1"]}),
                           (f"/api/v1/hotspots/{m.id}/split", {"orders": seeded["bridge"]}),
                           (f"/api/v1/hotspots/{m.id}/split", {"orders": seeded["mixer"]})):
            r = client.post(path, json=body, headers=leader)
            assert r.status_code == 422, (path, body, r.text)
        r = client.post(f"/api/v1/hotspots/{m.id}/split", json={"orders": ["NOSUCH-1"]}, headers=leader)
        assert "工单不存在" in r.text and "no such orders" in r.text
        assert client.get("/api/v1/hotspots/99999999", headers=leader).status_code == 404
        # another city's leader: 404 on this city's matter, and its list does not show it
        xh = _token(db, "xh_leader")
        assert client.get(f"/api/v1/hotspots/{m.id}", headers=xh).status_code == 404
        assert client.post(f"/api/v1/hotspots/{m.id}/handled", json={"note": "跨城市标记"}, headers=xh).status_code == 404
        assert client.get("/api/v1/hotspots", headers=xh).json()["hot_matters"] == []


def test_the_pages_show_the_matters_the_systemic_problems_and_a_matter(db: Session, seeded: dict[str, Any]) -> None:
    m = _matter_of(db, seeded["mixer"][0])
    assert m is not None
    with _client(db) as client:
        leader = _token(db, "leader")
        page = client.get("/hotspots", headers=leader)
        assert page.status_code == 200
        assert m.name in page.text and f'href="/hotspots/{m.id}"' in page.text
        systemic = page.text.split('id="systemic-problems"', 1)[1]
        assert "路灯" in systemic and "个地点" in systemic
        assert "很多地方反映同一件事" in page.text  # the difference is explained on the page
        detail = client.get(f"/hotspots/{m.id}", headers=leader).text
        assert all(f'href="/orders/{n}"' in detail for n in seeded["mixer"])
        assert 'id="c-hot-daily"' in detail and "形成" in detail
        client.cookies.set("lang", "en")
        en = client.get(f"/hotspots/{m.id}", headers=leader)
        assert en.status_code == 200 and "History" in en.text and "Orders per day" in en.text
        client.cookies.delete("lang")
        assert client.get("/hotspots", headers=_token(db, "operator1")).status_code == 403
        assert "最近一次重新聚类" in page.text
        # the page's forms: nothing chosen to split is a 422 with the reason on the page
        r = client.post(f"/hotspots/{m.id}/split", data={}, headers=leader)
        assert r.status_code == 422 and "请选择要拆分出去的工单" in r.text
        r = client.post(f"/hotspots/{m.id}/handled", data={"note": "已协调城管夜间巡查"}, headers=leader,
                        follow_redirects=False)
        assert r.status_code in (302, 303)
        assert "已协调城管夜间巡查" in client.get(f"/hotspots/{m.id}", headers=leader).text


def test_the_worker_regroups_each_city_at_most_hourly(committed: None) -> None:
    """The re-grouping is a worker task (background lane, never in a delivery pass), never a page request; a pass within the hour skips."""
    from datetime import timedelta

    from hotline import registry
    from hotline.hotspots import refresh as refresh_mod

    assert ("background", "hotspots") in {(p, n) for p, n, _fn, _pkg in registry.get().worker_tasks}
    refresh_mod._last_run.clear()
    now = utcnow()
    first = refresh_mod.refresh_task(now=now)
    assert first["orders"] == 0 and "skipped" not in first
    assert refresh_mod.refresh_task(now=now + timedelta(minutes=5)) == {"skipped": "fresh"}
    assert "skipped" not in refresh_mod.refresh_task(now=now + timedelta(hours=2))


def test_a_systemic_problem_keeps_its_identity_and_state_by_its_key(db: Session, seeded: dict[str, Any]) -> None:
    s = _matter_of(db, seeded["lamps"][0], kind="systemic")
    assert s is not None and s.key and s.key.startswith("010101:")
    with _client(db) as client:
        r = client.post(f"/api/v1/hotspots/{s.id}/handled", json={"note": "全市路灯巡检合同已启动"},
                        headers=_token(db, "leader"))
        assert r.status_code == 200, r.text
        split = client.post(f"/api/v1/hotspots/{s.id}/split", json={"orders": seeded["lamps"][:1]},
                            headers=_token(db, "leader"))
        assert split.status_code == 422 and "cannot be split" in split.text
        more = _lamps(client, db, 7)[-1:]  # one more community; the six are there again too
    _refresh(db)
    again = _matter_of(db, seeded["lamps"][0], kind="systemic")
    assert again is not None and again.id == s.id and again.state == "handled"
    assert _matter_of(db, more[0], kind="systemic") is again
