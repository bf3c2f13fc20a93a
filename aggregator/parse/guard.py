"""Refuse documents that would make the XML parser do unbounded work.

A DOCTYPE that declares entities enables "billion laughs" and quadratic blow-up:
a 110 KB feed can cost feedparser tens of seconds and a gigabyte. No real feed
needs its own entity declarations, so any document whose prolog declares one is
refused before a parser sees it.
"""

from __future__ import annotations

import re

from ..errors import ParseError

_ROOT_START = re.compile(r"<[A-Za-z_]")


def check_prolog(text: str) -> None:
    """Raise ParseError when the prolog (before the root element) declares entities."""
    root = _ROOT_START.search(text)
    prolog = text[: root.start()] if root else text
    if "<!ENTITY" in prolog:
        raise ParseError("refused: the document declares XML entities (entity-expansion protection)")
