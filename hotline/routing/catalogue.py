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


_TOP_WORDS: dict[int, tuple[CityFile, list[tuple[str, str]]]] = {}


def _top_words(city: CityFile) -> list[tuple[str, str]]:
    """(word, first-level code) for every first-level lexicon word and every leaf's name and keywords."""
    got = _TOP_WORDS.get(id(city))
    if got is not None and got[0] is city:
        return got[1]
    pairs: dict[tuple[str, str], None] = {}
    for top in city.categories:
        for word in top.keywords:
            pairs[(word, top.code)] = None
    for top, leaf in leaves(city):
        for word in [leaf.name, *leaf.keywords]:
            pairs[(word, top.code)] = None
    words = [(w, code) for w, code in pairs if len(w) >= 2]
    _TOP_WORDS[id(city)] = (city, words)
    return words


def score_top_levels(city: CityFile, text: str) -> dict[str, Evidence]:
    """Lexicon evidence for each first-level category: one point per distinct matched word.

    Why: a city on its first day has no history, and a model trained on generated texts is
    sure of itself on real messages for the wrong reasons; the words a message uses for its
    subject (物业, 社保, 超生 …) are evidence that does not depend on any training text.
    A word found inside a longer matched word (医疗 inside 医疗保险) is not counted, so the
    more specific reading wins; a word listed under several branches counts for each.
    """
    hits = [(w, code) for w, code in _top_words(city) if w in text]
    matched = {w for w, _ in hits}
    longer = {w for w in matched if any(w != o and w in o for o in matched)}
    found: dict[str, Evidence] = {}
    for w, code in hits:
        if w in longer:
            continue
        ev = found.setdefault(code, Evidence())
        if w not in ev.words:
            ev.words.append(w)
            ev.score += 1.0
    return found


# ---------------------------------------------------------------- the console-edited catalogue


@dataclass(frozen=True)
class Entry:
    """派单目录条目: a category (any level) in a territory (a street/township code, None: everywhere)
    → the lead unit, co-units and keywords (words that mean this category here)."""

    category: str
    territory: str | None
    lead: str
    co_units: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogueView:
    """The catalogue routing uses: a version number, the city file with the version's (unretired)
    categories in place of the file's, and the entries.  Provided by the ``routing.catalogue``
    extension point (the ``catalogue`` package); without a provider or a version, the city file."""

    version: int
    city: CityFile
    entries: tuple[Entry, ...]
    parents: dict[str, str | None]  # code → parent code, every unretired category

    def ancestry(self, code: str) -> list[str]:
        """The code and its ancestors, nearest first."""
        out: list[str] = []
        seen: str | None = code
        while seen is not None and seen in self.parents and seen not in out:
            out.append(seen)
            seen = self.parents[seen]
        return out

    def top_of(self, code: str) -> str:
        chain = self.ancestry(code)
        return chain[-1] if chain else code[:2]

    def applies(self, entry: Entry, territory: str | None) -> bool:
        return entry.territory is None or entry.territory == territory

    def match(self, category: str, territory: str | None) -> Entry | None:
        """The entry that decides a category in a territory: the nearest category in the
        ancestry first, and in the same category the territory's own entry before the general one."""
        chain = self.ancestry(category)
        best: tuple[int, int] | None = None
        found: Entry | None = None
        for e in self.entries:
            if e.category in chain and self.applies(e, territory):
                rank = (chain.index(e.category), 0 if e.territory else 1)
                if best is None or rank < best:
                    best, found = rank, e
        return found
