"""``hotline replies score``: the CLI prints the platform's scores for each row of a CSV file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotline.cli import app
from hotline.replies.quality import score
from tests.conftest import SHARED_DATA


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["replies", "score", *args])


def test_json_output_matches_the_platform_scores(tmp_path: Path) -> None:
    rows = [{"编号": "a1", "主题": "路灯不亮", "详情": "人民路路灯坏了好几天，请尽快修理。", "答复": "您反映的问题已转相关部门调查处理。"},
            {"编号": "a2", "主题": "路灯不亮", "详情": "人民路路灯坏了好几天，请尽快修理。",
             "答复": "经现场核查，路灯线路老化，已于今日更换完毕并恢复照明。"}]
    f = _csv(tmp_path / "r.csv", rows)
    r = _run("--input", str(f), "--id-column", "编号", "--message-columns", "主题,详情", "--reply-column", "答复", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)["scores"]
    assert [o["id"] for o in out] == ["a1", "a2"]
    assert out[0]["flag"] is True and out[0]["quality"] == 0 and out[0]["reasons"][0]["zh"] == "仅称已转交，未说明办理结果"
    same = score(reply=rows[1]["答复"], message=rows[1]["详情"], subject=rows[1]["主题"])
    assert out[1]["quality"] == same.quality and out[1]["flag"] is False


def test_unknown_column_is_refused(tmp_path: Path) -> None:
    f = _csv(tmp_path / "r.csv", [{"id": "1", "text": "x", "reply": "y"}])
    r = _run("--input", str(f), "--id-column", "id", "--message-columns", "留言详情", "--reply-column", "reply")
    assert r.exit_code == 2 and "留言详情" in r.output


@pytest.mark.skipif(not (SHARED_DATA / "replies.csv").exists(), reason="shared replies.csv not present")
def test_scores_the_real_replies_file() -> None:
    r = _run("--input", str(SHARED_DATA / "replies.csv"), "--id-column", "留言编号",
             "--message-columns", "留言主题,留言详情", "--reply-column", "答复意见", "--json")
    assert r.exit_code == 0
    out = json.loads(r.output)["scores"]
    assert len(out) == 2788 and {o["quality"] for o in out} == {0, 1, 2}
    assert all(o["flag"] == (o["quality"] == 0) for o in out)
