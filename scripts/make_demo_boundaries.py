"""Generate the demo cities' boundary files (GeoJSON) from their city files.

The demo cities are invented, so their boundaries are too.  This script draws a plausible, gap-free and
non-overlapping partition of a bounding box near a (made-up) position in eastern China:

* the box is cut into one vertical strip per district (top-level territory), its width proportional to the
  number of streets in it; the cut between two strips is a wiggly line x = f(y), shared by both sides;
* each strip is cut into one band per street/township by wiggly lines y = g(x) whose ends lie on the strip's
  sides, so every street lies inside its district and the streets of a district tile it;
* a district's polygon is its strip's outline (the same vertices as its streets' outer edges).

The wiggle is a fixed-seed random walk, so a rerun writes the same files:

    PYTHONPATH=. python scripts/make_demo_boundaries.py      # writes hotline/city/demo/boundaries.geojson
                                                            # and hotline/city/demo/xihe/boundaries.geojson
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CITIES = {  # city file → (bounding box lon0, lat0, lon1, lat1, seed)
    ROOT / "hotline/city/demo/city.yaml": ((118.20, 32.10, 118.62, 32.40), 12345),
    ROOT / "hotline/city/demo/xihe/city.yaml": ((118.70, 32.05, 118.90, 32.22), 2345),
}
TERRITORIAL = ("street", "township")
STEPS = 8  # points per wiggly edge


def _wiggle(rng: random.Random, n: int, amp: float) -> list[float]:
    """n offsets, zero at both ends (the corners stay where they are)."""
    return [0.0] + [rng.uniform(-amp, amp) for _ in range(n - 2)] + [0.0]


def partition(units: list[dict], box: tuple[float, float, float, float], seed: int) -> list[dict]:
    rng = random.Random(seed)
    x0, y0, x1, y1 = box
    districts = [u for u in units if u["type"] == "district"]
    streets = [u for u in units if u["type"] in TERRITORIAL]
    if not districts:  # a county whose townships are its top level: each is its own strip
        groups = [(s, [s]) for s in streets if not s.get("parent")]
    else:
        groups = [(d, [s for s in streets if s.get("parent") == d["code"]]) for d in districts]
    weights = [max(len(ss), 1) for _, ss in groups]
    ys = [y0 + (y1 - y0) * k / (STEPS - 1) for k in range(STEPS)]
    # vertical cuts x = f(y) sampled at ys; the outer sides are straight
    cuts: list[list[float]] = [[x0] * STEPS]
    acc = 0
    for w in weights[:-1]:
        acc += w
        base = x0 + (x1 - x0) * acc / sum(weights)
        amp = (x1 - x0) / sum(weights) * 0.18
        cuts.append([base + o for o in _wiggle(rng, STEPS, amp)])
    cuts.append([x1] * STEPS)

    def x_at(cut: list[float], y: float) -> float:
        for k in range(STEPS - 1):
            if ys[k] <= y <= ys[k + 1]:
                t = (y - ys[k]) / (ys[k + 1] - ys[k])
                return cut[k] + t * (cut[k + 1] - cut[k])
        return cut[-1]

    def side(cut: list[float], ya: float, yb: float) -> list[list[float]]:
        """The cut's points from ya to yb (either direction), ends interpolated."""
        lo, hi = min(ya, yb), max(ya, yb)
        pts = [[x_at(cut, lo), lo]] + [[cut[k], ys[k]] for k in range(STEPS) if lo < ys[k] < hi] + [[x_at(cut, hi), hi]]
        return pts if ya <= yb else pts[::-1]

    features: list[dict] = []
    for i, (d, ss) in enumerate(groups):
        left, right = cuts[i], cuts[i + 1]
        n = max(len(ss), 1)
        # band edges y = g(x): straight at the box's top and bottom, wiggly inside
        edges: list[tuple[float, list[float]]] = []
        for j in range(n + 1):
            base = y0 + (y1 - y0) * j / n
            offs = [0.0] * STEPS if j in (0, n) else _wiggle(rng, STEPS, (y1 - y0) / n * 0.2)
            edges.append((base, offs))

        def edge(j: int, _l: list[float] = left, _r: list[float] = right,
                 _e: list[tuple[float, list[float]]] = edges) -> list[list[float]]:
            base, offs = _e[j]
            xl, xr = x_at(_l, base), x_at(_r, base)
            return [[xl + (xr - xl) * k / (STEPS - 1), base + offs[k]] for k in range(STEPS)]

        if d["type"] == "district":
            ring = edge(0) + side(right, y0, y1)[1:] + edge(n)[::-1][1:] + side(left, y1, y0)[1:]
            features.append(_feature(d, ring))
        for j, s in enumerate(ss):
            ring = (edge(j) + side(right, edges[j][0], edges[j + 1][0])[1:] + edge(j + 1)[::-1][1:]
                    + side(left, edges[j + 1][0], edges[j][0])[1:])
            features.append(_feature(s, ring))
    return features


def _feature(u: dict, ring: list[list[float]]) -> dict:
    ring = [[round(x, 5), round(y, 5)] for x, y in ring]
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return {"type": "Feature", "properties": {"code": u["code"], "name": u["name"]},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def main() -> None:
    for path, (box, seed) in CITIES.items():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        fc = {"type": "FeatureCollection",
              "name": f"{data['city']['name']}（虚构城市，边界由 scripts/make_demo_boundaries.py 生成）",
              "features": partition(data["units"], box, seed)}
        out = path.parent / "boundaries.geojson"
        out.write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"{out.relative_to(ROOT)}: {len(fc['features'])} features")


if __name__ == "__main__":
    main()
