"""The hot matters' grouping threshold as a settings block of the admin console (issue #16 item 1 follow-up):
every version in the history (系统 learned from N corrections, a person's reset), compared, rolled back with
a reason (audited like a time-limit rollback); the rollback is what the next re-grouping uses, and the
corrections made before it are not learned from again (as after a reset)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.models import SettingsVersion
from hotline.db import utcnow
from hotline.hotspots import grouping, refresh, tuning
from hotline.hotspots.models import HotMatterLink
from hotline.orders.models import Order
from hotline.org.models import AuditLog
from tests.integration.test_cities import _client, _token
from tests.integration.test_hotspots_entities import _refresh, seeded  # noqa: F401

API = "/api/v1/admin/settings"
PAGE = "/admin/settings/hotspots/versions"


def _learned(db: Session) -> None:
    """Two learned versions, as the re-grouping stores them (v1 0.55 from 18 corrections, v2 0.50 from 20)."""
    now = utcnow() - timedelta(minutes=5)
    assert tuning.record(db, tuning.Choice(0.55, 0.50, 6, 12), now=now) is not None
    assert tuning.record(db, tuning.Choice(0.50, 0.45, 8, 12), now=now + timedelta(minutes=1)) is not None
    db.flush()


def test_the_history_lists_the_learned_versions_in_both_languages_and_compares_them(db: Session) -> None:
    _learned(db)
    with _client(db) as client:
        admin = _token(db, "admin")
        page = client.get(PAGE, headers=admin)
        assert page.status_code == 200, page.text
        html = page.text
        assert "版本历史 · 热点分组阈值" in html
        assert '0.55：由 18 条更正学得（相同 6、不同 12）' in html.split('data-testid="ver-1">', 1)[1]
        assert html.split('data-testid="ver-2">', 1)[1].startswith("0.50：由 20 条更正学得（相同 8、不同 12）")
        assert "<td>系统</td>" in html  # who set it: the system
        assert "第0版为默认值（0.60：默认值）" in html  # version 0 is the default, not "the city file"
        assert 'href="/hotspots#hot-threshold"' in html
        client.cookies.set("lang", "en")
        en = client.get(PAGE, headers=admin).text
        assert "0.55: learned from 18 corrections (6 same, 12 different)" in en
        assert "Version 0 is the default (0.60: the default)" in en
        client.cookies.delete("lang")
        cmp = client.get(f"{PAGE}?a=0&b=2", headers=admin).text
        diff = cmp.split('data-testid="diff"', 1)[1].split("</table>", 1)[0]
        assert "<code>threshold</code></td><td>0.6</td><td>0.5</td>" in diff
        assert "<code>source</code></td><td>default</td><td>learned</td>" in diff
        # the API: the block in force, its versions, version 0, a comparison
        r = client.get(f"{API}/hotspots", headers=admin).json()
        assert r["version"] == 2 and r["body"]["threshold"] == 0.5 and r["body"]["corrections"] == 20
        hist = client.get(f"{API}/hotspots/versions", headers=admin).json()
        assert hist["block"] == "hotspots" and [v["version"] for v in hist["versions"]] == [2, 1]
        assert hist["versions"][1]["author"] == tuning.SYSTEM
        assert hist["versions"][1]["reason"] == "由18条更正学得（相同6、不同12）"
        zero = client.get(f"{API}/hotspots/versions/0", headers=admin).json()
        assert zero["body"] == {"threshold": 0.6, "default": 0.6, "source": "default", "corrections": 0}
        d = client.get(f"{API}/hotspots/diff?a=1&b=2", headers=admin).json()["changes"]
        assert {"path": "threshold", "a": "0.55", "b": "0.5"} in d
        assert client.get("/admin", headers=admin).text.count(f'href="{PAGE}"') == 1


def test_before_any_version_the_default_is_version_0(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        r = client.get(f"{API}/hotspots", headers=admin).json()
        assert r == {"block": "hotspots", "version": 0,
                     "body": {"threshold": 0.6, "default": 0.6, "source": "default", "corrections": 0}}
        assert client.get(f"{API}/hotspots/versions", headers=admin).json()["versions"] == []
        assert "尚无保存的版本，现行为默认值" in client.get(PAGE, headers=admin).text
        r = client.post(f"{API}/hotspots/rollback", headers=admin, json={"to_version": 0, "reason": "x"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "settings_unchanged", r.text


def _ids(db: Session, numbers: list[str]) -> list[int]:
    by = dict(db.execute(select(Order.number, Order.id).where(Order.number.in_(numbers))).all())
    return [by[n] for n in numbers]


def test_a_rollback_to_the_default_is_audited_and_the_next_regrouping_uses_it(  # noqa: PLR0915
        db: Session, seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    mixer = _ids(db, seeded["mixer"])
    other = _ids(db, seeded["other"])
    old = utcnow() - timedelta(minutes=30)  # corrections a leader made before the administrator's rollback
    db.add(HotMatterLink(kind="must", order_a_id=mixer[0], order_b_id=mixer[1], created_at=old))
    db.add(HotMatterLink(kind="cannot", order_a_id=mixer[0], order_b_id=other[0], created_at=old))
    _learned(db)
    seen: list[tuple[list[float], list[float]]] = []
    used: list[float] = []
    choose, group = tuning.choose, grouping.group

    def spy_choose(same: list[float], different: list[float], **kw: Any) -> tuning.Choice:
        seen.append((list(same), list(different)))
        return choose(same, different, **kw)

    def spy_group(*a: Any, **kw: Any) -> Any:
        used.append(kw["threshold"])
        return group(*a, **kw)

    monkeypatch.setattr(tuning, "choose", spy_choose)
    monkeypatch.setattr(refresh.grouping, "group", spy_group)
    _refresh(db)
    assert used[-1] == 0.50 and (len(seen[-1][0]), len(seen[-1][1])) == (1, 1)  # learned from, before

    with _client(db) as client:
        admin = _token(db, "admin")
        r = client.post("/admin/settings/hotspots/rollback", headers=admin,
                        data={"to_version": "0", "reason": "学得的阈值把不同的事并在一起"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(PAGE), r.text
        html = client.get(PAGE, headers=admin).text
        assert 'data-testid="ver-3">0.60：回滚到第0版' in html and "学得的阈值把不同的事并在一起" in html
        # the leader's /hotspots line says where the value came from
        line = client.get("/hotspots", headers=_token(db, "leader")).text.split('id="hot-threshold"', 1)[1]
        assert line.split("</p>", 1)[0].startswith(">分组阈值 0.60（管理员回滚到第0版，默认 0.60）")
        assert 'id="threshold-reset-form"' not in line.split("</p>", 1)[0]  # nothing to reset
    db.expire_all()
    row = db.scalar(select(SettingsVersion).where(SettingsVersion.block == "hotspots", SettingsVersion.version == 3))
    assert row is not None and row.rolled_back_from == 0 and row.author_label == "admin"
    assert row.body == {"threshold": 0.6, "default": 0.6, "source": "rollback", "corrections": 0,
                        "rolled_back_from": 0}
    audit = db.scalars(select(AuditLog).where(AuditLog.action == "settings.hotspots").order_by(AuditLog.id.desc())).first()
    assert audit is not None and audit.actor_label == "admin" and audit.entity_id == "hotspots v3"
    assert audit.data["rolled_back_from"] == 0 and audit.data["from_version"] == 2
    assert audit.data["before"]["threshold"] == 0.5 and audit.data["after"]["threshold"] == 0.6
    assert audit.data["reason"] == "学得的阈值把不同的事并在一起"
    f = tuning.in_force(db)
    assert (f.threshold, f.source, f.version, f.rolled_back_from) == (0.6, "rollback", 3, 0)
    assert tuning.learned_since(db) == row.created_at

    _refresh(db)  # the next re-grouping uses the rollback, and does not learn again from the older corrections
    assert used[-1] == grouping.THRESHOLD and seen[-1] == ([], [])
    assert tuning.in_force(db).version == 3

    # a correction made after the rollback is learned from
    db.add(HotMatterLink(kind="must", order_a_id=mixer[1], order_b_id=mixer[2], created_at=utcnow()))
    db.flush()
    _refresh(db)
    assert len(seen[-1][0]) == 1 and seen[-1][1] == []


def test_a_rollback_to_a_learned_version_can_be_reset_by_the_leader(db: Session) -> None:
    _learned(db)
    with _client(db) as client:
        admin = _token(db, "admin")
        r = client.post(f"{API}/hotspots/rollback", headers=admin, json={"to_version": 1, "reason": "0.50太松"})
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 3 and r.json()["body"]["threshold"] == 0.55
        assert r.json()["body"]["source"] == "rollback" and r.json()["body"]["corrections"] == 18
        again = client.post(f"{API}/hotspots/rollback", headers=admin, json={"to_version": 1, "reason": "再来"})
        assert again.status_code == 422 and again.json()["error"]["code"] == "settings_unchanged"
        leader = _token(db, "leader")
        assert 'id="threshold-reset-form"' in client.get("/hotspots", headers=leader).text
        assert client.post("/hotspots/threshold/reset", headers=leader, follow_redirects=False).status_code == 303
    db.expire_all()
    f = tuning.in_force(db)
    assert (f.threshold, f.source, f.version) == (0.6, "reset", 4)


def test_roles_bad_blocks_and_edits_are_refused_in_both_languages(db: Session) -> None:
    _learned(db)
    with _client(db) as client:
        for username in ("cg_handler", "leader", "supervisor"):
            h = _token(db, username)
            assert client.get(PAGE, headers=h).status_code == 403, username
            assert client.post("/admin/settings/hotspots/rollback", headers=h,
                               data={"to_version": "0", "reason": "x"}).status_code == 403
            for method, path, payload in (("get", f"{API}/hotspots/versions", None),
                                          ("post", f"{API}/hotspots/rollback", {"to_version": 0, "reason": "x"})):
                assert client.request(method.upper(), path, headers=h, json=payload).status_code == 403, username
        admin = _token(db, "admin")
        for path in ("/admin/settings/hotspot/versions", f"{API}/hotspot/versions"):
            r = client.get(path, headers=admin)
            assert r.status_code == 404 and "没有这类设置" in r.text, path
        r = client.get(f"{API}/hotspot", headers=admin)
        assert r.json()["error"]["code"] == "unknown_settings_block"
        assert "no settings block 'hotspot'" in r.json()["error"]["message_en"]
        r = client.put(f"{API}/hotspots", headers=admin, json={"body": {"threshold": 0.3}, "reason": "手动"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "settings_not_editable", r.text
        assert "只能回滚" in r.json()["error"]["message"] and "roll back" in r.json()["error"]["message_en"]
        r = client.post(f"{API}/hotspots/rollback", headers=admin, json={"to_version": 9, "reason": "x"})
        assert r.status_code == 404
        r = client.post(f"{API}/hotspots/rollback", headers=admin, json={"to_version": 1, "reason": "  "})
        assert r.status_code == 422
    assert tuning.in_force(db).version == 2
