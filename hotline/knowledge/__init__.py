"""知识库: answers the centre can give at first contact (即时办结), kept by the units that own them.

Entries are versioned (``KnowledgeVersion`` rows are never changed), searched
through ``hotline.textindex`` (jieba + BM25 on SQLite and PostgreSQL), imported
from CSV idempotently and reviewed on a schedule.  See docs/knowledge.md.
"""
