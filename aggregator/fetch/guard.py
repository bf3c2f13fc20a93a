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


def is_public(address: str) -> bool:
    """True for a globally routable unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def check_ip_literal(host: str) -> None:
    """Refuse a URL whose host is itself a non-public IP address (names are checked at resolve time)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return
    if not is_public(host.strip("[]")):
        raise FetchError(f"refused: private address {host.strip('[]')}")


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
            raise FetchError(f"refused: private address {shown} (for {host})")
        return public

    async def close(self) -> None:
        """Release the inner resolver."""
        await self._inner.close()


def make_resolver(allow_private: bool) -> Any:
    """The guarded resolver, or the default one when private networks are allowed."""
    return DefaultResolver() if allow_private else GuardedResolver()
