"""Open311 GeoReport v2: the international convention for civic service requests, over our orders."""
