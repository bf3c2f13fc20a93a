"""Source catalogs: feeds/*.toml and OPML, read into entries and written back.

The TOML format (one file per category in feeds/, or one file for everything):

    [categories.fanfu]
    name = "反腐纪实"

    [[sources]]
    url = "https://example.org/rss.xml"   # required
    category = "fanfu"                     # slug (or a display name)
    name = "Example"                       # optional
    kind = "feed"                          # auto | feed | page
    every = "30m"                          # optional polling interval
    timezone = "Asia/Shanghai"             # optional, for dates without a zone
    selectors = { links = "ul.list a", body = ".TRS_Editor", url_pattern = "/t\\d{8}_", encoding = "gbk" }
                                           # optional, for page sources (each key optional)
    enabled = false                        # optional: imported but not polled

OPML: every setting survives export -> import as attributes in our own namespace
(OPML_NS, prefix agg) on each outline, beside the standard ones other readers use:

    <outline type="rss" text="中新网·国内" xmlUrl="https://..." category="/shizheng"
             agg:kind="feed" agg:every="30m" agg:timezone="Asia/Shanghai" agg:name="中新网·国内"/>
    <outline type="link" text="某某纪委" url="https://.../col/ffjs/" xmlUrl="https://.../col/ffjs/"
             agg:kind="page" agg:links="ul.list a" agg:url_pattern="/t\\d{8}_" agg:encoding="gbk"/>

A page source is type="link" (OPML 2.0's type for a web page), so readers do not subscribe to
an HTML page as if it were a feed; it keeps xmlUrl too, so our own import finds it. Outlines
without our attributes (any other reader's OPML) import as before.
"""

from __future__ import annotations

import codecs
import dataclasses
import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import tomli_w
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from .config import check_timezone, format_duration, parse_duration
from .errors import CatalogError
from .model import FULL_TEXT_MODES, SOURCE_KINDS, Selectors, Source


@dataclass
class CatalogEntry:
    """One source as a catalog describes it."""

    url: str
    category: str
    name: str | None = None
    kind: str = "auto"
    every: int | None = None
    timezone: str | None = None
    selectors: Selectors = field(default_factory=Selectors)
    enabled: bool = True
    full_text: str | None = None  # auto | always | never; None: the full_text setting


OPML_NS = "https://github.com/news-aggregator/aggregator/opml"
_SETTINGS = ("kind", "every", "timezone", "name", "enabled", "full_text")


@dataclass(frozen=True)
class CatalogRule:
    """A category rule as a catalog writes it ([[rules]]: category, pattern, field, regex, exclude)."""

    category: str
    pattern: str
    field: str = "title"
    regex: bool = False
    exclude: bool = False


@dataclass
class Catalog:
    """Categories (slug -> display name), source entries and category rules."""

    categories: dict[str, str] = field(default_factory=dict)
    entries: list[CatalogEntry] = field(default_factory=list)
    rules: list[CatalogRule] = field(default_factory=list)


RULE_FIELDS = ("title", "body", "origin", "url")


def _rule(raw: dict, where: str) -> CatalogRule:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: each [[rules]] entry must be a table")
    category, pattern = str(raw.get("category", "")).strip(), str(raw.get("pattern", ""))
    if not category or not pattern.strip():
        raise CatalogError(f"{where}: a rule needs a category and a pattern")
    field_name = str(raw.get("field", "title"))
    if field_name not in RULE_FIELDS:
        raise CatalogError(f"{where}: field must be one of {', '.join(RULE_FIELDS)}, got '{field_name}'")
    flags = {}
    for key in ("regex", "exclude"):
        value = raw.get(key, False)
        if not isinstance(value, bool):
            raise CatalogError(f"{where}: {key} must be true or false")
        flags[key] = value
    return CatalogRule(category, pattern, field_name, **flags)


SELECTOR_FIELDS = ("links", "title", "body", "date", "author", "origin")


def check_selectors(values: dict) -> Selectors:
    """Selectors from a mapping (TOML table or CLI options), each one checked; ValueError names the bad one."""
    unknown = set(values) - set(SELECTOR_FIELDS) - {"url_pattern", "encoding"}
    if unknown:
        raise ValueError(f"unknown selector key(s): {', '.join(sorted(unknown))}")
    checked: dict = {}
    for name in SELECTOR_FIELDS:
        css = values.get(name)
        if css:
            try:
                CSSSelector(str(css))
            except (SelectorError, ValueError, TypeError) as exc:
                raise ValueError(f"{name} selector {css!r} is not valid CSS: {exc}") from None
            checked[name] = str(css)
    if values.get("url_pattern"):
        try:
            re.compile(str(values["url_pattern"]))
        except re.error as exc:
            raise ValueError(f"url_pattern {values['url_pattern']!r} is not a valid regular expression: {exc}") from None
        checked["url_pattern"] = str(values["url_pattern"])
    if values.get("encoding"):
        try:
            codecs.lookup(str(values["encoding"]))
        except LookupError:
            raise ValueError(f"encoding {values['encoding']!r} is not a known charset (e.g. gbk, utf-8)") from None
        checked["encoding"] = str(values["encoding"])
    return Selectors(**checked)


def selectors_table(selectors: Selectors) -> dict:
    """The selectors as a TOML table (only the ones set)."""
    return {k: v for k, v in dataclasses.asdict(selectors).items() if v}


# Letters, digits, hyphens; underscores too, which DNS serves and some CMS hosts use.
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def _check_host(host: str) -> str | None:
    """Why `host` is not a usable host name or IP literal, or None when it is."""
    if any(ch.isspace() for ch in host):
        return f"the host '{host}' contains a space"
    if any(not ch.isprintable() for ch in host):
        return f"the host '{host}' contains a control character"
    try:
        ipaddress.ip_address(host.strip("[]"))
        return None
    except ValueError:
        pass
    try:
        ascii_host = host.rstrip(".").encode("idna").decode("ascii")  # 中国政府网.政务 is a valid name
    except UnicodeError:
        return f"the host '{host}' is not a valid domain name"
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in ascii_host.lower().split(".")):
        return f"the host '{host}' is not a valid domain name"
    return None


def check_url(url: str) -> str:
    """Return the URL stripped if it is a valid absolute http(s) URL, else raise ValueError saying why."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number in 0..65535
    except ValueError as exc:
        raise ValueError(f"'{url}' is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{url}' is not an absolute http(s) URL")
    why = _check_host(parts.hostname)
    if why is None and any(ch.isspace() or not ch.isprintable() for ch in url):
        why = "it contains a space or control character (write it %20-encoded)"
    if why is None and port == 0:
        why = "port 0 is not a port to fetch from"
    if why:
        raise ValueError(f"'{url}' is not a valid URL: {why}")
    return url


def _entry(raw: dict, where: str) -> CatalogEntry:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: each [[sources]] entry must be a table")
    try:
        url = check_url(str(raw.get("url", "")))
        category = str(raw.get("category", "")).strip()
        if not category:
            raise ValueError("missing 'category'")
        kind = str(raw.get("kind", "auto"))
        if kind not in SOURCE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(SOURCE_KINDS)}, got '{kind}'")
        every = parse_duration(str(raw["every"])) if "every" in raw else None
        tz = check_timezone(str(raw["timezone"])) if "timezone" in raw else None
        table = raw.get("selectors") or {}
        if not isinstance(table, dict):
            raise ValueError("selectors must be a table, e.g. selectors = { links = \"ul.list a\" }")
        selectors = check_selectors(table)
        full_text = str(raw["full_text"]) if "full_text" in raw else None
        if full_text is not None and full_text not in FULL_TEXT_MODES:
            raise ValueError(f"full_text must be one of {', '.join(FULL_TEXT_MODES)}, got '{full_text}'")
    except ValueError as exc:
        raise CatalogError(f"{where}: {exc}") from None
    name = str(raw["name"]).strip() if raw.get("name") else None
    enabled = raw.get("enabled", True)
    if isinstance(enabled, str):
        enabled = enabled.strip().lower() not in ("false", "0", "no")
    if not isinstance(enabled, bool):
        raise CatalogError(f"{where}: enabled must be true or false")
    return CatalogEntry(url=url, category=category, name=name, kind=kind, every=every, timezone=tz,
                        selectors=selectors, enabled=enabled, full_text=full_text)


def read_toml(path: Path) -> Catalog:
    """Read one catalog TOML file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path} is not valid TOML: {exc}") from None
    catalog = Catalog()
    for slug, table in (data.get("categories") or {}).items():
        name = table.get("name") if isinstance(table, dict) else None
        catalog.categories[slug] = str(name or slug)
    for index, raw in enumerate(data.get("sources") or [], start=1):
        catalog.entries.append(_entry(raw, f"{path} source #{index}"))
    for index, raw in enumerate(data.get("rules") or [], start=1):
        catalog.rules.append(_rule(raw, f"{path} rule #{index}"))
    return catalog


def _opml_category(outline: etree._Element) -> str | None:
    raw = (outline.get("category") or "").split(",")[0].strip()
    if raw:
        return raw.strip("/").rsplit("/", 1)[-1] or None
    parent = outline.getparent()
    while parent is not None and parent.tag == "outline":
        text = parent.get("text") or parent.get("title")
        if text:
            return text.strip()
        parent = parent.getparent()
    return None


def read_opml(path: Path, default_category: str | None = None) -> Catalog:
    """Read an OPML subscription list; the category comes from category= or the enclosing outline."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise CatalogError(f"{path} is not valid OPML: {exc}") from None
    if root.tag != "opml":
        raise CatalogError(f"{path} is not OPML (root element is <{root.tag}>)")
    catalog = Catalog()
    for index, outline in enumerate(root.iter("outline"), start=1):
        url = outline.get("xmlUrl") or outline.get("xmlurl")
        if not url:
            continue
        category = _opml_category(outline) or default_category
        if not category:
            raise CatalogError(f"{path} outline #{index} ({url}) has no category; pass --category")
        ours = {key: outline.get(f"{{{OPML_NS}}}{key}") for key in (*_SETTINGS, *SELECTOR_FIELDS,
                                                                      "url_pattern", "encoding")}
        ours = {k: v for k, v in ours.items() if v is not None}
        raw = {"url": url, "category": category, "name": outline.get("title") or outline.get("text"),
               "kind": "feed" if (outline.get("type") or "").lower() in ("rss", "atom") else "auto"}
        if ours:  # our own export: the admin's settings, exactly
            raw = {"url": url, "category": category} | {k: ours[k] for k in _SETTINGS if k in ours}
            raw["selectors"] = {k: ours[k] for k in (*SELECTOR_FIELDS, "url_pattern", "encoding") if k in ours}
        catalog.entries.append(_entry(raw, f"{path} outline #{index}"))
        group = outline.getparent()
        if group is not None and group.tag == "outline" and outline.get("category"):
            # Our export: category="/slug" on the outline, the display name on its group.
            name = group.get("text") or group.get("title")
            if name and category not in catalog.categories:
                catalog.categories[category] = name.strip()
    return catalog


def read_catalog(path: Path, default_category: str | None = None) -> Catalog:
    """Read a TOML or OPML file, or every *.toml in a directory (sorted), into one catalog."""
    if path.is_dir():
        merged = Catalog()
        for file in sorted(path.glob("*.toml")):
            part = read_toml(file)
            merged.categories.update(part.categories)
            merged.entries.extend(part.entries)
            merged.rules.extend(part.rules)
        return merged
    if not path.is_file():
        raise CatalogError(f"{path} does not exist")
    if path.suffix.lower() == ".toml":
        return read_toml(path)
    return read_opml(path, default_category)


def to_toml(categories: dict[str, str], sources: list[Source], rules: list[CatalogRule] = ()) -> str:
    """The catalog as TOML, in the feeds/ format."""
    doc = {
        "categories": {slug: {"name": name} for slug, name in sorted(categories.items())},
        "sources": [
            {k: v for k, v in {"url": s.url, "category": s.category, "name": s.name, "kind": s.kind,
                               "every": format_duration(s.every), "timezone": s.timezone,
                               "selectors": selectors_table(s.selectors) or None,
                               "enabled": None if s.enabled else False, "full_text": s.full_text}.items()
               if v is not None}
            for s in sources
        ],
    }
    if rules:
        doc["rules"] = [{"category": r.category, "pattern": r.pattern, "field": r.field}
                        | ({"regex": True} if r.regex else {}) | ({"exclude": True} if r.exclude else {})
                        for r in rules]
    return tomli_w.dumps(doc)


def to_opml(categories: dict[str, str], sources: list[Source], title: str) -> str:
    """The catalog as OPML 2.0: one outline per category holding its feeds."""
    root = etree.Element("opml", version="2.0", nsmap={"agg": OPML_NS})
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    for slug, name in sorted(categories.items()):
        members = [s for s in sources if s.category == slug]
        if not members:
            continue
        group = etree.SubElement(body, "outline", text=name, title=name)
        for s in members:
            standard = {"type": "link" if s.kind == "page" else "rss", "text": s.display_name,
                        "title": s.display_name, "xmlUrl": s.url, "category": f"/{slug}"}
            if s.kind == "page":
                standard["url"] = s.url
            elif s.site_url:
                standard["htmlUrl"] = s.site_url
            outline = etree.SubElement(group, "outline", **standard)
            ours = {"kind": s.kind, "every": format_duration(s.every), "timezone": s.timezone, "name": s.name,
                    "enabled": None if s.enabled else "false", "full_text": s.full_text} | selectors_table(s.selectors)
            for key, value in ours.items():
                if value is not None:
                    outline.set(f"{{{OPML_NS}}}{key}", str(value))
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")
