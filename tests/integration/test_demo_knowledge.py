"""The demo's knowledge entries are searchable, so an operator can answer at first contact in the demo."""

from __future__ import annotations


def test_demo_entries_are_found_by_chinese_search(db) -> None:  # type: ignore[no-untyped-def]
    from hotline.demo.knowledge import ENTRIES, seed_knowledge
    from hotline.knowledge.service import search

    assert seed_knowledge(db) == len(ENTRIES)
    assert seed_knowledge(db) == 0  # once only
    hits = search(db, q="怎么租房提取公积金")
    assert hits and "公积金" in hits[0][0].question
