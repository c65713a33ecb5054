"""webhooks: every action is offered to the subscribed endpoints (an observer), the webhook
sender, pages, API and ``hotline webhooks``."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.webhooks import cli, delivery, flows, pages, views

    r.observe(flows.queue_deliveries)
    r.sender("webhook", delivery.WebhookSender())
    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("Webhook", "/webhooks", roles={"admin"}, order=90)
    r.command("webhooks", cli.webhooks_app)
