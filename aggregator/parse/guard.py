"""Refuse documents that would make the XML parser do unbounded work.

A DOCTYPE that declares entities enables "billion laughs" and quadratic blow-up:
a 110 KB feed can cost feedparser tens of seconds and a gigabyte. No real feed
needs its own entity declarations, so any document that declares one is refused
before a parser sees it.
"""

from __future__ import annotations

from ..errors import ParseError

_REFUSED = "refused: the document declares XML entities (entity-expansion protection)"


def check_prolog(text: str) -> None:
    """Raise ParseError when the document declares entities (<!ENTITY outside comments and CDATA).

    The scan is linear and skips only comments and CDATA sections: a declaration can
    stand nowhere else but in a DTD, and looking merely "before the root element"
    was fooled by a comment or processing instruction holding a "<a" ahead of it.
    """
    pos = 0
    while True:
        start = text.find("<!", pos)
        if start < 0:
            return
        if text.startswith("<!--", start):
            end = text.find("-->", start + 4)
            skip = 3
        elif text.startswith("<![CDATA[", start):
            end = text.find("]]>", start + 9)
            skip = 3
        elif text.startswith("<!ENTITY", start):
            raise ParseError(_REFUSED)
        else:
            pos = start + 2
            continue
        if end < 0:
            # Unterminated: a lenient parser may still read what follows, so look at all of it.
            if "<!ENTITY" in text[start:]:
                raise ParseError(_REFUSED)
            return
        pos = end + skip
