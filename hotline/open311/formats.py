"""JSON and XML as GeoReport v2 writes them.

The spec's XML names the root after the collection and each item after its
kind: ``<services><service>…``, ``<service_requests><request>…``,
``<errors><error>…``.  ``None`` becomes an empty element, booleans ``true``/``false``.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from fastapi.responses import Response

from hotline.validation import printable

ITEM_NAMES = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint",
              "formats": "format", "attributes": "attribute", "values": "value"}
FORMATS = ("json", "xml")


def _fill(el: Element, value: Any) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _fill(SubElement(el, k), v)
    elif isinstance(value, list):
        item = ITEM_NAMES.get(el.tag, "item")
        for v in value:
            _fill(SubElement(el, item), v)
    elif value is None:
        el.text = ""
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    else:
        el.text = printable(str(value))  # rows stored before control characters were refused


def to_xml(root: str, value: Any) -> bytes:
    el = Element(root)
    _fill(el, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(el, encoding="unicode").encode()


def respond(fmt: str, root: str, value: Any, *, status_code: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, value), status_code=status_code, media_type="text/xml; charset=utf-8")
    return Response(json.dumps(value, ensure_ascii=False), status_code=status_code,
                    media_type="application/json; charset=utf-8")


class Open311Error(Exception):
    """An error in the spec's format: ``[{"code": 400, "description": "…"}]``."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description

    def response(self, fmt: str) -> Response:
        return respond(fmt if fmt in FORMATS else "json", "errors",
                       [{"code": self.code, "description": self.description}], status_code=self.code)
