"""A centre's decision carries a note (hotline.validation.decision_note): appeals, push-downs and reply flags."""

from __future__ import annotations

import pytest

from hotline.errors import BadRequest
from hotline.validation import decision_note


@pytest.mark.parametrize("note", [None, "", " ", "好", "  好\n"])
def test_a_note_under_two_characters_is_refused_on_its_field(note: str | None) -> None:
    with pytest.raises(BadRequest) as e:
        decision_note(note)
    assert e.value.code == "note_required" and e.value.details == {"field": "note"}
    assert (e.value.zh, e.value.en) == ("请填写审核意见", "a reason for the decision is required")


def test_the_note_is_stripped_and_the_words_can_be_the_callers() -> None:
    assert decision_note("  理由成立 \n") == "理由成立"
    with pytest.raises(BadRequest) as e:
        decision_note("x", "请填写裁定意见", "a note for the decision is required")
    assert e.value.zh == "请填写裁定意见"
