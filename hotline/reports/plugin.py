"""reports: the monthly analysis report (月度分析报告) — page, stored PDF, subscriptions, the worker's
monthly run, and ``hotline reports``."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.reports import cli, pages, service

    r.pages(pages.router)
    r.command("reports", cli.reports_app)
    r.nav_item("月度报告", "/reports/monthly", roles=set(service.READ_ROLES), order=59)
    r.extend("outbox.attachments", service.attachments)  # the PDF with the report's e-mail
    r.worker_task("monthly_report", service.monthly_task, phase="background")  # Chromium prints for seconds: never in the deliveries' path
