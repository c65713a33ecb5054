"""The grouping threshold learned from a leader's corrections (issue #16 item 1): corrections saying
"these lower-similarity pairs are one matter" lower the city's threshold, so the next re-grouping links a
pair of the same kind that nobody corrected (and that it did not link before); the page shows the learned
value; a reset is audited and sticks."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.models import SettingsVersion
from hotline.db import utcnow
from hotline.hotspots import grouping, tuning
from hotline.hotspots.models import HotMatterLink
from hotline.hotspots.refresh import items_of, window_rows
from hotline.orders.models import Order
from hotline.org.models import AuditLog
from tests.integration.test_cities import _client, _token
from tests.integration.test_hotspots_entities import MIXER_MORE, _matter_of, _orders, _refresh, seeded  # noqa: F401

#: the same matter worded two ways: some pairs score below the shipped threshold
SAME = [(("幸福里小区电梯坏了", "幸福里小区三号楼的电梯坏了好几天，老人上下楼很困难，请物业尽快维修。"),
         ("幸福里电梯停运", "家住幸福里，楼里电梯停运一周无人管，八十岁的母亲出不了门。")),
        (("东风路菜市场占道经营", "东风路菜市场门口商贩占道经营，早上堵得车辆无法通行。"),
         ("东风路早市堵路", "每天早上东风路早市摊位摆到马路中间，开车上班根本过不去。")),
        (("滨江花园停车位被占", "滨江花园地下车库的固定车位经常被外来车辆占用，物业不管。"),
         ("滨江花园车库乱停车", "滨江花园车库里外来车乱停，业主买的车位被占，找物业没用。")),
        (("新华中学门口积水", "新华中学门口一下雨就积水，学生上学要蹚水，请疏通下水道。"),
         ("新华中学校门前排水不畅", "新华中学校门前的路排水不畅，雨天水深到脚踝，孩子鞋子全湿了。")),
        (("光明小区供暖不热", "光明小区今年供暖温度只有十五度，家里太冷，请热力公司处理。"),
         ("光明小区暖气温度低", "光明小区暖气一直温度低，屋里要穿棉衣，老人孩子都感冒了。")),
        (("和平广场夜间噪音", "和平广场每天晚上跳广场舞音响太大，十点以后还不停，影响休息。"),
         ("和平广场广场舞扰民", "和平广场的广场舞音乐声很大，一直到深夜，附近居民无法入睡。")),
        (("红星路公交站牌损坏", "红星路公交站的站牌被撞坏了，乘客看不到线路信息。"),
         ("红星路站台站牌倒了", "红星路那个公交站台的站牌倒在地上好几天了，没人来修。"))]
APART = [("人民路井盖破损", "人民路公交站旁井盖破损，行人差点摔倒，请尽快更换。"),
         ("咨询人才购房补贴", "应届硕士想咨询人才购房补贴需要哪些材料，社保是否要满一年。"),
         ("投诉快递丢件", "在某快递网点寄的包裹丢失，客服一直推诿不赔偿。"),
         ("咨询医保异地报销", "在外地住院，医保异地报销需要哪些手续？")]


def _ids(db: Session, numbers: list[str]) -> list[int]:
    by = dict(db.execute(select(Order.number, Order.id).where(Order.number.in_(numbers))).all())
    return [by[n] for n in numbers]


def _scores(db: Session, pairs: list[tuple[int, int]]) -> list[float]:
    """The pairs' scores under the grouping's own scoring, on the window the re-grouping reads."""
    rows = window_rows(db, utcnow(), 30)
    pos = {r.id: k for k, r in enumerate(rows)}
    items = items_of(rows)
    sc, prepared = grouping.prepare(items)
    return [float(s) for s in grouping.similarity(items, sc, prepared, [(pos[a], pos[b]) for a, b in pairs])]


def _link(db: Session, kind: str, a: int, b: int) -> None:
    db.add(HotMatterLink(kind=kind, order_a_id=a, order_b_id=b, created_at=utcnow()))


def _setup(db: Session) -> dict[str, Any]:
    with _client(db) as client:
        numbers = [_orders(client, db, list(pair), 100 + 10 * k) for k, pair in enumerate(SAME)]
        apart = _orders(client, db, APART, 200)
    _refresh(db)
    db.expire_all()
    pairs = [tuple(_ids(db, ns)) for ns in numbers]
    scores = _scores(db, pairs)  # type: ignore[arg-type]
    low = sorted((s, k) for k, s in enumerate(scores) if s < grouping.THRESHOLD)
    # the scene this test needs: at least two same-matter pairs the shipped threshold leaves apart
    assert len(low) >= 2 and low[0][0] >= tuning.LOW, scores
    probe = low[-1][1]  # the uncorrected pair: the highest-scoring one still apart
    return {"numbers": numbers, "pairs": pairs, "scores": scores, "probe": probe, "apart": _ids(db, apart)}


def test_corrections_lower_the_threshold_and_the_next_regrouping_links_a_pair_it_did_not(
        db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tuning, "MIN_EACH", 5)  # the scene has 6 "same" corrections; the minimum itself: unit tests
    s = _setup(db)
    probe = s["numbers"][s["probe"]]
    assert _matter_of(db, probe[0]) is None  # the shipped threshold keeps the probe apart (the old code, always)
    for k, (a, b) in enumerate(s["pairs"]):
        if k != s["probe"]:
            _link(db, "must", a, b)  # a leader said: the same matter
    apart = s["apart"]
    for k, a in enumerate(apart):  # … and these are not (unrelated orders, low scores)
        _link(db, "cannot", a, s["pairs"][k][0])
        _link(db, "cannot", a, s["pairs"][k][1])
    db.flush()
    before = tuning.in_force(db)
    assert before.source == "default" and before.threshold == grouping.THRESHOLD
    for _ in range(4):  # each pass moves at most MAX_STEP
        _refresh(db)
    now = tuning.in_force(db)
    lowest = min(x for k, x in enumerate(s["scores"]) if k != s["probe"])
    assert now.learned and tuning.LOW <= now.threshold <= lowest < grouping.THRESHOLD
    assert now.corrections == (len(SAME) - 1) + 2 * len(APART)
    m = _matter_of(db, probe[0])
    assert m is not None and _matter_of(db, probe[1]) is m  # linked by the learned threshold, not by a link
    versions = db.scalars(select(SettingsVersion).where(SettingsVersion.block == tuning.BLOCK)
                          .order_by(SettingsVersion.version)).all()
    assert versions and all(v.author_label == tuning.SYSTEM for v in versions)
    steps = [grouping.THRESHOLD] + [v.body["threshold"] for v in versions]
    assert all(0 < a - b <= tuning.MAX_STEP + 1e-9 for a, b in zip(steps, steps[1:], strict=False))
    assert db.scalar(select(AuditLog).where(AuditLog.action == "settings.hotspots")) is not None

    # the leader sees the learned value on the page, and resets it (audited); it stays reset
    with _client(db) as client:
        leader = _token(db, "leader")
        page = client.get("/hotspots", headers=leader).text
        line = page.split('id="hot-threshold"', 1)[1].split("</p>", 1)[0]
        assert f"分组阈值 {now.threshold:.2f}（由 {now.corrections} 条更正学得，默认 0.60）" in line
        assert 'id="threshold-reset-form"' in line
        client.cookies.set("lang", "en")
        en = client.get("/hotspots", headers=leader).text
        assert f"grouping threshold {now.threshold:.2f} (learned from {now.corrections} corrections, default 0.60)" in en
        client.cookies.delete("lang")
        api = client.get("/api/v1/hotspots", headers=leader).json()["grouping_threshold"]
        assert api["threshold"] == now.threshold and api["source"] == "learned"
        admin = _token(db, "admin")  # the administrator finds it from the 管理 page and sees the same line
        assert 'href="/hotspots#hot-threshold"' in client.get("/admin", headers=admin).text
        assert 'id="threshold-reset-form"' in client.get("/hotspots", headers=admin).text
        assert client.post("/hotspots/threshold/reset", headers=_token(db, "supervisor")).status_code == 403
        r = client.post("/hotspots/threshold/reset", headers=leader, follow_redirects=False)
        assert r.status_code == 303
        assert "分组阈值 0.60（默认）" in client.get("/hotspots", headers=leader).text
    db.expire_all()
    audit = db.scalars(select(AuditLog).where(AuditLog.action == "settings.hotspots")
                       .order_by(AuditLog.id.desc())).first()
    assert audit is not None and audit.actor_label == "leader"
    assert audit.data["after"] == {"threshold": grouping.THRESHOLD, "source": "reset"}
    _refresh(db)  # the corrections before the reset are not learned from again
    assert tuning.in_force(db).threshold == grouping.THRESHOLD
    assert _matter_of(db, probe[0]) is None


def test_too_few_corrections_change_nothing(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tuning, "MIN_EACH", 5)  # one short of the minimum on each side (the scene's 6 would do)
    s = _setup(db)
    corrected = [p for k, p in enumerate(s["pairs"]) if k != s["probe"]][:tuning.MIN_EACH - 1]
    for k, (a, b) in enumerate(corrected):
        _link(db, "must", a, b)
        _link(db, "cannot", a, s["apart"][k % len(s["apart"])])
    db.flush()
    _refresh(db)
    assert tuning.in_force(db).source == "default"
    assert db.scalar(select(SettingsVersion).where(SettingsVersion.block == tuning.BLOCK)) is None
    assert _matter_of(db, s["numbers"][s["probe"]][0]) is None


def test_the_intake_join_uses_the_citys_threshold(db: Session, seeded: dict[str, Any]) -> None:  # noqa: F811
    """The same late caller joins the mixing plant's matter at the default (test_hotspots_intake.py); with the
    city's threshold set above every pair score it does not: the intake reads the stored value."""
    assert _matter_of(db, seeded["mixer"][0]) is not None
    tuning._save(db, body={"threshold": 1.01, "default": grouping.THRESHOLD, "source": "learned", "corrections": 12},
                 actor=None, reason="test", now=utcnow())
    db.flush()
    with _client(db) as client:
        more = _orders(client, db, [MIXER_MORE], 30)[0]
    db.expire_all()
    assert _matter_of(db, more) is None


def test_a_leaders_merge_and_split_are_the_pairs_learned_from(db: Session, seeded: dict[str, Any],  # noqa: F811
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The corrections the flows store are what the next re-grouping learns from: merge the bridge into the
    mixing plant (must links), split it out again (cannot links from each bridge order to each mixer order)."""
    seen: list[tuple[list[float], list[float]]] = []
    choose = tuning.choose

    def spy(same: list[float], different: list[float], **kw: Any) -> tuning.Choice:
        seen.append((list(same), list(different)))
        return choose(same, different, **kw)

    monkeypatch.setattr(tuning, "choose", spy)
    mixer, bridge = _matter_of(db, seeded["mixer"][0]), _matter_of(db, seeded["bridge"][0])
    assert mixer is not None and bridge is not None
    with _client(db) as client:
        leader = _token(db, "leader")
        assert client.post(f"/api/v1/hotspots/{mixer.id}/merge", json={"other_id": bridge.id},
                           headers=leader).status_code == 200
        assert client.post(f"/api/v1/hotspots/{mixer.id}/split", json={"orders": seeded["bridge"]},
                           headers=leader).status_code == 200
    _refresh(db)
    same, different = seen[-1]
    assert len(same) == 3 and len(different) == 6  # mixer chained (2) + the bridge's own pair (1); 2 × 3 apart
    assert min(same) > max(different)  # the grouping's own scores tell them apart
    assert tuning.in_force(db).source == "default"  # 3 and 6 are too few to move anything
