"""cityfile: the city file round trip — the live configuration exported as a city file, and a city file
imported back with a diff preview (issue #18 item 6)."""
