"""The demo city file and the demo demand generator.

Why these checks: the demo city is what a new deployment sees first and what
the router's smoke tests route against; a dangling code or a category nobody
handles would make the demo dispatch orders into the void.
"""

from __future__ import annotations

from collections import Counter

import pytest

from hotline.city.loader import load_city
from hotline.city.schema import CategoryDef, CityFile, Kind, Role, UnitType
from hotline.demo.texts import (
    MOBILE_RE,
    DemandText,
    generate_demands,
    generate_duplicate_cluster,
    leaf_codes_with_templates,
)

TOP_LEVEL = {
    "01": "城乡建设",
    "02": "环境保护",
    "03": "交通运输",
    "04": "教育文体",
    "05": "劳动和社会保障",
    "06": "商贸旅游",
    "07": "卫生计生",
}


@pytest.fixture(scope="module")
def city() -> CityFile:
    return load_city()


@pytest.fixture(scope="module")
def demands(city: CityFile) -> list[DemandText]:
    return generate_demands(city, 600, seed=42)


def _leaves(city: CityFile) -> list[CategoryDef]:
    return [c for c in city.category_index().values() if not c.children]


def _street_of(city: CityFile, code: str) -> str | None:
    units = {u.code: u for u in city.units}
    cur = units.get(code)
    while cur is not None:
        if cur.type in (UnitType.street, UnitType.township):
            return cur.code
        cur = units.get(cur.parent) if cur.parent else None
    return None


# ── the city file ───────────────────────────────────────────────────────────


def test_demo_city_validates(city: CityFile) -> None:
    assert city.city.code == "qingyang"
    assert city.city.name == "青阳市"
    assert city.city.order_number_prefix == "QY"
    assert city.centre().code == "centre"


def test_top_level_categories_are_the_training_labels(city: CityFile) -> None:
    assert {c.code: c.name for c in city.categories} == TOP_LEVEL


def test_taxonomy_has_three_levels_with_sane_fan_out(city: CityFile) -> None:
    for top in city.categories:
        assert 4 <= len(top.children) <= 8, top.code
        for second in top.children:
            assert second.code.startswith(top.code) and len(second.code) == 4
            assert 2 <= len(second.children) <= 5, second.code
            for leaf in second.children:
                assert leaf.code.startswith(second.code) and len(leaf.code) == 6
                assert not leaf.children


def test_territory_tree(city: CityFile) -> None:
    by_type = Counter(u.type for u in city.units)
    assert by_type[UnitType.centre] == 1
    assert by_type[UnitType.district] == 3
    assert by_type[UnitType.street] + by_type[UnitType.township] >= 12
    assert by_type[UnitType.department] >= 28
    assert by_type[UnitType.enterprise] >= 5
    units = {u.code: u for u in city.units}
    for u in city.units:
        if u.type in (UnitType.street, UnitType.township):
            assert units[u.parent or ""].type == UnitType.district, u.code
            kids = [c for c in city.units if c.parent == u.code]
            assert 3 <= len(kids) <= 5 and all(k.type == UnitType.community for k in kids), u.code
        if u.type == UnitType.community:
            assert units[u.parent or ""].type in (UnitType.street, UnitType.township), u.code
        if u.type in (UnitType.department, UnitType.enterprise, UnitType.district, UnitType.centre):
            assert u.parent is None, u.code


def test_codes_are_ascii(city: CityFile) -> None:
    for u in city.units:
        assert u.code.isascii() and " " not in u.code, u.code
    for usr in city.users:
        assert usr.username.isascii(), usr.username


def test_references_resolve(city: CityFile) -> None:
    units = {u.code for u in city.units}
    cats = city.category_index()
    for r in city.roads:
        assert r.unit in units, r.name
    for c in cats.values():
        assert set(c.units) <= units, c.code
    for u in city.units:
        assert set(u.categories) <= set(cats), u.code
    for usr in city.users:
        assert usr.unit in units


def test_roads_point_at_territory(city: CityFile) -> None:
    units = {u.code: u for u in city.units}
    assert len(city.roads) >= 70
    names = [r.name for r in city.roads]
    assert len(names) == len(set(names))
    for r in city.roads:
        assert units[r.unit].type in (UnitType.community, UnitType.street, UnitType.township), r.name


def test_every_leaf_has_a_handler(city: CityFile) -> None:
    for leaf in _leaves(city):
        assert leaf.units or leaf.territorial, leaf.code
        assert leaf.keywords, leaf.code


def test_dispatch_catalogue_agrees_with_categories(city: CityFile) -> None:
    """A unit lists a leaf exactly when the leaf lists the unit (派单目录 both ways)."""
    for leaf in _leaves(city):
        for code in leaf.units:
            unit = next(u for u in city.units if u.code == code)
            assert leaf.code in unit.categories, (leaf.code, code)
    cats = city.category_index()
    for u in city.units:
        for code in u.categories:
            leaf = cats[code]
            assert u.code in leaf.units or leaf.territorial, (u.code, code)


def test_territorial_leaves_are_handled_by_every_street(city: CityFile) -> None:
    territorial = {c.code for c in _leaves(city) if c.territorial}
    assert territorial
    for u in city.units:
        if u.type in (UnitType.street, UnitType.township):
            assert territorial <= set(u.categories), u.code


def test_every_department_has_duties_keywords_and_categories(city: CityFile) -> None:
    for u in city.units:
        if u.type in (UnitType.department, UnitType.enterprise):
            assert u.duties, u.code
            assert 10 <= len(u.keywords) <= 25, u.code
            assert u.categories, u.code


def test_urgent_leaves_and_keywords(city: CityFile) -> None:
    urgent = {c.name for c in _leaves(city) if c.urgent}
    assert {"供水", "供电", "燃气"} <= urgent
    for word in ("停水", "停电", "燃气泄漏", "电梯困人", "内涝"):
        assert word in city.urgent_keywords
    assert set(city.emergency_keywords) == {"110", "119", "120"}
    assert all(city.emergency_keywords.values())


def test_out_of_scope_entries(city: CityFile) -> None:
    assert len(city.out_of_scope) >= 3
    for entry in city.out_of_scope:
        assert entry["name"] and entry["keywords"] and entry["channel"]
    assert any("法院" in e["keywords"] for e in city.out_of_scope)


def test_every_role_has_a_demo_user(city: CityFile) -> None:
    # the provincial roles belong to the province, not to a city file (hotline.demo.seed makes them)
    assert {u.role for u in city.users} == set(Role) - {Role.province_leader, Role.province_supervisor,
                                                         Role.province_admin}
    usernames = [u.username for u in city.users]
    assert len(usernames) == len(set(usernames))
    assert all(u.password == "demo12345" for u in city.users)
    units = {u.code: u for u in city.units}
    dispatch_units = {units[u.unit].type for u in city.users if u.role == Role.dispatcher}
    assert {UnitType.centre, UnitType.district} <= dispatch_units


def test_city_file_does_not_define_sla_or_kpi_itself() -> None:
    """Time limits belong to sla.yaml (another owner); city.yaml only includes it."""
    import yaml

    from hotline.city.loader import DEMO_CITY

    raw = yaml.safe_load(DEMO_CITY.read_text(encoding="utf-8"))
    assert "sla" not in raw and "kpi" not in raw
    assert raw["include"] == ["sla.yaml", "kpi.yaml"]


# ── the demand generator ────────────────────────────────────────────────────


def test_generator_has_templates_for_every_leaf(city: CityFile) -> None:
    assert {c.code for c in _leaves(city)} <= leaf_codes_with_templates()


def test_generator_is_deterministic(city: CityFile) -> None:
    assert generate_demands(city, 80, seed=7) == generate_demands(city, 80, seed=7)
    assert generate_demands(city, 80, seed=7) != generate_demands(city, 80, seed=8)
    assert generate_demands(city, 0) == []


def test_small_batch_covers_every_top_level_and_kind(city: CityFile) -> None:
    batch = generate_demands(city, 10, seed=3)
    assert {d.category_code[:2] for d in batch} == set(TOP_LEVEL)
    assert {d.kind for d in batch} == set(Kind)


def test_generated_codes_are_valid(city: CityFile, demands: list[DemandText]) -> None:
    units = {u.code: u for u in city.units}
    cats = city.category_index()
    for d in demands:
        leaf = cats[d.category_code]
        assert not leaf.children
        assert d.territory_code in units
        assert units[d.territory_code].type in (UnitType.community, UnitType.street, UnitType.township)
        if leaf.territorial:
            assert d.lead_unit_code == _street_of(city, d.territory_code)
        else:
            assert d.lead_unit_code in leaf.units


def test_generated_texts_are_well_formed(city: CityFile, demands: list[DemandText]) -> None:
    assert len({d.content for d in demands}) == len(demands)
    for d in demands:
        assert 0 < len(d.title) <= 40
        assert 40 <= len(d.content) <= 300
        assert "{" not in d.content and "}" not in d.content
        assert d.address.startswith(city.city.name)
        assert d.urgency in ("urgent", "normal")
        assert d.anonymous == (d.citizen_name is None)
        if d.confidential:
            assert d.kind == Kind.report


def test_generated_phones_are_mainland_mobiles(demands: list[DemandText]) -> None:
    phones = [d.phone for d in demands if d.phone is not None]
    assert phones
    assert all(MOBILE_RE.fullmatch(p) for p in phones)
    assert all(len(p) == 11 and p[0] == "1" and p[1] in "3456789" for p in phones)


def test_urgency_follows_the_city_keywords(city: CityFile, demands: list[DemandText]) -> None:
    urgent = [d for d in demands if d.urgency == "urgent"]
    assert urgent
    for d in urgent:
        assert any(w in d.content for w in city.urgent_keywords)


def test_praise_names_the_unit_and_consultations_ask(city: CityFile, demands: list[DemandText]) -> None:
    units = {u.code: u for u in city.units}
    for d in demands:
        if d.kind == Kind.praise:
            u = units[d.lead_unit_code]
            assert (u.short_name or u.name) in d.content
        if d.kind == Kind.consultation:
            assert "？" in d.content


def test_duplicate_cluster(city: CityFile, demands: list[DemandText]) -> None:
    base = next(d for d in demands if d.kind == Kind.complaint)
    cluster = generate_duplicate_cluster(city, base, 4, seed=1)
    assert cluster == generate_duplicate_cluster(city, base, 4, seed=1)
    assert len(cluster) == 4
    contents = {d.content for d in cluster} | {base.content}
    assert len(contents) == 5
    callers = [d.citizen_name for d in cluster if d.citizen_name] + [base.citizen_name]
    assert len(callers) == len(set(callers))
    for d in cluster:
        assert d.category_code == base.category_code
        assert d.lead_unit_code == base.lead_unit_code
        assert d.address == base.address
        assert d.territory_code == base.territory_code
        assert d.urgency == base.urgency
        assert d.phone is None or MOBILE_RE.fullmatch(d.phone)


def test_generated_demands_are_in_scope(city: CityFile, demands: list[DemandText]) -> None:
    """Demo demands are hotline business: none should trip a 110/119/120 or 告知 rule by accident."""
    words = [w for ws in city.emergency_keywords.values() for w in ws]
    words += [w for entry in city.out_of_scope for w in entry["keywords"]]
    for d in demands:
        assert not [w for w in words if w in d.content], d.content
