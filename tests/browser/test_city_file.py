"""Issue #18 item 6 in the browser: an administrator downloads the city file, edits it (a KPI weight and a
holiday), uploads it, reads the diff by section and applies it with a reason.  axe audits every page on the
way (tests/browser/conftest.py); screenshots in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser


def _forget() -> None:
    from sqlalchemy import delete

    from hotline import db as dbmod
    from hotline.org.models import AuditLog

    with dbmod.session_scope() as s:
        s.execute(delete(AuditLog).where(AuditLog.entity.in_(["city", "settings"])))


@pytest.fixture
def cleanup() -> Iterator[None]:
    _forget()
    yield
    _forget()  # the settings versions go with ``committed`` (tests/conftest.py)


def test_an_admin_downloads_edits_uploads_and_applies_the_city_file(live_server: str, browser: Any, screenshots: Path,
                                                                      tmp_path: Path, cleanup: None) -> None:
    from playwright.sync_api import expect

    from hotline.cityfile.service import dump, strip_header

    admin = _login(browser, live_server, "admin")
    admin.get_by_role("link", name="管理", exact=True).click()
    admin.get_by_role("link", name="城市文件", exact=True).click()
    expect(admin.locator("#cf-versions")).to_contain_text("KPI设置 版本 0")
    with admin.expect_download() as info:
        admin.get_by_role("link", name="下载城市文件").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# 青阳市（qingyang）的城市文件") and info.value.suggested_filename.startswith("qingyang-")

    body = yaml.safe_load(strip_header(text))
    body["kpi"]["weights"]["satisfaction"] = 45.0
    body["sla"]["calendar"]["extra_holidays"] = sorted([*body["sla"]["calendar"].get("extra_holidays", []), "2031-10-09"])
    edited = tmp_path / "qingyang-edited.yaml"
    edited.write_text(dump(body), encoding="utf-8")

    admin.get_by_label("城市文件（YAML）").set_input_files(str(edited))
    admin.get_by_role("button", name="预览差异").click()
    expect(admin.locator("section[aria-labelledby=cf-kpi]")).to_contain_text("weights.satisfaction：30.0 → 45.0")
    expect(admin.locator("section[aria-labelledby=cf-holidays]")).to_contain_text("新增放假日 2031-10-09")
    expect(admin.locator("#cf-units")).to_have_count(0)  # nothing else differs
    admin.screenshot(path=str(screenshots / "80-city-file-preview.png"), full_page=True)
    admin.get_by_label("修改原因").fill("2031年考核办法调整")
    admin.get_by_role("button", name="确认导入").click()
    expect(admin.get_by_role("status")).to_contain_text("已导入城市文件")
    expect(admin.locator("#cf-versions")).to_contain_text("KPI设置 版本 1")
    expect(admin.locator("#cf-versions")).to_contain_text("时限设置 版本 1")
    admin.screenshot(path=str(screenshots / "81-city-file-applied.png"), full_page=True)

    # the KPI settings page shows the imported weight as the version in force
    admin.goto(f"{live_server}/admin/settings/kpi")
    expect(admin.get_by_role("spinbutton", name="满意率 · 权重")).to_have_value("45.0")
