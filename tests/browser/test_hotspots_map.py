"""A leader opens the hotspot map (issue #16 item 5): from 热点 to 热点地图, the districts are drawn
(the canvas is not blank), the table beside the map lists every district with the API's counts, a click
on 东城区 opens its orders; every request the pages make goes to our own server.  Screenshots in
test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.test_security_csp import _watch
from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser

MIXER = [("丽发新城旁边搅拌站噪音扰民", "丽发新城小区旁边的搅拌站每天早上六点开始轰鸣，灰尘很大，严重影响居民休息。"),
         ("投诉丽发新城附近搅拌站噪音", "丽发新城小区附近的搅拌站日夜施工，噪音和扬尘污染严重，请尽快处理搅拌站。"),
         ("丽发新城搅拌站彻夜扰民", "我住丽发新城小区对面，小区旁的搅拌站彻夜运转，噪音扬尘，老人小孩无法休息。")]
# (territory, latitude, longitude, title, content): two in 东城区新华街道, one in 河西区
PLAIN = [("c-xinhua-taoyuan", 32.13, 118.25, "人民路井盖破损", "人民路公交站旁井盖破损，行人差点摔倒，请尽快更换。"),
         ("s-dongcheng-xinhua", 32.15, 118.30, "咨询人才购房补贴", "应届硕士想咨询人才购房补贴需要哪些材料，社保是否要满一年。"),
         ("s-hexi-xiyuan", 32.22, 118.42, "西苑路夜市油烟扰民", "西苑路夜市烧烤摊油烟很大，楼上住户没法开窗，希望规范管理。")]
CLICK = (118.27, 32.33)  # inside 东城区 (文昌街道), away from every point


def _seed() -> list[str]:
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.hotspots.refresh import refresh
    from hotline.orders.actor import Actor
    from hotline.orders.flows import do_create_order
    from hotline.org.models import User

    with dbmod.session_scope() as s:
        op = Actor.of(s.scalar(select(User).where(User.username == "operator1")))
        numbers = [do_create_order(s, actor=op, data={
            "kind": "complaint", "title": t, "content": c, "citizen_name": f"市民{k}", "citizen_phone": f"1396600{k:04d}",
            "address": "青阳市", "channel": "phone", "territory_code": code, "latitude": lat, "longitude": lon,
            "category_code": "010101" if k == 0 else None}).number for k, (code, lat, lon, t, c) in enumerate(PLAIN)]
        numbers += [do_create_order(s, actor=op, data={
            "kind": "complaint", "title": t, "content": c, "citizen_name": f"居民{k}", "citizen_phone": f"1397700{k:04d}",
            "address": f"青阳市丽发路{k}号", "channel": "phone", "territory_code": "s-hexi-binjiang",
            "latitude": 32.14 + k * 0.004, "longitude": 118.43 + k * 0.004}).number for k, (t, c) in enumerate(MIXER)]
        s.flush()
        refresh(s, now=dbmod.utcnow())
        return numbers


def test_a_leader_opens_the_map_and_clicks_a_district(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    from hotline.city.boundaries import boundaries_of
    from hotline.city.loader import DEMO_CITY, load_city

    b = boundaries_of(DEMO_CITY, load_city(None))
    assert b is not None and b.contains("d-dongcheng", *CLICK)
    numbers = _seed()
    page = _login(browser, live_server, "leader")
    requests: list[str] = []
    page.context.on("request", lambda r: requests.append(r.url))
    problems = _watch(page)  # CSP violations and script errors (tests/browser/test_security_csp.py)

    page.get_by_role("navigation").get_by_role("link", name="热点", exact=True).click()
    page.get_by_role("link", name="热点地图").click()
    expect(page.get_by_role("heading", name="热点地图", level=1)).to_be_visible()
    expect(page.locator("#c-map")).to_have_attribute("data-rendered", "1")
    painted = page.evaluate("""() => {
      const c = document.querySelector('#c-map canvas'); const g = c.getContext('2d');
      const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n / (c.width * c.height); }""")
    assert painted > 0.2, painted  # the regions fill a good part of the canvas
    # a choropleth: 河西区 (4 orders) is drawn darker than 东城区 (2), darker than 青峰区 (0)
    shade = page.evaluate("""(pts) => {
      const el = document.getElementById('c-map'), ch = echarts.getInstanceByDom(el);
      const c = el.querySelector('canvas'), g = c.getContext('2d'), k = c.width / el.clientWidth;
      return pts.map(p => { const [x, y] = ch.convertToPixel({geoIndex: 0}, p);
        const d = g.getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data; return d[0] + d[1] + d[2]; }); }""",
                          [[118.42, 32.30], [118.30, 32.36], [118.55, 32.30]])
    assert shade[0] < shade[1] < shade[2], shade

    # the table beside the map: every district with the API's counts
    api = page.request.get(f"{live_server}/api/v1/hotspots/map?level=district&days=30").json()
    expected = {r["name"]: r["orders"] for r in api["regions"]}
    assert expected == {"青阳市东城区": 2, "青阳市河西区": 4, "青阳市青峰区": 0}
    rows = page.locator("#map-regions tbody tr")
    expect(rows).to_have_count(3)
    shown = {rows.nth(i).locator("td").nth(0).inner_text(): int(rows.nth(i).locator("td").nth(1).inner_text())
             for i in range(3)}
    assert shown == expected
    assert {p["number"] for p in api["points"]} == set(numbers) and len(api["hot_matters"]) == 1
    page.screenshot(path=str(screenshots / "72-hotspots-map.png"), full_page=True)

    # a click on 东城区 on the map: its orders below
    xy = page.evaluate("""([lon, lat]) => {
      const ch = echarts.getInstanceByDom(document.getElementById('c-map'));
      return ch.convertToPixel({geoIndex: 0}, [lon, lat]); }""", list(CLICK))
    box = page.locator("#c-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    page.wait_for_url("**territory=d-dongcheng**")
    region = page.locator("#map-region")
    expect(region.get_by_role("heading", name="青阳市东城区")).to_be_visible()
    expect(page.locator("#map-region-total")).to_have_text("2")
    for n in numbers[:2]:
        expect(region.get_by_role("link", name=n)).to_be_visible()
    expect(region.get_by_role("link", name=numbers[2])).to_have_count(0)

    # the street level: 13 streets and townships, 河西区滨江街道 with the mixing plant's 3 orders
    page.locator("#map-level").select_option("street")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("#map-regions tbody tr")).to_have_count(13)
    expect(page.locator('#map-regions tr[data-code="s-hexi-binjiang"] td[data-col="orders"]')).to_have_text("3")
    expect(page.locator("#c-map")).to_have_attribute("data-rendered", "1")  # ECharts' "finished": drawn
    page.screenshot(path=str(screenshots / "73-hotspots-map-streets.png"), full_page=True)

    origin = "{0.scheme}://{0.netloc}".format(urlsplit(live_server))
    assert requests and all(u.startswith(origin + "/") for u in requests), [u for u in requests if not u.startswith(origin)]
    assert any(u.endswith("/api/v1/hotspots/map/boundaries") for u in requests)
    problems += [f"csp: {v}" for v in page.evaluate("window.__csp || []")]
    assert problems == []
