"""The address guard: no request may reach loopback, private, link-local or other non-public hosts.

Checked on every hop, after DNS: a public name that resolves to 10.0.0.5 is as
refused as http://10.0.0.5/ itself, and so is a redirect to 169.254.169.254.
`allow_private_networks` lifts the guard (tests, intranets).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from ..errors import FetchError


ALLOW_HINT = "set allow_private_networks = true to allow it"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix: the last 32 bits are IPv4
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local-use translation: never public
_V4_COMPAT = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible addresses (::a.b.c.d)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 transition form carries: mapped, 6to4, Teredo (server and client),
    NAT64. A 6to4 address such as 2002:7f00:1:: reaches 127.0.0.1 through a relay."""
    found = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64 or ip in _V4_COMPAT:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _global(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def is_public(address: str) -> bool:
    """True for a globally routable unicast address whose embedded IPv4 (if any) is public too."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return False
        embedded = _embedded_ipv4(ip)
        if embedded:
            # The embedding prefix itself may count as global (6to4, NAT64): the IPv4 inside decides.
            return all(_global(v4) for v4 in embedded)
    return _global(ip)


def check_ip_literal(host: str) -> None:
    """Refuse a URL whose host is itself a non-public IP address (names are checked at resolve time)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return
    if not is_public(host.strip("[]")):
        raise FetchError(f"refused: private address {host.strip('[]')} ({ALLOW_HINT})")


class GuardedResolver(AbstractResolver):
    """Resolves with the default resolver, then drops every non-public address."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        """Resolve `host`; raise FetchError when every address it has is non-public."""
        results = await self._inner.resolve(host, port, family)
        public = [r for r in results if is_public(r["host"])]
        if not public:
            shown = results[0]["host"] if results else host
            raise FetchError(f"refused: private address {shown} for {host} ({ALLOW_HINT})")
        return public

    async def close(self) -> None:
        """Release the inner resolver."""
        await self._inner.close()


def make_resolver(allow_private: bool) -> Any:
    """The guarded resolver, or the default one when private networks are allowed."""
    return DefaultResolver() if allow_private else GuardedResolver()
