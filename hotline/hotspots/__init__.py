"""hotspots: hot matters (热点) — demands about the same matter grouped across callers and channels.

The grouping itself is pure (``grouping.py``) so that the CLI on a CSV and the platform on its
orders run the same code (issue #16).
"""
