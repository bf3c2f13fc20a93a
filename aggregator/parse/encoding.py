"""Turn fetched bytes into text, the way a careful browser would.

Order of evidence: a per-source override, a byte-order mark, the HTTP charset,
the document's own declaration (<?xml encoding>, <meta charset>, http-equiv),
then detection with charset-normalizer. GB2312 and GBK are read as GB18030, their
superset, so rare characters do not turn into replacement marks. Valid UTF-8 wins
over a legacy declaration: CMS templates often say gb2312 while the bytes are UTF-8.
An HTTP ISO-8859-1 (a server default more often than a choice) yields to the
document's declaration or to a detected CJK codec. A few broken bytes keep the
declared codec, with replacement marks and `replaced` set, rather than a wild guess.
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
# At most one character in this many non-ASCII ones may be broken for a codec to count as right.
_MAX_BROKEN_SHARE = 20
# Codecs where a broken byte shows as a replacement mark; a single-byte codec reads
# any bytes at all, so "nearly right" says nothing about it.
_MULTIBYTE = {"utf-8", "gb18030", "big5hkscs", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949"}
# The charset Java servlet containers and others send when nobody configured one.
_SERVER_DEFAULT = "cp1252"


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
    if body.isascii():
        return False  # ASCII reads the same in every declared codec: keep the declaration
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _nearly(body: bytes, codec: str) -> str | None:
    """The text when only a few characters are broken, None when the codec is plainly wrong.

    A feed with one truncated character should keep its codec (with a replacement
    mark); GBK read as UTF-8 breaks nearly every non-ASCII character instead.
    """
    if codec not in _MULTIBYTE:
        return None
    text = body.decode(codec, "replace")
    broken = text.count("\ufffd")
    non_ascii = sum(1 for ch in text if ord(ch) > 0x7F)
    return text if broken * _MAX_BROKEN_SHARE <= non_ascii else None


def _detect(body: bytes) -> str | None:
    """charset-normalizer's guess as one of our codecs (None when it has none)."""
    best = charset_normalizer.from_bytes(body[:262144]).best()
    return normalize_charset(best.encoding) if best is not None else None


def _candidates(http: str | None, document: str | None) -> list[str]:
    """The declared codecs to try, most trusted first."""
    codecs_ = [normalize_charset(http), normalize_charset(document)]
    # Java/Tomcat servers send charset=ISO-8859-1 by default; the document's own
    # declaration (say gb2312) is the better evidence then.
    if codecs_[0] == _SERVER_DEFAULT and codecs_[1]:
        codecs_.reverse()
    # Without a BOM or an XML signature the bytes are not UTF-16/32 whatever the
    # label says (WHATWG treats such a label as UTF-8): decoding by it makes gibberish.
    found: list[str] = []
    for codec in codecs_:
        if codec and not codec.startswith(("utf-16", "utf-32")) and codec not in found:
            found.append(codec)
    return found


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

    http = http_charset(content_type)
    document = declared_charset(body)
    declared = http or document
    candidates = _candidates(http, document)
    if any(c != "utf-8" for c in candidates) and _is_utf8_with_multibyte(body):
        return Decoded(body.decode("utf-8"), "utf-8", declared, False)
    if candidates == [_SERVER_DEFAULT] and not body.isascii():
        # Only a server default vouches for Latin-1, and Latin-1 reads any bytes at all
        # (GBK included, as mojibake): a detected multi-byte codec that fits wins. A
        # single-byte guess is no better than the label (it turns "crème" into "crčme").
        guess = _detect(body)
        text = _strict(body, guess) if guess in _MULTIBYTE else None
        if text is not None:
            return Decoded(text, guess, declared, False)
    for codec in [*candidates, "utf-8"]:
        text = _strict(body, codec)
        if text is not None:
            return Decoded(text, codec, declared, False)
    # Some bytes are broken: keep a declared codec (or UTF-8) that reads nearly all
    # of the text before asking detection, which guesses wildly on damaged input.
    for codec in [*candidates, "utf-8"]:
        text = _nearly(body, codec)
        if text is not None:
            return Decoded(text, codec, declared, True)

    guess = _detect(body)
    if candidates and guess not in _MULTIBYTE:
        # A declared codec with broken bytes beats a single-byte guess: the guess reads any
        # bytes at all, so it "fits" while turning every Chinese character into another script.
        codec = candidates[0]
        text = body.decode(codec, "replace")
        return Decoded(text, codec, declared, True)
    codec = guess or (candidates[0] if candidates else "utf-8")
    text = _strict(body, codec)
    if text is not None:
        return Decoded(text, codec, declared, False)
    text = body.decode(codec, "replace")
    return Decoded(text, codec, declared, "\ufffd" in text)
