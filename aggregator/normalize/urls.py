"""Canonical article URLs: absolute, fragment dropped, tracking parameters removed."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

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
    joined = urljoin(base or "", url.strip())
    parts = urlsplit(joined)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return joined


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
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in _TRACKING_EXACT and not k.lower().startswith(_TRACKING_PREFIXES)]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query, doseq=True), ""))
