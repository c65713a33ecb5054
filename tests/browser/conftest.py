"""A live server (uvicorn in a thread, on the test database) and Debian's chromium via Playwright.

Every page a browser test opens is audited with axe-core (vendored, ``hotline/web/static/vendor/axe-core-*``)
when it has loaded, and once more as it stands when the test ends (HTMX may have swapped parts of it): a
serious or critical WCAG 2.1 A/AA violation fails the test (``AxeAudit``).  The ``browser`` fixture hands
out a thin wrapper of Playwright's browser whose contexts and pages are watched; nothing else changes.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parents[2] / "hotline" / "web" / "static" / "vendor" / "axe-core-4.10.3" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAIL_ON = ("serious", "critical")
_AXE_RUN = """async (tags) => {
  const r = await window.axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                 nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(committed: None) -> Iterator[str]:
    """The real app on a free localhost port; orders it makes are wiped by ``committed``."""
    import uvicorn

    from hotline.main import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:  # wait for the socket, not for a fixed time
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the live server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


#: pages that are not ours to fix: the vendored Swagger UI at /docs (its own markup; docs/console.md)
NOT_AUDITED = ("/docs",)


class AxeAudit:
    """axe-core on every page the test's browser loads; violations are kept per page and reported at the end.

    The script is evaluated through the DevTools protocol (not a ``<script>`` tag), so the console's CSP,
    which the security tests check, stays as it is.  A page that navigates away while it is audited is
    audited again on its next load.
    """

    def __init__(self) -> None:
        self.source = AXE.read_text(encoding="utf-8")
        self.pages: list[Any] = []
        self.audited: list[str] = []
        self.violations: dict[str, list[dict[str, Any]]] = {}
        self._busy: set[int] = set()  # an audit waits on the browser, and another load event may come meanwhile
        self._again: set[int] = set()  # … then that page is audited once more when the first audit ends

    def watch(self, page: Any) -> None:
        self.pages.append(page)
        page.on("load", lambda: self.check(page))

    def check(self, page: Any) -> None:
        if id(page) in self._busy:
            self._again.add(id(page))
            return
        self._busy.add(id(page))
        try:
            self._check(page)
            while id(page) in self._again:
                self._again.discard(id(page))
                self._check(page)
        finally:
            self._busy.discard(id(page))

    def _check(self, page: Any) -> None:
        try:
            if page.is_closed() or not page.url.startswith("http"):
                return
            if urlsplit(page.url).path.startswith(NOT_AUDITED):
                return
            if not page.evaluate("() => !!window.axe"):
                page.evaluate(self.source)
            found = page.evaluate(_AXE_RUN, AXE_TAGS)
            url = page.url
        except Exception as exc:  # the page went on (navigation, closed): its next load is audited
            if "destroyed" in str(exc) or "closed" in str(exc) or "navigat" in str(exc):
                return
            raise
        self.audited.append(url)
        bad = [v for v in found if v["impact"] in AXE_FAIL_ON]
        if bad:
            self.violations.setdefault(url, []).extend(v for v in bad if v not in self.violations.get(url, []))

    def finish(self) -> None:
        for page in self.pages:
            self.check(page)
        if self.violations:
            lines = [f"{url}\n" + "\n".join(f"  [{v['impact']}] {v['id']}: {v['help']} → {v['nodes']}"
                                            for v in found) for url, found in self.violations.items()]
            pytest.fail("axe-core found serious/critical WCAG 2.1 AA violations:\n" + "\n".join(lines),
                        pytrace=False)


class AuditedBrowser:
    """Playwright's ``Browser`` with every new context and page watched by ``AxeAudit``."""

    def __init__(self, browser: Any, audit: AxeAudit) -> None:
        self._browser, self.audit = browser, audit

    def new_context(self, **kwargs: Any) -> Any:
        ctx = self._browser.new_context(**kwargs)
        ctx.on("page", self.audit.watch)
        return ctx

    def new_page(self, **kwargs: Any) -> Any:
        page = self._browser.new_page(**kwargs)
        self.audit.watch(page)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium (/usr/bin/chromium) is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    # a cap, not a wait: on a loaded machine an HTMX answer (and the audit running in the page) can take
    # longer than Playwright's default 5 s for ``expect``
    sync_api.expect.set_options(timeout=20_000)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM),
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        audit = AxeAudit()
        try:
            yield AuditedBrowser(b, audit)
            audit.finish()
        finally:
            b.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def forget_settings_audit() -> Iterator[None]:
    """The settings screens' audit rows (``settings.*``) removed before and after a test that saves settings
    through the live server: they are committed, outside the test's rolled-back transaction."""
    from sqlalchemy import delete

    from hotline import db as dbmod
    from hotline.org.models import AuditLog

    def forget() -> None:
        with dbmod.session_scope() as s:
            s.execute(delete(AuditLog).where(AuditLog.action.like("settings.%")))

    forget()
    yield
    forget()
