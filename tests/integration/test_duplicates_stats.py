"""Issue #14: `hotline duplicates evaluate` on labelled pairs, and `refit` from the city's own orders."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hotline.config import get_settings
from hotline.duplicates import index, stats
from hotline.duplicates.cli import duplicates_app
from hotline.duplicates.models import DupDoc
from hotline.org.models import AuditLog
from tests.integration.helpers import create

MESSAGES = [
    ("1", "A2区丽发新城附近建搅拌站噪音扰民", "丽发新城小区旁边建了搅拌站，灰尘大噪音大，请求搬走。"),
    ("2", "丽发新城小区旁的搅拌站严重影响生活", "开发商在丽发新城小区附近建搅拌站，粉尘和噪音污染严重。"),
    ("3", "A5区劳动东路魅力之城小区油烟扰民", "魅力之城小区临街门面烧烤摊油烟直排，没有烟道。"),
    ("4", "A3区梅溪湖润芳园小区油烟扰民", "润芳园小区临街门面烧烤摊油烟直排，没有烟道。"),
    ("5", "咨询公积金贷款", "首套房能否用公积金贷款，需要什么材料？"),
]


def _write(tmp: Path) -> tuple[Path, Path]:
    m, p = tmp / "m.csv", tmp / "p.csv"
    with m.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"])
        for i, t, d in MESSAGES:
            w.writerow([i, "u" + i, t, "2019/1/1 0:00:00", d, 0, 0])
    with p.open("w", encoding="utf-8", newline="") as fh:
        fh.write("id_a,id_b,same\n1,2,1\n3,4,0\n1,5,0\n")
    return m, p


def test_evaluate_prints_precision_recall_f1_at_the_platform_threshold(tmp_path: Path) -> None:
    from hotline.duplicates.settings import DuplicateRules

    m, p = _write(tmp_path)
    r = CliRunner().invoke(duplicates_app, ["evaluate", "--messages", str(m), "--pairs", str(p), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["threshold"] == DuplicateRules().threshold
    # the same compound's two complaints found; the same words at another compound not merged
    assert (out["tp"], out["fp"], out["fn"], out["tn"]) == (1, 0, 0, 2)
    assert out["precision"] == out["recall"] == out["f1"] == 1.0


def test_evaluate_refuses_a_file_without_the_columns(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text\n1,x\n", encoding="utf-8")
    _, p = _write(tmp_path)
    r = CliRunner().invoke(duplicates_app, ["evaluate", "--messages", str(bad), "--pairs", str(p)])
    assert r.exit_code != 0 and "留言编号" in r.output


def test_refit_fits_on_the_orders_and_rebuilds_the_index(client: TestClient, db: Session, as_user,  # type: ignore[no-untyped-def]
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    index.reset_scorer()
    op = as_user("operator1")
    for k, (_, title, content) in enumerate(MESSAGES[:4]):
        create(client, op, citizen_phone=f"1380000100{k}", kind="complaint", title=title, content=content,
               address="")
    res = stats.refit(db, actor_label="test")
    db.flush()
    assert stats.stats_path().is_file() and res["orders"] >= 4 and res["reindexed"] >= 4
    saved = json.loads(stats.stats_path().read_text(encoding="utf-8"))
    assert saved["meta"]["source"] == "orders" and "w:搅拌站" in saved["idf"] and "p:丽发新城" in saved["idf"]
    sc = index.scorer(db)
    assert sc.weight("w:搅拌站") == pytest.approx(saved["idf"]["w:搅拌站"], abs=1e-3)
    assert sc.weight("w:搅拌站") < sc.unknown  # fitted from the orders, not "never seen"
    assert db.scalar(select(func.count(DupDoc.order_id))) >= 4
    audit = db.scalar(select(AuditLog).where(AuditLog.action == "duplicates.refit"))
    assert audit is not None and audit.actor_label == "test" and audit.data["orders"] == res["orders"]
    index.reset_scorer()


def test_without_a_refit_the_scorer_falls_back_to_the_orders_then_to_none(  # type: ignore[no-untyped-def]
        client: TestClient, db: Session, as_user, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)  # no stats file there
    index.reset_scorer()
    assert index.scorer().idf == {}  # no database at hand: no statistics (every word counts as rare)
    op = as_user("operator1")
    for k, (_, title, content) in enumerate(MESSAGES[:3]):
        create(client, op, citizen_phone=f"1380000200{k}", kind="complaint", title=title, content=content,
               address="")
    monkeypatch.setattr(stats, "MIN_ORDERS", 3)
    index.reset_scorer()
    sc = index.scorer(db)
    assert 0 < sc.weight("w:搅拌站") < sc.unknown  # fitted on the orders in the database
    assert not stats.stats_path().exists()  # the fallback is kept in memory, not written
    index.reset_scorer()
