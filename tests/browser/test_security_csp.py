"""The Content-Security-Policy does not break the console: the main pages of several roles load,
their htmx panels and ECharts charts work, and chromium reports no CSP violation.  A script
injected without the nonce is refused (the policy is really enforced, and the detector sees it)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_callback_and_dashboard import _completed_order
from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.context.add_init_script(WATCH)
    page.on("console", lambda m: problems.append(f"console: {m.text}")
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    return problems


def _visit(page: Any, url: str, problems: list[str]) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    problems.extend(f"{url}: {v}" for v in page.evaluate("window.__csp || []"))


def test_main_pages_raise_no_csp_violations(live_server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    number = _completed_order("小区门口路灯不亮", "13800003333")
    problems: list[str] = []
    pages = {
        "operator1": ["/orders/new", f"/orders/{number}", "/orders"],
        "dispatcher": ["/queue", "/repeats", "/kpi", f"/orders/{number}", "/routing", "/knowledge"],
        "leader": ["/dashboard", "/telephony", "/kpi"],
        "cg_handler": ["/inbox", "/appeals", f"/orders/{number}"],
        "supervisor": ["/supervision", "/callbacks", "/appeals"],
    }
    for username, paths in pages.items():
        page = _login(browser, live_server, username)
        seen = _watch(page)
        for path in paths:
            _visit(page, live_server + path, problems)
        if username == "leader":  # ECharts drew into its containers
            page.goto(f"{live_server}/dashboard")
            expect(page.locator(".chart canvas").first).to_be_visible()
        if username == "operator1":  # the intake assistant (htmx) fills its panel
            page.goto(f"{live_server}/orders/new")
            page.locator("#f-title").fill("新华路路灯不亮")
            page.locator("#f-content").fill("新华路88号门口的路灯已经坏了一个多星期，晚上一片漆黑，请尽快维修。")
            expect(page.locator("#suggestions")).not_to_be_empty()
        if username == "supervisor":  # the filter that submits itself on change (no inline onchange)
            page.goto(f"{live_server}/appeals")
            page.locator("#f-state").select_option("pending")
            page.wait_for_url("**/appeals?state=pending")
        problems.extend(f"{username}: {m}" for m in seen)
        page.context.close()
    assert not problems, "\n".join(problems)


def test_a_script_without_the_nonce_is_refused(live_server: str, browser: Any) -> None:
    page = _login(browser, live_server, "dispatcher")
    seen = _watch(page)
    page.goto(f"{live_server}/queue")
    page.evaluate("""() => { const s = document.createElement('script');
                           s.textContent = 'window.__ran = true'; document.body.appendChild(s); }""")
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in page.evaluate("window.__csp")) or seen
    page.context.close()


def test_api_docs_render_from_the_server_alone_under_the_console_policy(live_server: str, browser: Any) -> None:
    """/docs used to load Swagger UI from cdn.jsdelivr.net under a looser policy: offline it was blank.
    Now the vendored bundle renders the operations, nothing is requested from another host, and the
    strict policy (no inline script) holds."""
    from playwright.sync_api import expect

    page = browser.new_page()  # type: ignore[attr-defined]
    problems = _watch(page)
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(live_server) else None)
    _visit(page, f"{live_server}/docs", problems)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Hotline 12345 API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert foreign == [] and problems == []
    page.close()
