"""Turn fetched bytes into text, the way a careful browser would.

Order of evidence: a per-source override, a byte-order mark, the HTTP charset,
the document's own declaration (<?xml encoding>, <meta charset>, http-equiv),
then detection with charset-normalizer. GB2312 and GBK are read as GB18030, their
superset, so rare characters do not turn into replacement marks. Valid UTF-8 wins
over a legacy declaration: CMS templates often say gb2312 while the bytes are UTF-8.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "gb_2312-80": "gb18030", "csgb2312": "gb18030", "ms936": "gb18030", "windows-936": "gb18030",
    "euc-cn": "gb18030", "x-euc-cn": "gb18030", "hz-gb-2312": "hz",
    "big5": "big5hkscs", "x-big5": "big5hkscs",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252",
}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# XML 1.0 appendix F: an unmarked UTF-16/32 document still starts with "<?".
_XML_SIGNATURES = (
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"),
)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


@dataclass(frozen=True)
class Decoded:
    """Decoded text and how it was decided."""

    text: str
    encoding: str
    declared: str | None
    replaced: bool


def normalize_charset(name: str | None) -> str | None:
    """Map a declared charset label to the Python codec we decode it with (None if unknown)."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def http_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.I)
    return match.group(1) if match else None


def declared_charset(body: bytes) -> str | None:
    """The charset the document declares about itself, in its first 4 KB."""
    head = body[:4096]
    match = _XML_DECL.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _is_utf8_with_multibyte(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(b > 0x7F for b in body[:65536]) or len(body) > 65536


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode(body: bytes, content_type: str | None = None, override: str | None = None) -> Decoded:
    """Decode `body` to text, reporting the codec used and whether bytes were replaced."""
    if override:
        codec = normalize_charset(override) or "utf-8"
        text = _strict(body, codec)
        if text is not None:
            return Decoded(text, codec, override, False)
        return Decoded(body.decode(codec, "replace"), codec, override, True)

    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body[len(bom):].decode(codec, "replace")
            return Decoded(text, codec, codec, "\ufffd" in text)
    for signature, codec in _XML_SIGNATURES:
        if body.startswith(signature):
            text = body.decode(codec, "replace")
            return Decoded(text, codec, codec, "\ufffd" in text)

    declared = http_charset(content_type) or declared_charset(body)
    codec = normalize_charset(declared)
    if codec and codec != "utf-8" and _is_utf8_with_multibyte(body):
        return Decoded(body.decode("utf-8"), "utf-8", declared, False)
    if codec:
        text = _strict(body, codec)
        if text is not None:
            return Decoded(text, codec, declared, False)
    text = _strict(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", declared, False)

    best = charset_normalizer.from_bytes(body[:262144]).best()
    guess = normalize_charset(best.encoding) if best is not None else None
    codec = guess or codec or "utf-8"
    text = _strict(body, codec)
    if text is not None:
        return Decoded(text, codec, declared, False)
    return Decoded(body.decode(codec, "replace"), codec, declared, True)
