"""Day one: a freshly seeded city without history routes real-like messages with the starter model.

The messages are written for these tests (no real message is copied). Each is one where the city's
lexicon alone put another branch first (产检 read as 报销 → 劳动和社会保障; 代课老师 lost to a stray
lexicon word; a restaurant's spoiled food read as 环境保护), which is why the starter is there.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hotline.config import get_settings


def _suggest(client: TestClient, headers: dict, content: str) -> dict:
    r = client.post("/api/v1/routing/suggest", json={"content": content}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


CASES = [
    ("我怀孕五个月了，想问一下在哪里建档，产检的费用能不能报销。", "07"),  # 卫生计生
    ("我是一名代课老师，教了十几年书，想问一下转正有没有政策。", "04"),  # 教育文体
    ("我在一家饭店吃饭后上吐下泻，怀疑食物不干净，店家不承认。", "06"),  # 商贸旅游 (food safety: market regulation)
]


@pytest.mark.parametrize(("text", "branch"), CASES)
def test_a_fresh_city_routes_real_like_messages_to_the_right_branch(  # type: ignore[no-untyped-def]
        client: TestClient, as_user, text: str, branch: str) -> None:
    s = _suggest(client, as_user("operator1"), text)
    assert s["top_levels"][0]["code"] == branch and s["categories"][0]["code"].startswith(branch)
    assert any(r.startswith("入门模型：") for r in s["top_levels"][0]["reasons"])
    assert s["model_version"] and "starter-" in s["model_version"]  # recorded with the decision


def test_switched_off_the_lexicon_speaks_alone(client: TestClient, as_user, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "routing_starter", False)
    s = _suggest(client, as_user("operator1"), CASES[0][0])
    assert s["top_levels"][0]["code"] != "07"  # what the city got before the starter
    assert not any(r.startswith("入门模型：") for t in s["top_levels"] for r in t["reasons"])
    assert not (s["model_version"] or "").count("starter-")


def test_a_city_with_a_history_model_keeps_it_leading(db, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The starter speaks beside a generated model, never beside one trained on the city's own orders."""
    from hotline.city.service import current_city
    from hotline.routing import service

    class Sure:  # a model 97 % sure of 交通运输 whatever the text
        labels = ["交通运输", "城乡建设", "环境保护", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生"]

        def predict_topk(self, text: str, k: int = 3) -> list[tuple[str, float]]:
            return [("交通运输", 0.97), *[(lab, 0.005) for lab in self.labels[1:]]][:k]

    monkeypatch.setattr(service.REGISTRY, "get", lambda db, purpose: ("v1", Sure()) if purpose == "category" else None)
    text, branch = CASES[1]
    city = current_city()
    monkeypatch.setattr(service.REGISTRY, "source", lambda purpose: "database (900 orders)")
    history = service.suggest(db, text=text, city=city, explain=False)
    assert history.top_levels[0].code == "03" and history.model_version == "v1"
    assert not any(r.startswith("入门模型") for t in history.top_levels for r in t.reasons)
    monkeypatch.setattr(service.REGISTRY, "source", lambda purpose: "demo generator (2500 demands)")
    generated = service.suggest(db, text=text, city=city, explain=False)
    assert generated.top_levels[0].code == branch
    assert generated.model_version is not None and generated.model_version.startswith("v1+starter-")
