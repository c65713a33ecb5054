"""Which webhook URLs the platform may call: public addresses only, unless a setting allows more.

Why: an admin-entered URL is a request the server makes on its own network.
Pointed at 127.0.0.1, 10.x, 169.254.169.254 (cloud metadata) and the like, it
reaches what the internet must not (server-side request forgery).  So loopback,
private, link-local, shared, multicast and reserved addresses are refused — when
the subscription is made (literal addresses and names that resolve now) and
again at each delivery (the name may resolve elsewhere later) — unless
``HOTLINE_WEBHOOK_ALLOW_PRIVATE=true`` (an intranet deployment, the tests).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_WEBHOOK_", extra="ignore")

    allow_private: bool = Field(False, description="Allow webhook URLs on loopback, private or link-local "
                                                   "addresses (intranet receivers, tests). Off by default.")


def _refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def refusal(url: str, *, resolve: bool = True, allow_private: bool | None = None) -> str | None:
    """Why this URL may not be called (an address), or None when it may."""
    if allow_private if allow_private is not None else WebhookSettings().allow_private:
        return None
    host = (urlsplit(url).hostname or "").strip("[]").lower()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return host or "(no host)"
    try:
        ips = [ipaddress.ip_address(host)]
    except ValueError:
        if not resolve:
            return None
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except OSError:
            return None  # not resolvable now: checked again at delivery
        ips = [ipaddress.ip_address(str(i[4][0]).split("%")[0]) for i in infos]
    for ip in ips:
        if _refused(ip):
            return str(ip)
    return None
