"""Idempotent intake: the same ``Idempotency-Key`` from the same client never creates a second order."""
