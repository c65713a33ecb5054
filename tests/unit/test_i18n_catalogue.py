"""Every string the console shows through ``_()`` has an English entry."""

from __future__ import annotations

import re
from pathlib import Path

from hotline import i18n
from hotline.i18n import gettext
from hotline.i18n.en import EN


def known() -> dict[str, str]:
    """en.py plus any package catalogue (hotline/<pkg>/i18n_en.py) merged by hotline.i18n."""
    merged = getattr(i18n, "catalogue", None)
    return merged() if merged else EN

TEMPLATES = Path(__file__).resolve().parents[2] / "hotline" / "web" / "templates"
CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def template_strings() -> dict[str, str]:
    """Literal _("…") / _('…') strings → the template they appear in first."""
    out: dict[str, str] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        for m in CALL.finditer(path.read_text(encoding="utf-8")):
            text = m.group(1) if m.group(1) is not None else m.group(2)
            out.setdefault(text, path.relative_to(TEMPLATES).as_posix())
    return out


def test_templates_use_the_catalogue() -> None:
    found = template_strings()
    assert len(found) > 100  # the scanner really found the console's strings
    assert "工单列表" in found and "主导航" in found


def test_every_template_string_has_an_english_entry() -> None:
    cat = known()
    missing = {s: where for s, where in template_strings().items() if s not in cat}
    assert not missing, f"add these to hotline/i18n/en.py: {missing}"


def test_every_label_passed_through_underscore_has_an_english_entry() -> None:
    from hotline.console.queue_pages import INBOX_SECTIONS, QUEUE_SECTIONS
    from hotline.console.support import ALL_LABELS

    labels = list(ALL_LABELS) + [text for section in QUEUE_SECTIONS + INBOX_SECTIONS for text in section[1:]]
    cat = known()
    missing = [s for s in labels if s not in cat]
    assert not missing, f"add these to hotline/i18n/en.py: {missing}"


def test_entries_are_english() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    assert not [k for k, v in EN.items() if han.search(v)]
    assert gettext("工单列表", "en") == "Work orders" and gettext("工单列表", "zh") == "工单列表"


def test_each_chinese_string_has_its_english_in_one_catalogue() -> None:
    """The catalogue is keyed by the Chinese, so a second package's English silently replaced the first
    (the province's "Composite" overrode the rankings' "Composite score"): each key lives in one file."""
    import importlib
    import pkgutil

    import hotline

    owners: dict[str, list[str]] = {}
    modules = [("hotline.i18n.en", EN)]
    for mod in pkgutil.iter_modules(hotline.__path__):
        try:
            modules.append((mod.name, importlib.import_module(f"hotline.{mod.name}.i18n_en").EN))
        except ModuleNotFoundError:
            continue
    for name, cat in modules:
        for key in cat:
            owners.setdefault(key, []).append(name)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}
    assert i18n.catalogue()["综合得分"] == "Composite score"
