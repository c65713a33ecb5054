"""The hotspot map (issue #16 item 5): per-territory counts at district and street level for a period,
the points of the orders with coordinates (bounded and sampled), a hot matter's heat on its territory,
a clicked region's orders, the city's GeoJSON with its ETag, the page's table, roles and another city."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.hotspots.refresh import refresh
from hotline.orders.models import Order
from tests.integration.helpers import create
from tests.integration.test_cities import _client, _token, two_cities  # noqa: F401

MIXER = [("丽发新城旁边搅拌站噪音扰民", "丽发新城小区旁边的搅拌站每天早上六点开始轰鸣，灰尘很大，严重影响居民休息。"),
         ("投诉丽发新城附近搅拌站噪音", "丽发新城小区附近的搅拌站日夜施工，噪音和扬尘污染严重，请尽快处理搅拌站。"),
         ("丽发新城搅拌站彻夜扰民", "我住丽发新城小区对面，小区旁的搅拌站彻夜运转，噪音扬尘，老人小孩无法休息。")]
# (territory, latitude, longitude) — a community of 新华街道 (东城区), a street of 河西区, a township of 青峰区
OTHER = {1: ("人民路井盖破损", "人民路公交站旁井盖破损，行人差点摔倒，请尽快更换。"),
         2: ("咨询人才购房补贴", "应届硕士想咨询人才购房补贴需要哪些材料，社保是否要满一年。"),
         3: ("滨江路夜市油烟扰民", "滨江路夜市烧烤摊油烟很大，楼上住户没法开窗，希望规范管理。"),
         4: ("柳河镇自来水浑浊", "柳河镇老街一带自来水发黄浑浊，已经持续三天，请水务部门检查。")}
PLACES = {"xinhua": ("c-xinhua-taoyuan", 32.15, 118.25), "binjiang": ("s-hexi-binjiang", 32.12, 118.40),
          "liuhe": ("s-qingfeng-liuhe", 32.20, 118.55)}


@pytest.fixture
def placed(db: Session) -> dict[str, Any]:
    """2 orders in 新华街道 (one without a position), 1 in 滨江街道, 1 in 柳河镇 40 days ago, 3 about one
    mixing plant in 滨江街道 (a hot matter), 1 with no territory."""
    with _client(db) as client:
        op = _token(db, "operator1")

        def at(key: str, k: int, located: bool = True, **kw: Any) -> str:
            code, lat, lon = PLACES[key]
            pos = {"latitude": lat + k * 0.001, "longitude": lon + k * 0.001} if located else {}
            if k in OTHER:  # texts that form no hot matter
                kw = {"title": OTHER[k][0], "content": OTHER[k][1], **kw}
            return str(create(client, op, territory_code=code, citizen_phone=f"1390000{k:04d}", **pos, **kw)["number"])

        out = {"xinhua": [at("xinhua", 1, category_code="010101"), at("xinhua", 2, located=False)], "binjiang": [at("binjiang", 3)],
               "liuhe": [at("liuhe", 4)],
               "mixer": [at("binjiang", 10 + k, title=t, content=c, address=f"青阳市丽发路{k}号", citizen_name=f"市民{k}")
                         for k, (t, c) in enumerate(MIXER)],
               "nowhere": [create(client, op, citizen_phone="13900009999")["number"]]}
    db.expire_all()
    old = db.scalar(select(Order).where(Order.number == out["liuhe"][0]))
    assert old is not None
    old.created_at = utcnow() - timedelta(days=40)
    db.flush()
    refresh(db, now=utcnow())
    db.flush()
    return out


def _get(client: Any, headers: dict[str, str], **q: Any) -> dict[str, Any]:
    r = client.get("/api/v1/hotspots/map", params=q, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_counts_by_district_and_street_for_the_period(db: Session, placed: dict[str, Any]) -> None:
    with _client(db) as client:
        leader = _token(db, "leader")
        d30 = {r["code"]: r for r in _get(client, leader, level="district", days=30)["regions"]}
        assert set(d30) == {"d-dongcheng", "d-hexi", "d-qingfeng"}  # every district, drawn on the map
        assert all(r["drawn"] for r in d30.values())
        assert (d30["d-dongcheng"]["orders"], d30["d-hexi"]["orders"], d30["d-qingfeng"]["orders"]) == (2, 4, 0)
        assert d30["d-dongcheng"]["name"] == "青阳市东城区"
        d90 = {r["code"]: r["orders"] for r in _get(client, leader, level="district", days=90)["regions"]}
        assert d90["d-qingfeng"] == 1  # the order of 40 days ago is in the 90-day period only
        streets = {r["code"]: r["orders"] for r in _get(client, leader, level="street", days=30)["regions"]}
        assert len(streets) == 13 and streets["s-dongcheng-xinhua"] == 2 and streets["s-hexi-binjiang"] == 4
        assert streets["s-hexi-xiyuan"] == 0 and "d-hexi" not in streets


def test_points_hot_matters_and_a_clicked_region(db: Session, placed: dict[str, Any]) -> None:
    with _client(db) as client:
        leader = _token(db, "leader")
        data = _get(client, leader, level="street", days=30, measure="heat")
        points = {p["number"]: p for p in data["points"]}
        assert placed["xinhua"][0] in points and placed["xinhua"][1] not in points  # no position, no point
        p = points[placed["xinhua"][0]]
        assert (p["lat"], p["lon"], p["territory"]) == (pytest.approx(32.151), pytest.approx(118.251), "s-dongcheng-xinhua")
        assert p["category"] == "01" and "01" in {c["code"] for c in data["categories"]}  # the top-level category
        assert placed["liuhe"][0] not in points and data["points_total"] == len(points) and not data["points_sampled"]
        # the mixing plant: a hot matter whose heat lies on 滨江街道, drawn at its orders' mean position
        regions = {r["code"]: r for r in data["regions"]}
        assert regions["s-hexi-binjiang"]["hot_matters"] == 1 and regions["s-hexi-binjiang"]["heat"] > 0
        assert regions["s-dongcheng-xinhua"]["heat"] == 0
        hot = [m for m in data["hot_matters"] if "搅拌站" in m["name"]]
        assert len(hot) == 1 and hot[0]["size"] == 3 and hot[0]["lat"] == pytest.approx(32.12 + 0.011, abs=1e-3)
        # a click on 滨江街道: its orders and its hot matter
        t = _get(client, leader, level="street", days=30, territory="s-hexi-binjiang")["territory"]
        assert t["name"] == "河西区滨江街道" and t["orders_total"] == 4
        assert {o["number"] for o in t["orders"]} == set(placed["binjiang"] + placed["mixer"])
        assert [m["id"] for m in t["hot_matters"]] == [hot[0]["id"]]
        r = client.get("/api/v1/hotspots/map", params={"level": "district", "territory": "s-hexi-binjiang"}, headers=leader)
        assert r.status_code == 404 and "没有这个属地" in r.text  # a street is no region at district level


def test_points_are_bounded_and_sampled_evenly(db: Session, placed: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.hotspots import map as hot_map

    monkeypatch.setattr(hot_map, "MAX_POINTS", 2)
    with _client(db) as client:
        data = _get(client, _token(db, "leader"), days=30)
    assert data["points_total"] == 5 and data["points_sampled"] and 1 <= len(data["points"]) <= 2


def test_the_boundary_file_is_served_with_an_etag(db: Session) -> None:
    with _client(db) as client:
        leader = _token(db, "leader")
        r = client.get("/api/v1/hotspots/map/boundaries", headers=leader)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
        codes = {f["properties"]["code"] for f in r.json()["features"]}
        assert {"d-dongcheng", "s-dongcheng-xinhua", "s-qingfeng-baisha"} <= codes and len(codes) == 16
        etag = r.headers["etag"]
        again = client.get("/api/v1/hotspots/map/boundaries", headers={**leader, "If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag


def test_roles_bad_input_and_another_city(db: Session, placed: dict[str, Any], two_cities: Any) -> None:  # noqa: F811
    with _client(db) as client:
        for who in ("operator1", "dispatcher"):
            for path in ("/api/v1/hotspots/map", "/api/v1/hotspots/map/boundaries"):
                assert client.get(path, headers=_token(db, who)).status_code == 403, (who, path)
        leader = _token(db, "leader")
        for bad in ({"days": 14}, {"level": "community"}, {"measure": "x"}):
            assert client.get("/api/v1/hotspots/map", params=bad, headers=leader).status_code == 422, bad
        # 西河县's leader: its two townships, none of 青阳市's orders, its own boundary file
        xh = _token(db, "xh_leader")
        data = _get(client, xh, level="district", days=30)
        assert {r["code"] for r in data["regions"]} == {"xh-t-chengguan", "xh-t-shahe"}
        assert all(r["orders"] == 0 for r in data["regions"]) and data["points"] == []
        geo = client.get("/api/v1/hotspots/map/boundaries", headers=xh).json()
        assert {f["properties"]["code"] for f in geo["features"]} == {"xh-t-chengguan", "xh-t-shahe"}


def test_the_page_lists_the_regions_and_a_clicked_one(db: Session, placed: dict[str, Any]) -> None:
    with _client(db) as client:
        leader = _token(db, "leader")
        page = client.get("/hotspots/map", params={"level": "district", "days": 30}, headers=leader)
        assert page.status_code == 200
        assert '<tr data-code="d-hexi">' in page.text and "青阳市河西区" in page.text
        assert 'data-col="orders">4</td>' in page.text and 'data-col="orders">2</td>' in page.text
        assert 'src="/static/vendor/echarts-5.6.0/echarts.min.js"' in page.text
        assert not re.findall(r'(?:src|href)="(?:https?:)?//', page.text)  # nothing loaded from elsewhere
        clicked = client.get("/hotspots/map", params={"level": "street", "days": 30, "territory": "s-hexi-binjiang"},
                             headers=leader)
        assert 'id="map-region"' in clicked.text and "河西区滨江街道" in clicked.text
        for n in placed["binjiang"] + placed["mixer"]:
            assert f'href="/orders/{n}"' in clicked.text
        assert "搅拌站" in clicked.text
        # a wrong picker value falls back to the default (a page, not an error); an unknown region is ignored
        odd = client.get("/hotspots/map", params={"days": "abc", "level": "x", "territory": "nosuch"}, headers=leader)
        assert odd.status_code == 200 and 'id="map-region"' not in odd.text and '<tr data-code="d-hexi">' in odd.text
        en = client.get("/hotspots/map", headers={**leader, "Cookie": "lang=en"})
        assert "Hotspot map" in en.text
        assert client.get("/hotspots/map", headers=_token(db, "operator1")).status_code == 403
        assert 'href="/hotspots/map"' in client.get("/hotspots", headers=leader).text
