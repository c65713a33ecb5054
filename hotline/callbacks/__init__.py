"""Callbacks (回访) and citizen self-rating: the evaluations the satisfaction KPIs are built on."""
