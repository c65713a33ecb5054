"""Chinese full-text search that behaves the same on SQLite and PostgreSQL.

Why our own inverted index rather than FTS5 / tsvector: PostgreSQL ships no
Chinese parser and SQLite's tokenizers split Chinese per character, so either
way we must segment with jieba in Python.  Once the text is segmented, a plain
table of postings ``(kind, token, doc_id, tf, dl)`` with a B-tree index gives
BM25 ranking with one SQL statement that is identical on both databases, is
written in the caller's transaction (no trigger, no extension) and is easy to
bulk-load.  ``segment`` makes the tokens, ``index`` writes and searches.
"""
