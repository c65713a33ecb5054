"""Navigation by role (issue #20, item 5): at most 7 top-level entries, one row in English at 1,280 px.

Measured in the browser: every top-level entry of the bar stands on the same row, and the bar is no taller
than one row of links.  The rest of a role's places sit in the 更多 / More menu, which opens from the keyboard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

USERS = ("operator1", "dispatcher", "cg_handler", "cg_leader", "supervisor", "callback1", "admin", "leader")


def _login(browser: Any, base: str, username: str, lang: str) -> Any:
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    page.goto(f"{base}/lang/{lang}?next=/login")
    page.get_by_label("User name" if lang == "en" else "用户名").fill(username)
    page.get_by_label("Password" if lang == "en" else "密码").fill("demo12345")
    page.get_by_role("button", name="Log in" if lang == "en" else "登录").click()
    expect(page.get_by_role("button", name="Log out" if lang == "en" else "退出")).to_be_visible()
    return page


def test_every_role_has_at_most_seven_entries_on_one_row_in_english(live_server: str, browser: Any,
                                                                    screenshots: Path) -> None:
    seen: dict[str, list[str]] = {}
    for username in USERS:
        page = _login(browser, live_server, username, "en")
        nav = page.get_by_role("navigation", name="Main navigation")
        entries = nav.locator("ul.nav-top > li")
        count = entries.count()
        assert 1 <= count <= 7, (username, entries.all_inner_texts())
        boxes = [entries.nth(i).bounding_box() for i in range(count)]
        tops = {round(b["y"]) for b in boxes if b}
        row = max(b["height"] for b in boxes if b)
        assert len(tops) == 1, (username, "the nav wraps", entries.all_inner_texts(), boxes)
        bar = page.locator("header.topbar").bounding_box()
        assert bar and bar["height"] < row * 1.5, (username, "the top bar is taller than one row", bar, row)
        assert bar["width"] <= 1280
        seen[username] = [t.strip() for t in nav.locator("a").all_text_contents()]
        if username == "dispatcher":  # 14 places before issue #20: now six on the bar and the menu
            assert count == 7 and nav.locator(".nav-more").count() == 1
            more = nav.locator(".nav-more summary")
            more.focus()
            page.keyboard.press("Enter")
            first = nav.locator(".nav-more ul a").first
            assert first.is_visible()
            page.screenshot(path=str(screenshots / "nav-en-1280-dispatcher-more.png"))
            page.keyboard.press("Enter")
        page.screenshot(path=str(screenshots / f"nav-en-1280-{username}.png"))
        page.context.close()
    # the same order everywhere: two roles that share two places list them the same way round
    for a, items_a in seen.items():
        for b, items_b in seen.items():
            common = [x for x in items_a if x in items_b]
            assert common == [x for x in items_b if x in items_a], (a, b, items_a, items_b)
