"""Webhooks: signed HTTP notifications of order events to subscribed systems."""
