"""On-site verification (现场核查) by grid workers (网格员), on their phones; patrol reports (主动发现).
See docs/verification.md."""
