"""Importing this module registers the webhook hook on every order action (see flows.queue_deliveries)."""

from hotline.webhooks.flows import queue_deliveries

__all__ = ["queue_deliveries"]
