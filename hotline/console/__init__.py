"""The order console: queues and inboxes, intake, the order page and the intake assistant's endpoint.

Installed after every package whose sections it shows (routing's stored suggestion, callbacks'
opt-out at intake); the toolkit it builds on is ``hotline.web``.
"""
