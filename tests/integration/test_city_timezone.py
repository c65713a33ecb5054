"""The city's time zone (``city.timezone`` in the city file) is honoured everywhere, through one
helper (``hotline.city.service.city_tz``): KPI periods and their days, and the times pages show.

Europe/Berlin is a zone with summer time, so the test also covers a day boundary that moves
inside one period (the SQLite day of an order is computed per stretch of one UTC offset)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.loader import DEMO_CITY, _read
from hotline.city.service import city_tz
from hotline.config import get_settings
from hotline.kpi import periods, queries
from hotline.orders.models import Order
from tests.conftest import login
from tests.integration.helpers import dispatched

# both in the period 2026-03-28 … 2026-03-29 local; Berlin moves from +01:00 to +02:00 at 01:00 UTC on the 29th
BEFORE = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # Berlin 03-29 00:30 (+01:00) · Shanghai 03-29 07:30
AFTER = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)  # Berlin 03-30 00:30 (+02:00) · Shanghai 03-30 06:30
EVENING = datetime(2026, 3, 29, 17, tzinfo=UTC)  # Berlin 03-29 19:00 · Shanghai 03-30 01:00


@pytest.fixture
def city_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Switch the running city file to the demo city in another time zone."""
    def use(tz: str) -> None:
        data = _read(DEMO_CITY)  # the demo city with its includes merged
        data["city"] = {**data["city"], "timezone": tz}
        path = tmp_path / f"city-{tz.replace('/', '-')}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        monkeypatch.setenv("HOTLINE_CITY_FILE", str(path))
        get_settings.cache_clear()

    yield use
    monkeypatch.delenv("HOTLINE_CITY_FILE", raising=False)
    get_settings.cache_clear()


def _order_at(client, as_user, db: Session, at: datetime) -> str:  # type: ignore[no-untyped-def]
    number = dispatched(client, as_user, "dept-chengguan")
    order = db.scalar(select(Order).where(Order.number == number))
    assert order is not None
    order.created_at = at
    db.flush()
    return number


def test_periods_and_daily_volume_follow_the_city_time_zone(client, as_user, db: Session, city_in) -> None:  # type: ignore[no-untyped-def]
    _order_at(client, as_user, db, BEFORE)
    _order_at(client, as_user, db, AFTER)
    assert str(city_tz()) == "Asia/Shanghai"
    p = periods.custom(date(2026, 3, 29), date(2026, 3, 29))
    assert p.start == datetime(2026, 3, 28, 16, tzinfo=UTC)
    assert queries.daily_volume(db, p) == [("2026-03-29", 1)]  # AFTER is 03-30 in Shanghai

    city_in("Europe/Berlin")
    assert city_tz() == ZoneInfo("Europe/Berlin")
    p = periods.custom(date(2026, 3, 29), date(2026, 3, 29))
    assert (p.start, p.end) == (datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC))
    assert queries.daily_volume(db, p) == [("2026-03-29", 1)]  # BEFORE is 03-29 00:30 in Berlin
    two = periods.custom(date(2026, 3, 29), date(2026, 3, 30))
    # across the change of offset: AFTER is 03-30 00:30 (+02:00), not 03-29 23:30 (+01:00)
    assert queries.daily_volume(db, two) == [("2026-03-29", 1), ("2026-03-30", 1)]
    nov = periods.month(2026, 11)
    assert nov.start == datetime(2026, 10, 31, 23, tzinfo=UTC)  # Berlin is back on +01:00 in November


def test_pages_show_times_in_the_city_time_zone(client, as_user, db: Session, city_in) -> None:  # type: ignore[no-untyped-def]
    number = _order_at(client, as_user, db, BEFORE)
    login(client, "dispatcher", db=db)
    page = client.get(f"/orders/{number}").text
    assert "2026-03-29 07:30" in page
    city_in("Europe/Berlin")
    page = client.get(f"/orders/{number}").text
    assert "2026-03-29 00:30" in page and "2026-03-29 07:30" not in page
    # the order list's day filter (the dashboard's links) is the city's day too
    late = _order_at(client, as_user, db, EVENING)
    assert late in client.get("/orders?date_from=2026-03-29&date_to=2026-03-29").text
    city_in("Asia/Shanghai")
    assert late not in client.get("/orders?date_from=2026-03-29&date_to=2026-03-29").text


def test_imported_times_without_an_offset_are_the_city_s_wall_clock(city_in) -> None:  # type: ignore[no-untyped-def]
    from hotline.imports.flows import parse_time
    from hotline.imports.mapping import Mapping

    assert parse_time("2026-03-29 12:00", Mapping()) == datetime(2026, 3, 29, 4, tzinfo=UTC)
    city_in("Europe/Berlin")
    assert parse_time("2026-03-29 12:00", Mapping()) == datetime(2026, 3, 29, 10, tzinfo=UTC)  # +02:00 that day
    # a mapping that names its own zone keeps it
    assert parse_time("2026-03-29 12:00", Mapping(timezone="Asia/Shanghai")) == datetime(2026, 3, 29, 4, tzinfo=UTC)


def test_order_numbers_take_the_city_s_date(city_in) -> None:  # type: ignore[no-untyped-def]
    from hotline.orders.numbers import local_day

    assert local_day(EVENING) == date(2026, 3, 30)  # 01:00 in Shanghai
    city_in("Europe/Berlin")
    assert local_day(EVENING) == date(2026, 3, 29)  # 19:00 in Berlin
