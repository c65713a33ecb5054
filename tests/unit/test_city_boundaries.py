"""The city file's ``boundaries:`` (the hotspot map's GeoJSON): the demo cities' files cover their
territories without gaps or overlaps, streets inside their district; a bad file is refused at load with
a message that names the feature."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from hotline.city.boundaries import boundaries_of
from hotline.city.loader import DEMO_CITY, CityFileError, load_city
from hotline.city.schema import UnitType

XIHE = DEMO_CITY.parent / "xihe" / "city.yaml"


@pytest.mark.parametrize("path", [DEMO_CITY, XIHE], ids=["qingyang", "xihe"])
def test_the_demo_cities_boundaries_tile_their_territories(path: Path) -> None:
    city = load_city(path)
    b = boundaries_of(path, city)
    assert b is not None
    districts = [u for u in city.units if u.type == UnitType.district]
    streets = [u for u in city.units if u.type in (UnitType.street, UnitType.township)]
    assert set(b.polygons) == {u.code for u in districts + streets}  # every territory has its polygon
    parent = {u.code: u.parent for u in city.units}
    boxes = [b.bbox(c) for c in b.polygons]
    x0, y0 = min(x[0] for x in boxes), min(x[1] for x in boxes)
    x1, y1 = max(x[2] for x in boxes), max(x[3] for x in boxes)
    rng = random.Random(7)
    for _ in range(3000):  # any point of the city lies in exactly one street, and in that street's district
        lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        inside = [s.code for s in streets if b.contains(s.code, lon, lat)]
        assert len(inside) == 1, (lon, lat, inside)
        in_districts = [d.code for d in districts if b.contains(d.code, lon, lat)]
        assert in_districts == ([parent[inside[0]]] if districts else []), (lon, lat, inside, in_districts)


def _city_with(tmp_path: Path, features: list[dict] | str) -> Path:
    data = yaml.safe_load(DEMO_CITY.read_text(encoding="utf-8"))
    for inc in data.pop("include"):
        (tmp_path / inc).write_text((DEMO_CITY.parent / inc).read_text(encoding="utf-8"), encoding="utf-8")
    data["include"] = ["sla.yaml", "kpi.yaml"]
    data["boundaries"] = "b.geojson"
    (tmp_path / "city.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    body = features if isinstance(features, str) else json.dumps({"type": "FeatureCollection", "features": features})
    (tmp_path / "b.geojson").write_text(body, encoding="utf-8")
    return tmp_path / "city.yaml"


SQUARE = [[[118.0, 32.0], [118.1, 32.0], [118.1, 32.1], [118.0, 32.1], [118.0, 32.0]]]


def _f(code: str | None, geometry: dict | None = None) -> dict:
    return {"type": "Feature", "properties": {} if code is None else {"code": code},
            "geometry": geometry or {"type": "Polygon", "coordinates": SQUARE}}


def test_a_good_file_loads_and_a_point_is_found(tmp_path: Path) -> None:
    path = _city_with(tmp_path, [_f("d-hexi"), _f("s-hexi-binjiang", {"type": "MultiPolygon", "coordinates": [SQUARE]})])
    city = load_city(path)
    b = boundaries_of(path, city)
    assert b is not None and b.contains("d-hexi", 118.05, 32.05) and not b.contains("d-hexi", 118.2, 32.05)
    assert b.contains("s-hexi-binjiang", 118.05, 32.05) and b.etag.startswith('"')


@pytest.mark.parametrize(("features", "message"), [
    ([_f("s-nosuch")], "feature 0 (s-nosuch): unknown unit code 's-nosuch'"),
    ([_f("c-xinhua-taoyuan")], "unit c-xinhua-taoyuan is a community, not a district, street or township"),
    ([_f("d-hexi"), _f("d-hexi")], "a second feature for d-hexi"),
    ([_f(None)], "properties.code (a territorial unit's code) is missing"),
    ([_f("d-hexi", {"type": "Point", "coordinates": [118.0, 32.0]})], "must be a Polygon or MultiPolygon, got 'Point'"),
    ([_f("d-hexi", {"type": "Polygon", "coordinates": [SQUARE[0][:4]]})], "ring 0 is not closed"),
    ([_f("d-hexi", {"type": "Polygon", "coordinates": [SQUARE[0][:3]]})], "ring 0 needs at least 4 positions"),
    ([_f("d-hexi", {"type": "Polygon", "coordinates": [[[218.0, 32.0]] + SQUARE[0][1:4] + [[218.0, 32.0]]]})],
     "position out of range"),
    ([_f("d-hexi", {"type": "Polygon", "coordinates": [[["118", 32.0]] * 4]})], "a position must be [longitude, latitude]"),
    ("{not json", "not valid GeoJSON"),
    ('{"type": "Feature"}', "must be a GeoJSON FeatureCollection"),
])
def test_a_bad_file_is_refused_at_load_with_a_clear_message(tmp_path: Path, features: list[dict] | str,
                                                             message: str) -> None:
    with pytest.raises(CityFileError) as err:
        load_city(_city_with(tmp_path, features))
    assert message in str(err.value) and "boundaries" in str(err.value)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = _city_with(tmp_path, [])
    (tmp_path / "b.geojson").unlink()
    with pytest.raises(CityFileError, match="boundary file not found"):
        load_city(path)
