"""Security plumbing shared by every page: response headers, who the client is, safe redirects, log redaction.

- ``SecurityHeaders`` (pure ASGI middleware) sends CSP, X-Frame-Options / frame-ancestors,
  X-Content-Type-Options and Referrer-Policy on every response, and HSTS only when the
  request came over https (directly, or as a trusted proxy says).  The CSP allows scripts
  from our own origin plus one per-request nonce (``request.state.csp_nonce``; templates
  write ``<script nonce="{{ csp_nonce }}">``), so an injected ``<script>`` or ``onclick=``
  does not run.
- ``client_ip`` / ``is_https`` believe ``X-Forwarded-For`` / ``X-Forwarded-Proto`` only
  when the TCP peer is listed in ``HOTLINE_TRUSTED_PROXIES``.
- ``local_path`` keeps a redirect target inside this site.
- ``RedactQuery`` removes ``api_key``, ``token`` and ``password`` values from access-log lines.

docs/security.md describes the threat model and where each control is tested.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.config import get_settings


def csp(nonce: str) -> str:
    """The console's policy.  Styles may be inline (style="" attributes, ECharts); scripts may not."""
    return ("default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


# ------------------------------------------------------------------ who is the client


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _trusted(host: str | None) -> bool:
    nets = _networks(tuple(get_settings().trusted_proxies))
    if not host or not nets:
        return False
    try:
        ip = ipaddress.ip_address(host.strip())
    except ValueError:
        return False
    return any(ip in n for n in nets)


def client_ip(request: Request) -> str:
    """The client's address: the TCP peer, unless the peer is a trusted proxy.

    Behind trusted proxies the address is the right-most ``X-Forwarded-For`` hop that is
    not itself a trusted proxy (hops to its left were written by the client and prove nothing).
    """
    peer = request.client.host if request.client else "unknown"
    if not _trusted(peer):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop
    return hops[0] if hops else peer


def is_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else None
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https" and _trusted(peer)


# ------------------------------------------------------------------ redirects

_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")


def local_path(target: str | None, *, default: str = "/", host: str | None = None) -> str:
    """``target`` if it is a path on this site, else ``default``.

    Refused: ``//evil.com``, ``https://evil.com``, ``/\\evil.com`` (browsers read a backslash
    as a slash), control characters.  With ``host`` an absolute URL of that same host (a
    Referer) is accepted and reduced to its path.
    """
    if not target or _CONTROL.search(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if host is None or parts.scheme not in ("http", "https") or parts.netloc != host:
            return default
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.netloc:
        return default
    return target


# ------------------------------------------------------------------ headers


class SecurityHeaders:
    """Adds the security headers to every HTTP response (without replacing ones a view set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        request = Request(scope)
        https = is_https(request)
        policy = csp(nonce)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in _headers(policy, https):
                    if name not in present:
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _headers(policy: str, https: bool) -> Iterable[tuple[bytes, bytes]]:
    yield b"content-security-policy", policy.encode()
    yield b"x-frame-options", b"DENY"
    yield b"x-content-type-options", b"nosniff"
    yield b"referrer-policy", b"strict-origin-when-cross-origin"
    if https:
        yield b"strict-transport-security", b"max-age=31536000; includeSubDomains"


# ------------------------------------------------------------------ access-log redaction

SECRET_PARAMS = ("api_key", "apikey", "token", "access_token", "password", "secret")
_SECRET_QS = re.compile(r"(?i)([?&](?:" + "|".join(SECRET_PARAMS) + r")=)[^&#\s]*")


def redact(text: str) -> str:
    """``/x?api_key=abc&b=1`` → ``/x?api_key=***&b=1``."""
    return _SECRET_QS.sub(r"\1***", text)


class RedactQuery(logging.Filter):
    """Rewrites a log record's arguments (uvicorn's access line puts the full path there)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


ACCESS_LOGGERS = ("uvicorn.access", "hotline.access")


def install_log_redaction() -> None:
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQuery) for f in logger.filters):
            logger.addFilter(RedactQuery())


def server_options() -> dict[str, Any]:
    """uvicorn options ``hotline serve`` / ``hotline demo`` start with.

    uvicorn's own proxy-header handling is off: by default it believes X-Forwarded-For from
    127.0.0.1 and rewrites the client address before we see it, so a local reverse proxy that
    passes the header through would let anyone choose their address.  ``client_ip`` decides instead.
    """
    return {"proxy_headers": False, "server_header": False}


def install(app: FastAPI) -> None:
    """Called once from ``create_app``."""
    app.add_middleware(SecurityHeaders)
    install_log_redaction()


__all__ = ["client_ip", "is_https", "local_path", "install", "redact", "server_options", "SecurityHeaders"]
