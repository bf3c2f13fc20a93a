"""Lazy-loaded images: the real address out of data-src and friends, before sanitizing drops them.

Chinese CMS and portal templates ship `<img src="loading.gif" data-original="/u/2024/a.jpg">` or only
a srcset; the sanitizer keeps src alone, so without this step a reader sees the placeholder.
"""

from __future__ import annotations

import html
import re

# The attributes lazy-loading scripts read, most specific first.
LAZY_ATTRS = ("data-original", "data-src", "data-lazy-src", "data-lazy", "data-url", "data-actualsrc",
              "data-echo", "original", "file")
_IMG = re.compile(r"<img\b[^>]*>", re.I | re.S)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""", re.S)
_PLACEHOLDER = re.compile(r"(?:^data:|blank|spacer|loading|lazy|placeholder|grey\.gif|pixel|1x1|transparent)", re.I)


def _attributes(tag: str) -> dict[str, str]:
    body = tag[4:].rstrip(">").rstrip("/")
    found: dict[str, str] = {}
    for match in _ATTR.finditer(body):
        name = match.group(1).lower()
        value = next((g for g in match.groups()[1:] if g is not None), "")
        found.setdefault(name, html.unescape(value))
    return found


def _largest(srcset: str) -> str | None:
    """The widest (or densest) candidate of a srcset: "a.jpg 480w, b.jpg 960w" -> b.jpg."""
    best, best_size = None, -1.0
    for part in srcset.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        size = 1.0
        if len(bits) > 1 and bits[1][:-1].replace(".", "", 1).isdigit() and bits[1][-1] in "wx":
            size = float(bits[1][:-1])
        if size > best_size:
            best, best_size = bits[0], size
    return best


def real_source(attrs: dict[str, str]) -> str | None:
    """Where the image really is: a lazy attribute, else src unless it is a placeholder, else the
    largest srcset candidate."""
    for name in LAZY_ATTRS:
        value = attrs.get(name, "").strip()
        if value and not value.startswith("data:"):
            return value
    src = attrs.get("src", "").strip()
    if src and not _PLACEHOLDER.search(src.rsplit("/", 1)[-1] if not src.startswith("data:") else src):
        return src
    for name in ("srcset", "data-srcset"):
        if attrs.get(name):
            found = _largest(attrs[name])
            if found:
                return found
    return src or None


def resolve_lazy_images(fragment: str) -> str:
    """The fragment with every <img> pointing at its real image (other attributes kept)."""
    if "<img" not in fragment.lower():
        return fragment

    def fix(match: re.Match) -> str:
        tag = match.group(0)
        attrs = _attributes(tag)
        src = real_source(attrs)
        if not src or src == attrs.get("src"):
            return tag
        kept = " ".join(f'{k}="{html.escape(v, quote=True)}"' for k, v in attrs.items()
                        if k not in ("src", "srcset", "data-srcset") and k not in LAZY_ATTRS)
        return f'<img src="{html.escape(src, quote=True)}"{" " + kept if kept else ""}>'

    return _IMG.sub(fix, fragment)
