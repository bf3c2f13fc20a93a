"""URL facts for reading listing pages: absolute links, one site, what an article URL looks like.

parse may not import normalize (the stages are independent), so the little URL work a
listing needs lives here: links are made absolute and lose their fragment; the pipeline
canonicalises them again later.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

# Second-level labels under a country code that are public suffixes themselves
# (www.ccdi.gov.cn belongs to ccdi.gov.cn, not to gov.cn). Enough for Chinese sites and
# the common foreign ones without shipping the Public Suffix List.
_PUBLIC_SECOND_LEVEL = {
    "com", "net", "org", "gov", "edu", "ac", "mil", "co", "ne", "or", "go", "gob", "nic",
    # China's provincial second-level domains (bj.cn, gd.cn ...)
    "bj", "sh", "tj", "cq", "he", "sx", "nm", "ln", "jl", "hl", "js", "zj", "ah", "fj", "jx",
    "sd", "ha", "hb", "hn", "gd", "gx", "hi", "sc", "gz", "yn", "xz", "sn", "gs", "qh", "nx",
    "xj", "tw", "hk", "mo",
}
# A date in a path: /202411/, /20241103/, t20241103_, /2024-11/03/, /2024/11-03/, /2024/1103/,
# /2024/11/03/. The digit guards keep long numeric ids (3269560) from passing as dates.
_PATH_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}[-/_]?(?:0[1-9]|1[0-2])(?:[-/_]?(?:0[1-9]|[12]\d|3[01]))?(?!\d)")
_LONG_ID = re.compile(r"\d{4,}")
_NUMERIC_PARAM = re.compile(r"(?:^|&)[^=&]*=\d{4,}(?:&|$)")  # ?id=12345, not ?un=Christina70276
_ARTICLE_EXT = re.compile(r"\.(?:s?html?|xhtml|jhtml|php|aspx?|jsp)$", re.I)
# Attachments and media: a listing may link them, but they are no article to extract.
_FILE_EXT = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|wps|et|txt|csv|zip|rar|7z|gz"
                       r"|jpe?g|png|gif|bmp|webp|svg|mp[34]|flv|avi|apk|exe)$", re.I)
# The last path segment of a column (list) page rather than of an article.
_COLUMN_PAGE = re.compile(r"^(?:index|default|list|more|main|home)(?:_\d+)?(?:\.\w+)?$", re.I)


def resolve(base: str, href: str | None) -> str | None:
    """`href` made absolute against `base`, fragment dropped; None unless a web URL with a host."""
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    try:
        parts = urlsplit(urljoin(base, href))
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
    except ValueError:  # e.g. a malformed IPv6 host: no link at all
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def site_of(url: str) -> str:
    """The registrable domain of `url` (zgjjjc.ccdi.gov.cn -> ccdi.gov.cn), "" when it has no host."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""
    labels = host.split(".")
    if len(labels) <= 2 or host.replace(".", "").isdigit():
        return host  # a short name or an IPv4 literal is its own site
    if len(labels[-1]) == 2 and labels[-2] in _PUBLIC_SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(url: str, page_url: str) -> bool:
    """True when `url` is on the page's registrable domain or one of its subdomains."""
    site = site_of(url)
    return bool(site) and site == site_of(page_url)


def url_score(url: str) -> float:
    """How much `url` looks like an article: positive for dated or numbered pages, negative for columns."""
    parts = urlsplit(url)
    path = parts.path
    last = path.rsplit("/", 1)[-1]
    if (path in ("", "/") or path.endswith("/") or _COLUMN_PAGE.match(last)) and not parts.query:
        return -2.5  # the home page, a column, or a page of a column: never an article
    if _FILE_EXT.search(last):
        return -5.0
    score = 0.0
    if _PATH_DATE.search(path):
        score += 2.0
    elif _LONG_ID.search(last) or _NUMERIC_PARAM.search(parts.query):
        score += 1.0
    if _ARTICLE_EXT.search(last):
        score += 0.5
    elif "." not in last and not any(ch.isdigit() for ch in last) and not parts.query:
        score -= 1.5  # /sy/tz, /about: a section name, not a document
    return score
