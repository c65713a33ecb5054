"""A city's boundary file (``boundaries:`` in the city file): a GeoJSON FeatureCollection of its territories.

Each feature's ``properties.code`` is the code of a territorial unit of the city file (a district, street or
township), its geometry a Polygon or MultiPolygon in WGS 84 longitude/latitude.  The file is checked when
the city file is loaded, like every other reference there, so a typo is refused at start-up rather than
leaving a blank region on the map.  The hotspot map (``hotline.hotspots.map``) serves it to the browser.

Geometry is checked for shape (closed rings of at least four positions, numbers in range), not for
self-intersection; the point-in-polygon test below is the even-odd rule, which holes follow for free.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotline.city.schema import CityFile, UnitType

TERRITORY_TYPES = (UnitType.district, UnitType.street, UnitType.township)
MAX_BYTES = 20 * 1024 * 1024


class BoundaryError(ValueError):
    """The boundary file is missing or invalid; the message names the feature."""


Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Boundaries:
    """The parsed file: its bytes (served as is, with their hash as the ETag) and each code's polygons."""

    raw: bytes
    etag: str
    polygons: dict[str, list[list[Ring]]] = field(default_factory=dict)  # code → polygons → rings (outer first)

    def contains(self, code: str, lon: float, lat: float) -> bool:
        return any(_in_polygon(rings, lon, lat) for rings in self.polygons.get(code, []))

    def bbox(self, code: str) -> tuple[float, float, float, float]:
        pts = [p for rings in self.polygons[code] for p in rings[0]]
        return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))


def _in_ring(ring: Ring, x: float, y: float) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _in_polygon(rings: list[Ring], x: float, y: float) -> bool:
    return _in_ring(rings[0], x, y) and not any(_in_ring(h, x, y) for h in rings[1:])


def _position(p: Any, where: str) -> tuple[float, float]:
    if not (isinstance(p, list) and len(p) >= 2 and all(isinstance(v, int | float) and not isinstance(v, bool)
                                                          for v in p[:2])):
        raise BoundaryError(f"{where}: a position must be [longitude, latitude], got {p!r}"[:300])
    lon, lat = float(p[0]), float(p[1])
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise BoundaryError(f"{where}: position out of range: {p!r}")
    return lon, lat


def _polygon(coords: Any, where: str) -> list[Ring]:
    if not isinstance(coords, list) or not coords:
        raise BoundaryError(f"{where}: a polygon needs at least one ring")
    rings: list[Ring] = []
    for k, ring in enumerate(coords):
        if not isinstance(ring, list) or len(ring) < 4:
            raise BoundaryError(f"{where}: ring {k} needs at least 4 positions")
        pts = [_position(p, where) for p in ring]
        if pts[0] != pts[-1]:
            raise BoundaryError(f"{where}: ring {k} is not closed (the last position must repeat the first)")
        rings.append(pts)
    return rings


def parse(raw: bytes, city: CityFile, *, source: str = "boundaries") -> Boundaries:
    """Check the file against the city's units; a clear error names what is wrong."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryError(f"{source}: not valid GeoJSON (JSON): {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise BoundaryError(f"{source}: the top level must be a GeoJSON FeatureCollection with features")
    types = {u.code: u.type for u in city.units}
    polygons: dict[str, list[list[Ring]]] = {}
    for i, f in enumerate(data["features"]):
        props = f.get("properties") if isinstance(f, dict) else None
        code = props.get("code") if isinstance(props, dict) else None
        where = f"{source}: feature {i}" + (f" ({code})" if isinstance(code, str) else "")
        if not isinstance(code, str) or not code:
            raise BoundaryError(f"{where}: properties.code (a territorial unit's code) is missing")
        if code not in types:
            raise BoundaryError(f"{where}: unknown unit code {code!r}")
        if types[code] not in TERRITORY_TYPES:
            raise BoundaryError(f"{where}: unit {code} is a {types[code].value}, not a district, street or township")
        if code in polygons:
            raise BoundaryError(f"{where}: a second feature for {code}")
        geom = f.get("geometry")
        gtype = geom.get("type") if isinstance(geom, dict) else None
        if gtype == "Polygon":
            polygons[code] = [_polygon(geom.get("coordinates"), where)]  # type: ignore[union-attr]
        elif gtype == "MultiPolygon":
            parts = geom.get("coordinates")  # type: ignore[union-attr]
            if not isinstance(parts, list) or not parts:
                raise BoundaryError(f"{where}: a MultiPolygon needs at least one polygon")
            polygons[code] = [_polygon(p, where) for p in parts]
        else:
            raise BoundaryError(f"{where}: geometry must be a Polygon or MultiPolygon, got {gtype!r}")
    return Boundaries(raw=raw, etag='"' + hashlib.sha256(raw).hexdigest()[:32] + '"', polygons=polygons)


def read(path: Path, city: CityFile) -> Boundaries:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise BoundaryError(f"{path}: larger than {MAX_BYTES // 1024 // 1024} MiB")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise BoundaryError(f"boundary file not found: {path}") from exc
    return parse(raw, city, source=str(path))


_cache: dict[tuple[str, int], Boundaries] = {}


def boundaries_of(city_path: Path, city: CityFile) -> Boundaries | None:
    """The boundaries named by the city file at ``city_path`` (None when it names none); kept per file
    version, so the map's requests do not re-read the file."""
    if not city.boundaries:
        return None
    p = (city_path.parent / city.boundaries).resolve()
    try:
        key = (str(p), p.stat().st_mtime_ns)
    except FileNotFoundError as exc:
        raise BoundaryError(f"boundary file not found: {p}") from exc
    if key not in _cache:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = read(p, city)
    return _cache[key]
