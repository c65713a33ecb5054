"""In the browser: an admin uploads an NYC 311 export, loads the shipped nyc311.yaml mapping, sees the
selects follow it (no citizen's name from "Agency Name"), validates and imports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_walkthrough import _login
from tests.integration.test_imports import nyc_csv

pytestmark = pytest.mark.browser


def test_console_import_with_the_shipped_nyc_mapping(live_server: str, browser: Any, screenshots: Path,
                                                     tmp_path: Path) -> None:
    from playwright.sync_api import expect
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.orders.models import Order

    src = tmp_path / "nyc311-export.csv"
    src.write_bytes(nyc_csv())
    page = _login(browser, live_server, "admin")
    page.goto(f"{live_server}/imports")
    page.get_by_label("文件").set_input_files(str(src))
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_role("heading", name="列映射")).to_be_visible()
    expect(page.locator("#col-name")).to_have_value("")  # the guess takes no name from "Agency Name"

    page.get_by_label("系统自带的映射").select_option("nyc311.yaml")
    page.get_by_role("button", name="载入映射").click()
    expect(page.locator("#imp-loaded")).to_contain_text("nyc311.yaml")
    expect(page.locator("#col-external_id")).to_have_value("Unique Key")
    expect(page.locator("#col-lead_unit")).to_have_value("Agency")
    expect(page.locator("#col-created_at")).to_have_value("Created Date")
    expect(page.locator("#col-content")).to_have_value(
        "{Complaint Type}: {Descriptor}. {Location Type} {Incident Address}")
    expect(page.locator("#col-name")).to_have_value("")
    expect(page.locator("#imp-extra")).to_have_value(re.compile("America/New_York"))
    page.screenshot(path=str(screenshots / "40-import-mapping-loaded.png"), full_page=True)

    page.get_by_role("button", name="校验").click()
    expect(page.locator("#rep-ok")).to_have_text("2")
    expect(page.locator("#rep-error")).to_have_text("0")
    expect(page.locator("#col-lead_unit")).to_have_value("Agency")  # the selects still follow the mapping
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.locator("#rep-imported")).to_have_text("2")
    page.screenshot(path=str(screenshots / "41-import-done.png"), full_page=True)

    with dbmod.session_scope() as s:
        lamp = s.scalar(select(Order).where(Order.external_id == "900002"))
        assert lamp is not None and lamp.status == "received" and lamp.citizen_name is None
        parked = s.scalar(select(Order).where(Order.external_id == "900001"))
        assert parked is not None and parked.status == "closed" and parked.lead_unit.code == "dept-gongan"
