"""Canonical article URLs: absolute, fragment dropped, tracking parameters removed."""

from __future__ import annotations

from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

# Parameters that only say who shared or clicked a link; the article is the same without them.
_TRACKING_EXACT = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
    "_hsenc", "_hsmi", "mkt_tok", "spm", "isappinstalled", "wt.mc_id", "share_token", "s_trackid",
}
_TRACKING_PREFIXES = ("utm_",)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def absolute_url(url: str | None, base: str | None) -> str | None:
    """`url` resolved against `base`, or None when it is empty or not http(s)."""
    if not url or not url.strip():
        return None
    try:
        joined = urljoin(base or "", url.strip())
        parts = urlsplit(joined)
    except ValueError:  # e.g. "http://[::1/": an unreadable host is no link at all
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return joined


def _is_tracking(piece: str) -> bool:
    key = unquote_plus(piece.split("=", 1)[0]).lower()
    return key in _TRACKING_EXACT or key.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """The one spelling of an article URL used to recognise it again."""
    joined = absolute_url(url, base)
    if joined is None:
        return None
    try:
        parts = urlsplit(joined)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    # Filter the pieces as written: decoding and re-encoding would turn "?123" into
    # "?123=" and "%2F" into "/" or back, which some servers treat as another page.
    query = "&".join(p for p in parts.query.split("&") if p and not _is_tracking(p))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))
