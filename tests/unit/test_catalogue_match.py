"""Which dispatch catalogue entry decides a category in a territory (routing.catalogue.CatalogueView.match)."""

from __future__ import annotations

from hotline.city.service import current_city
from hotline.routing.catalogue import CatalogueView, Entry

PARENTS = {"01": None, "0101": "01", "010101": "0101", "010102": "0101", "02": None}


def _view(*entries: Entry) -> CatalogueView:
    return CatalogueView(1, current_city(), entries, PARENTS)


def test_the_nearest_category_and_then_the_territorys_own_entry_win() -> None:
    branch = Entry("0101", None, "dept-a")
    leaf = Entry("010101", None, "dept-b")
    here = Entry("010101", "s-x", "s-x")
    v = _view(branch, leaf, here)
    assert v.match("010101", "s-x") is here
    assert v.match("010101", "s-y") is leaf
    assert v.match("010101", None) is leaf
    assert v.match("010102", "s-x") is branch  # no entry of its own: the parent's
    assert v.match("02", None) is None
    assert v.top_of("010101") == "01" and v.ancestry("010102") == ["010102", "0101", "01"]


def test_a_moved_category_follows_its_parent_not_its_code() -> None:
    v = CatalogueView(2, current_city(), (Entry("02", None, "dept-c"),), {**PARENTS, "010102": "02"})
    assert v.top_of("010102") == "02"
    assert v.match("010102", None) is not None and v.match("010102", None).lead == "dept-c"  # type: ignore[union-attr]
