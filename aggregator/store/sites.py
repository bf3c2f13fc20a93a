"""Which site a link belongs to: the registered domain, with China's second-level domains."""

from __future__ import annotations

from urllib.parse import urlsplit

# Second-level domains under which the registrant's name is the third label (www.people.com.cn).
_CN_SLDS = {"com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn", "mil.cn", "com.hk", "org.hk", "gov.hk"}


def site_of(url: str | None) -> str | None:
    """The registered site of a URL: politics.people.com.cn -> people.com.cn, www.ccdi.gov.cn -> ccdi.gov.cn."""
    try:
        host = (urlsplit(url or "").hostname or "").rstrip(".")
    except ValueError:
        return None
    if not host or host.replace(".", "").isdigit() or ":" in host:
        return host or None  # an IP address is its own site
    labels = host.split(".")
    keep = 3 if ".".join(labels[-2:]) in _CN_SLDS else 2
    return ".".join(labels[-keep:])


def host_of(url: str | None) -> str:
    """The host name of a URL, lower case, without a trailing dot ("" when there is none)."""
    try:
        return (urlsplit(url or "").hostname or "").rstrip(".")
    except ValueError:
        return ""
