"""并单 and 重复诉求: finding open orders about the same matter, merging them, and caller history.

``similarity`` scores two demands (pure, no database); ``index`` keeps the
inverted index of open orders that makes candidate retrieval cheap; ``service``
finds candidates and reads caller history; ``flows`` merges, unmerges and links
repeat calls.  See docs/duplicates.md.
"""
