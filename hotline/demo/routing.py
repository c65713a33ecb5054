"""The demo city's starting routing models, learned from generated demands.

Why here and not in ``hotline.routing``: a city in production trains on its own
orders (``hotline routing train``); only the demo has no history and stands in
for it with the generator's texts.  Routing offers ``training.register``; the
demo calls it, so production code imports nothing from ``hotline.demo``
(``tests/unit/test_layers.py``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.city.schema import CityFile
from hotline.demo.texts import generate_demands
from hotline.routing.models import RoutingModel
from hotline.routing.training import register


def train_demo_models(db: Session, city: CityFile, *, n: int = 2500, seed: int = 99) -> list[RoutingModel]:
    """The category and unit models of a fresh demo, from ``n`` generated demands (no data files needed)."""
    tops = {c.code: c.name for c in city.categories}
    demands = generate_demands(city, n, seed=seed)
    texts = [f"{d.title}\n{d.content}" for d in demands]
    cat = register(db, purpose="category", texts=texts, labels=[tops[d.category_code[:2]] for d in demands],
                   source=f"demo generator ({n} demands)")
    unit = register(db, purpose="unit", texts=texts, labels=[d.lead_unit_code for d in demands],
                    source=f"demo generator ({n} demands)")
    return [cat, unit]
