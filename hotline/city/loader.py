"""Load and validate a city file.

A city file may split itself into parts with a top-level ``include:`` list of
paths relative to it (the demo keeps its time-limit policies in ``sla.yaml``).
Included mappings are merged key by key; the including file wins.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from hotline.city.schema import CityFile

DEMO_CITY = Path(__file__).parent / "demo" / "city.yaml"


class CityFileError(ValueError):
    """The city file is missing or invalid; the message says where."""


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise CityFileError(f"city file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise CityFileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CityFileError(f"{path}: the top level must be a mapping")
    if isinstance(data.get("boundaries"), str):  # relative to the file that names it, as includes are
        data["boundaries"] = str((path.parent / data["boundaries"]).resolve())
    merged: dict[str, Any] = {}
    for inc in data.pop("include", []) or []:
        merged.update(_read(path.parent / inc))
    merged.update(data)
    return merged


def load_city(path: str | Path | None = None) -> CityFile:
    """Parse ``path`` (the demo city when ``None``) and check every reference."""
    p = Path(path) if path else DEMO_CITY
    data = _read(p)
    try:
        city = CityFile.model_validate(data)
    except ValueError as exc:
        raise CityFileError(f"{p}: {exc}") from exc
    if city.boundaries:  # the map's GeoJSON must match the territories (hotline.city.boundaries)
        from hotline.city.boundaries import BoundaryError, boundaries_of

        try:
            boundaries_of(p, city)
        except BoundaryError as exc:
            raise CityFileError(f"{p}: boundaries: {exc}") from exc
    return city


@lru_cache(maxsize=64)
def cached_city(path: str | None = None) -> CityFile:
    """A city file, read once per process (``path`` as stored in ``cities.file`` is fine)."""
    return load_city(resolve_ref(path) if path else None)


PACKAGE_DIR = Path(__file__).parent


def file_ref(path: str | Path) -> str:
    """How ``cities.file`` names a file: relative to ``hotline/city/`` for the files shipped
    with the package (the demo cities), so a moved checkout still finds them; else absolute."""
    p = Path(path).resolve()
    try:
        return p.relative_to(PACKAGE_DIR.resolve()).as_posix()
    except ValueError:
        return str(p)


def resolve_ref(ref: str | Path) -> Path:
    p = Path(ref)
    return p if p.is_absolute() else PACKAGE_DIR / p
