"""The acting city: its file, its time zone, and the list of cities.

Mirroring a city file into the database (units, categories, users) is the org package's
(``hotline.org.cities``): this package comes first in the install order and imports no other.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.loader import cached_city
from hotline.city.models import City
from hotline.city.schema import CityFile
from hotline.city.tenancy import explicit_scope
from hotline.config import get_settings


def acting_city_file() -> str | None:
    """The path of the acting city's file: ``cities.file`` of the acting city; for the home city
    (and when none acts, or the provincial read-only scope, which has no file) the configured
    ``HOTLINE_CITY_FILE``, so a deployment's own configuration stays authoritative for it."""
    from hotline.city.tenancy import home_code

    scope = explicit_scope()
    if scope is not None and scope.file and scope.code != home_code():
        return scope.file
    return get_settings().city_file


def current_city() -> CityFile:
    """The acting city's file (``hotline.city.tenancy``)."""
    return cached_city(acting_city_file())


def city_tz() -> ZoneInfo:
    """The city's time zone (``city.timezone`` in the city file): the one source of local time.

    Statistics periods and their days, order numbers, displayed times, exports, telephony hours
    and the working-day calendar all read it here, so a city in another zone needs only its file.
    """
    return ZoneInfo(current_city().city.timezone)


def cities(db: Session) -> list[City]:
    """The cities of the province (not the province's own row), in the order they were made."""
    return list(db.scalars(select(City).where(City.kind == "city").order_by(City.id)))


