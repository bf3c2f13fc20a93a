"""Catalog files: the feeds/ TOML format and OPML, read and written back; the shipped catalog is valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from aggregator.catalog import read_catalog, to_opml, to_toml
from aggregator.errors import CatalogError
from aggregator.model import Source

ROOT = Path(__file__).parent.parent

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>订阅</title></head><body>
  <outline text="反腐纪实">
    <outline type="rss" text="纪检监察" xmlUrl="https://a.test/rss.xml"/>
    <outline type="rss" text="二级" xmlUrl="https://b.test/rss.xml" category="/dangjian"/>
  </outline>
  <outline type="rss" text="平铺" xmlUrl="https://c.test/rss.xml" category="shizheng,other"/>
  <outline type="rss" text="路径" xmlUrl="https://d.test/rss.xml" category="/China/guoji"/>
</body></opml>"""


def test_opml_category_from_attribute_or_enclosing_outline(tmp_path: Path) -> None:
    path = tmp_path / "subs.opml"
    path.write_text(OPML, "utf-8")
    entries = {e.url: e for e in read_catalog(path).entries}
    assert entries["https://a.test/rss.xml"].category == "反腐纪实"
    assert entries["https://a.test/rss.xml"].name == "纪检监察"
    assert entries["https://b.test/rss.xml"].category == "dangjian"
    assert entries["https://c.test/rss.xml"].category == "shizheng"
    assert entries["https://d.test/rss.xml"].category == "guoji"
    assert {e.kind for e in entries.values()} == {"feed"}


def test_opml_without_category_needs_a_default(tmp_path: Path) -> None:
    path = tmp_path / "flat.opml"
    path.write_text('<opml version="1.0"><body><outline xmlUrl="https://x.test/f"/></body></opml>', "utf-8")
    with pytest.raises(CatalogError, match="has no category"):
        read_catalog(path)
    assert read_catalog(path, "misc").entries[0].category == "misc"


def test_opml_external_entities_are_refused_not_expanded(tmp_path: Path) -> None:
    path = tmp_path / "evil.opml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<opml version="2.0"><body><outline text="&x;" xmlUrl="https://x.test/f" category="a"/>'
                    "</body></opml>", "utf-8")
    with pytest.raises(CatalogError) as err:
        read_catalog(path)
    assert "root:" not in str(err.value)


def test_toml_entry_errors_name_the_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[sources]]\nurl = "https://x.test/f"\ncategory = "a"\nevery = "5s"\n', "utf-8")
    with pytest.raises(CatalogError, match=r"bad.toml source #1: '5s' is shorter than the minimum"):
        read_catalog(path)


def test_export_round_trips_through_both_formats(tmp_path: Path) -> None:
    sources = [Source(id=1, url="https://a.test/rss.xml", category="fanfu", name="纪检", kind="feed", every=3600,
                      timezone="Asia/Shanghai")]
    categories = {"fanfu": "反腐纪实"}
    toml_path = tmp_path / "out.toml"
    toml_path.write_text(to_toml(categories, sources), "utf-8")
    back = read_catalog(toml_path)
    assert back.categories == categories
    (entry,) = back.entries
    assert (entry.url, entry.category, entry.name, entry.kind, entry.every, entry.timezone) == \
        ("https://a.test/rss.xml", "fanfu", "纪检", "feed", 3600, "Asia/Shanghai")
    opml_path = tmp_path / "out.opml"
    opml_path.write_text(to_opml(categories, sources, "站"), "utf-8")
    assert etree.parse(str(opml_path)).getroot().get("version") == "2.0"
    (again,) = read_catalog(opml_path).entries
    assert (again.url, again.category) == ("https://a.test/rss.xml", "fanfu")


def test_shipped_catalog_is_valid_and_documented() -> None:
    catalog = read_catalog(ROOT / "feeds")
    assert len(catalog.entries) >= 10
    assert {e.category for e in catalog.entries} <= set(catalog.categories)
    for path in sorted((ROOT / "feeds").glob("*.toml")):
        text = path.read_text("utf-8")
        # every [[sources]] entry is preceded by a comment saying where its URL is documented
        for block in text.split("[[sources]]")[:-1]:
            assert "Documented at:" in block.rsplit("\n\n", 1)[-1], path.name


@pytest.mark.parametrize("url, why", [
    ("http://exa mple.org/feed", "the host 'exa mple.org' contains a space"),
    ("http://example.org/a b.xml", "contains a space"),
    ("http://a.org:99999/feed", "Port out of range"),
    ("http://-bad-.org/feed", "not a valid domain name"),
    ("ftp://example.org/feed", "not an absolute http(s) URL"),
    ("example.org/feed", "not an absolute http(s) URL"),
])
def test_invalid_urls_are_refused_with_the_reason(url: str, why: str) -> None:
    from aggregator.catalog import check_url
    with pytest.raises(ValueError, match=re.escape(why)):
        check_url(url)


@pytest.mark.parametrize("url", ["http://中国政府网.政务/rss.xml", "https://www.ccdi.gov.cn/yaowenn/",
                                 "http://127.0.0.1:8080/feed", "http://[::1]:8080/f", "http://user:pw@a.org/f"])
def test_valid_urls_are_accepted(url: str) -> None:
    from aggregator.catalog import check_url
    assert check_url(url) == url
