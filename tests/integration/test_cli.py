"""The ``hotline`` command as a person runs it, in a subprocess beside a demo checkout:
it reaches the demo's database, says clearly when a database has no schema, and
``hotline imports run`` runs every order hook the web app runs (KPI limits, text index)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

import hotline
from hotline.imports.mapping import parse_mapping

ROOT = Path(hotline.__file__).resolve().parents[1]
EXAMPLES = Path(hotline.__file__).parent / "imports" / "examples"


def hotline_cmd(cwd: Path, *args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(PYTHONPATH=str(ROOT), HOTLINE_ENV="test", HOTLINE_PASSWORD_HASH_FAST="true")
    if url:
        env["HOTLINE_DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "hotline.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def demo_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder laid out like a checkout after `scripts/demo`: var/demo.sqlite3 with schema and city."""
    from hotline.city.service import current_city
    from hotline.db import make_engine
    from hotline.demo.seed import ensure_unit_accounts
    from hotline.migrate import upgrade
    from hotline.org.cities import sync_city

    root = tmp_path_factory.mktemp("checkout")
    url = f"sqlite:///{root / 'var' / 'demo.sqlite3'}"
    engine = make_engine(url)
    upgrade(url)
    with Session(engine) as s:
        sync_city(s, current_city())
        ensure_unit_accounts(s)
        s.commit()
    engine.dispose()
    yield root


def test_a_cli_command_beside_the_demo_reaches_the_demo_database(demo_checkout: Path) -> None:
    r = hotline_cmd(demo_checkout, "token", "create", "--username", "admin", "--name", "beside the demo")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.strip()) >= 20 and "Traceback" not in r.stderr
    assert "var/demo.sqlite3" in r.stderr and "演示数据库" in r.stderr  # it says which database it used
    assert not (demo_checkout / "var" / "hotline.sqlite3").exists()  # no empty default database made
    engine = create_engine(f"sqlite:///{demo_checkout / 'var' / 'demo.sqlite3'}")
    with engine.connect() as c:
        assert c.scalar(text("select count(*) from api_tokens where name='beside the demo'")) == 1
    engine.dispose()


def test_an_explicit_database_url_wins_and_a_missing_schema_is_said_clearly(demo_checkout: Path,
                                                                            tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    r = hotline_cmd(demo_checkout, "token", "create", "--username", "admin", "--name", "x", url=empty)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "尚未建表" in r.stderr and "hotline db upgrade" in r.stderr and "has no schema yet" in r.stderr
    assert "empty.sqlite3" in r.stderr


def test_cli_import_runs_the_same_hooks_as_the_console(demo_checkout: Path, tmp_path: Path) -> None:
    header = ["原工单编号", "标题", "诉求内容", "诉求类型", "分类代码", "受理时间", "来电号码", "诉求人", "事发地址",
              "承办单位", "工单状态", "答复内容", "办结时间"]
    rows = [["CLI-0001", "路灯不亮", "解放路88号门口路灯连续三晚不亮，影响出行安全。", "投诉", "010101",
             "2024-03-01 09:15", "13912340001", "王芳", "解放路88号", "市城管局", "已归档",
             "经核查，路灯线路故障，已于3月2日修复。", "2024-03-02 16:40"]]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    (tmp_path / "legacy.csv").write_text(buf.getvalue(), encoding="utf-8")
    mapping = EXAMPLES / "qingyang_legacy.yaml"
    parse_mapping(mapping.read_text(encoding="utf-8"))
    r = hotline_cmd(demo_checkout, "imports", "run", str(tmp_path / "legacy.csv"), "--mapping", str(mapping))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "imported 1" in r.stdout
    engine = create_engine(f"sqlite:///{demo_checkout / 'var' / 'demo.sqlite3'}")
    with engine.connect() as c:
        oid = c.scalar(text("select id from orders where external_id='CLI-0001'"))
        assert oid is not None
        # the KPI hook recorded the lead assignment's limits; the text index holds the order
        assert c.scalar(text("select count(*) from kpi_assignment_limits where order_id=:o"), {"o": oid}) == 1
        assert c.scalar(text("select count(*) from text_postings where kind='order' and doc_id=:o"),
                        {"o": oid}) > 0
    engine.dispose()
    bad = tmp_path / "bad.yaml"
    bad.write_text(mapping.read_text(encoding="utf-8").replace("受理时间", "受理日期"), encoding="utf-8")
    r = hotline_cmd(demo_checkout, "imports", "run", str(tmp_path / "legacy.csv"), "--mapping", str(bad))
    assert r.returncode == 2 and r.stderr.count("受理日期") >= 1 and "line " not in r.stdout
    assert "不存在的列" in r.stderr and "does not have" in r.stderr


def test_an_existing_default_database_is_never_shadowed_by_the_demo(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from hotline.cli import _has_schema, resolve_database

    (tmp_path / "var").mkdir()
    for name in ("demo.sqlite3", "hotline.sqlite3"):
        con = sqlite3.connect(tmp_path / "var" / name)
        con.execute("create table alembic_version (version_num varchar(32))")
        con.commit()
        con.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HOTLINE_DATABASE_URL")
    assert _has_schema(Path("var/hotline.sqlite3")) and _has_schema(Path("var/demo.sqlite3"))
    assert not _has_schema(Path("var/nothing.sqlite3")) and not (tmp_path / "var" / "nothing.sqlite3").exists()
    assert resolve_database() is None  # the real database exists: it is the one used
    assert "HOTLINE_DATABASE_URL" not in os.environ
