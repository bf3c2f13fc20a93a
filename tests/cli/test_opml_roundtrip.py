"""Every source setting survives `sources export --format opml` -> `sources import` into an empty data dir."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree

from aggregator.catalog import read_opml
from tests.cli.test_exit_codes import run


def cli(data: Path, *args: str) -> str:
    done = run(data, *args)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode("utf-8")


def test_export_then_import_reproduces_every_source_exactly(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    cli(one, "categories", "add", "fanfu", "--name", "反腐纪实")
    cli(one, "sources", "add", "https://www.chinanews.com.cn/rss/fz.xml", "--category", "fanfu", "--kind", "feed",
        "--every", "2h", "--timezone", "Asia/Tokyo", "--name", "中新网·法治")
    cli(one, "sources", "add", "https://www.example.gov.cn/col/ffjs/", "--category", "时政要闻", "--kind", "page",
        "--link-selector", "ul.list li > a", "--body-selector", ".TRS_Editor", "--date-selector", ".pubtime",
        "--author-selector", ".author", "--origin-selector", ".source", "--title-selector", "h1.title",
        "--url-pattern", r"/t\d{8}_\d+\.html$", "--encoding", "gbk", "--every", "1h")
    cli(one, "sources", "add", "https://www.example.org/feed", "--category", "fanfu")
    cli(one, "sources", "disable", "3")
    opml = cli(one, "sources", "export", "--format", "opml")
    (tmp_path / "all.opml").write_text(opml, encoding="utf-8")
    cli(two, "sources", "import", str(tmp_path / "all.opml"))
    # Ids are the new data dir's own (OPML groups sources by category); everything else is the same.
    def listing(data: Path) -> list[dict]:
        rows = json.loads(cli(data, "sources", "list", "--json"))
        return sorted(({k: v for k, v in row.items() if k != "id"} for row in rows), key=lambda r: r["url"])

    assert listing(two) == listing(one)
    assert len(listing(one)) == 3
    assert read_opml_settings(cli(two, "sources", "export", "--format", "opml")) == read_opml_settings(opml)
    names = {c["slug"]: c["name"] for c in json.loads(cli(two, "categories", "list", "--json"))}
    assert names["fanfu"] == "反腐纪实" and "时政要闻" in names.values()
    # Other readers see a feed as a feed and the page source as a web page, not a feed to poll.
    outlines = {o.get("xmlUrl"): o.get("type") for o in etree.fromstring(opml.encode()).iter("outline")
                if o.get("xmlUrl")}
    assert outlines["https://www.chinanews.com.cn/rss/fz.xml"] == "rss"
    assert outlines["https://www.example.gov.cn/col/ffjs/"] == "link"


def test_a_third_party_opml_without_our_attributes_imports_as_before(tmp_path: Path) -> None:
    path = tmp_path / "reader.opml"
    path.write_text('<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
                    '<outline text="新闻"><outline type="rss" text="人民网" xmlUrl="http://www.people.com.cn/rss/politics.xml"/>'
                    '<outline text="某页" xmlUrl="https://www.example.org/page"/></outline></body></opml>', encoding="utf-8")
    catalog = read_opml(path)
    assert [(e.url, e.category, e.name, e.kind, e.enabled) for e in catalog.entries] == [
        ("http://www.people.com.cn/rss/politics.xml", "新闻", "人民网", "feed", True),
        ("https://www.example.org/page", "新闻", "某页", "auto", True)]


def read_opml_settings(opml: str) -> list[dict]:
    return sorted((dict(o.attrib) for o in etree.fromstring(opml.encode()).iter("outline") if o.get("xmlUrl")),
                  key=lambda a: a["xmlUrl"])
