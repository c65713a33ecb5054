"""The dispatch catalogue (派单目录) as evidence: duty keywords of units and categories.

Units' keywords live in the database (admins edit them in the console); the
category leaves and their default units come from the city file.  Scores are
the summed length of matched keywords, so a specific phrase (占道经营) counts
more than a short word (噪音).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.city.schema import CategoryDef, CityFile


@dataclass
class Evidence:
    score: float = 0.0
    words: list[str] = field(default_factory=list)

    def add(self, word: str) -> None:
        if word not in self.words:
            self.words.append(word)
            self.score += len(word)


def leaves(city: CityFile) -> list[tuple[CategoryDef, CategoryDef]]:
    """(top-level, leaf) pairs."""
    out = []

    def walk(top: CategoryDef, node: CategoryDef) -> None:
        if not node.children:
            out.append((top, node))
        for child in node.children:
            walk(top, child)

    for top in city.categories:
        walk(top, top)
    return out


def score_leaves(city: CityFile, text: str) -> dict[str, Evidence]:
    found: dict[str, Evidence] = {}
    for _top, leaf in leaves(city):
        ev = Evidence()
        for word in [leaf.name, *leaf.keywords]:
            if len(word) >= 2 and word in text:
                ev.add(word)
        if ev.words:
            found[leaf.code] = ev
    return found


def score_units(unit_keywords: dict[str, list[str]], text: str) -> dict[str, Evidence]:
    found: dict[str, Evidence] = {}
    for code, words in unit_keywords.items():
        ev = Evidence()
        for word in words:
            if len(word) >= 2 and word in text:
                ev.add(word)
        if ev.words:
            found[code] = ev
    return found
