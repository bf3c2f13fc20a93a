"""Category rules and category management: an article in several categories, rules that add or keep
out by title, body, 来源 or URL, applied to new and stored articles; remove, rename and merge."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer

from aggregator import store
from aggregator.errors import NotFoundError, RejectedError
from aggregator.pipeline import publish_site
from aggregator.store.rules import Rule
from tests.e2e.harness import Aggregator, free_port
from tests.feeds import item, rss
from tests.test_sightings import add, cycle

LONG = "这是一段足够长的正文，用来确保文章被完整保存并发布到订阅源和页面上。" * 3

ITEMS = [
    item(1, title="某某省纪委监委通报三起典型问题", description=f"<p>{LONG}一</p>",
         link="http://a.test/1.html", guid="http://a.test/1"),
    item(2, title="全国政协召开双周协商座谈会", description=f"<p>{LONG}会议指出，要深化巡视整改。</p>",
         link="http://a.test/2.html", guid="http://a.test/2"),
    item(3, title="【广告】某品牌新品上市", description=f"<p>{LONG}三</p>",
         link="http://a.test/ad/3.html", guid="http://a.test/ad/3"),
    item(4, title="国务院常务会议部署经济工作", description=f"<p>{LONG}四</p>",
         link="http://a.test/4.html", guid="http://a.test/4", source=("http://ccdi.test/", "中央纪委国家监委网站")),
]


def feed_titles(config, slug: str) -> list[str]:
    text = (config.public_dir / "feeds" / f"{slug}.rss").read_text(encoding="utf-8")
    return [t for t in ("纪委监委通报", "双周协商", "广告", "常务会议") if t in text]


@pytest.fixture
def fed(db, config, httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data(rss(ITEMS), content_type="application/rss+xml")
    add(db, httpserver.url_for("/feed"), category="时政")
    store.add_category(db, "fanfu", "反腐纪实")
    return db


def test_rules_route_a_new_article_to_two_categories_and_keep_one_out(fed, config) -> None:
    db = fed
    store.add_rule(db, Rule(None, "fanfu", "纪委"))  # title, plain substring
    store.add_rule(db, Rule(None, "fanfu", "巡视", field="body"))
    store.add_rule(db, Rule(None, "fanfu", "中央纪委国家监委网站", field="origin"))
    store.add_rule(db, Rule(None, "shizheng", r"/ad/\d+\.html$", field="url", regex=True, exclude=True))
    cycle(db, config)
    publish_site(db, config)
    assert feed_titles(config, "fanfu") == ["纪委监委通报", "双周协商", "常务会议"]
    assert feed_titles(config, "shizheng") == ["纪委监委通报", "双周协商", "常务会议"]  # the ad is kept out
    assert feed_titles(config, "all") == ["纪委监委通报", "双周协商", "广告", "常务会议"]
    counts = {r["slug"]: r["articles"] for r in store.list_categories(db)}
    assert counts == {"fanfu": 3, "shizheng": 3}


def test_rules_added_later_move_stored_articles_on_publish(fed, config) -> None:
    db = fed
    cycle(db, config)
    publish_site(db, config)
    assert feed_titles(config, "fanfu") == []
    store.add_rule(db, Rule(None, "fanfu", "纪委|巡视", field="title", regex=True))
    moves = store.apply_rules(db)
    assert [c for _, c in moves.added] == ["fanfu"] and moves.removed == []
    publish_site(db, config)
    assert feed_titles(config, "fanfu") == ["纪委监委通报"]
    (rule,) = store.list_rules(db)
    store.remove_rule(db, rule.id)
    moves = store.apply_rules(db)
    assert [c for _, c in moves.removed] == ["fanfu"]
    publish_site(db, config)
    assert feed_titles(config, "fanfu") == []
    assert store.apply_rules(db).added == []  # nothing left to move: applying is idempotent


def test_plain_patterns_are_substrings_and_bad_rules_are_refused(fed) -> None:
    db = fed
    with pytest.raises(RejectedError, match="does not compile"):
        store.add_rule(db, Rule(None, "fanfu", "纪委(", regex=True))
    with pytest.raises(RejectedError, match="looks at"):
        store.add_rule(db, Rule(None, "fanfu", "纪委", field="author"))
    with pytest.raises(RejectedError, match="non-empty"):
        store.add_rule(db, Rule(None, "fanfu", "  "))
    with pytest.raises(NotFoundError):
        store.add_rule(db, Rule(None, "nosuch", "纪委"))
    with pytest.raises(NotFoundError):
        store.remove_rule(db, 99)
    # "纪委(" as a plain pattern is a substring like any other: no regex surprises.
    rule = store.add_rule(db, Rule(None, "fanfu", "纪委("))
    assert rule.id is not None and store.add_rule(db, Rule(None, "fanfu", "纪委(")).id == rule.id


def test_removing_a_category_keeps_its_articles_reachable(fed, config) -> None:
    db = fed
    store.add_rule(db, Rule(None, "fanfu", "纪委"))
    cycle(db, config)
    publish_site(db, config)
    with pytest.raises(RejectedError, match="sources"):
        store.remove_category(db, "shizheng")  # its source still files articles there
    store.remove_category(db, "fanfu")
    assert store.list_rules(db) == []  # its rules went with it
    publish_site(db, config)
    assert not (config.public_dir / "feeds" / "fanfu.rss").exists()
    assert not (config.public_dir / "categories" / "fanfu.html").exists()
    assert feed_titles(config, "shizheng") == ["纪委监委通报", "双周协商", "广告", "常务会议"]


def test_rename_and_merge(fed, config) -> None:
    db = fed
    store.add_rule(db, Rule(None, "fanfu", "纪委"))
    cycle(db, config)
    store.rename_category(db, "fanfu", "纪检监察")
    assert store.get_category(db, "fanfu").name == "纪检监察"
    with pytest.raises(RejectedError, match="already category"):
        store.rename_category(db, "fanfu", store.get_category(db, "shizheng").name)
    store.merge_categories(db, "shizheng", "fanfu")
    assert store.get_category(db, "shizheng") is None
    assert {s.category for s in store.list_sources(db)} == {"fanfu"}
    assert {r["slug"]: r["articles"] for r in store.list_categories(db)} == {"fanfu": 4}
    publish_site(db, config)
    assert feed_titles(config, "fanfu") == ["纪委监委通报", "双周协商", "广告", "常务会议"]
    assert not (config.public_dir / "feeds" / "shizheng.rss").exists()
    with pytest.raises(RejectedError):
        store.merge_categories(db, "fanfu", "fanfu")


def test_catalog_rules_are_imported_with_the_sources(tmp_path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss(ITEMS), content_type="application/rss+xml")
    catalog = tmp_path / "feeds.toml"
    catalog.write_text(f"""
[categories.shizheng]
name = "时政要闻"
[categories.fanfu]
name = "反腐纪实"

[[sources]]
url = "{httpserver.url_for('/feed')}"
category = "shizheng"

[[rules]]
category = "fanfu"
pattern = "纪委"

[[rules]]
category = "shizheng"
pattern = "【广告】"
exclude = true
""", encoding="utf-8")
    app = Aggregator(tmp_path, free_port())
    app.run("sources", "import", str(catalog))
    app.run("sources", "import", str(catalog))  # safe to repeat: the rules are not doubled
    rules = json.loads(app.run("rules", "list", "--json").stdout)
    assert [(r["category"], r["pattern"], r["exclude"], r["origin"]) for r in rules] == [
        ("fanfu", "纪委", False, "catalog"), ("shizheng", "【广告】", True, "catalog")]
    app.run("fetch")
    public = tmp_path / "data" / "public" / "feeds"
    assert "纪委监委通报" in (public / "fanfu.rss").read_text(encoding="utf-8")
    assert "【广告】" not in (public / "shizheng.rss").read_text(encoding="utf-8")


@pytest.mark.e2e
def test_the_rules_and_categories_commands(tmp_path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss(ITEMS), content_type="application/rss+xml")
    app = Aggregator(tmp_path, free_port())
    app.run("sources", "add", httpserver.url_for("/feed"), "--category", "时政")
    app.run("categories", "add", "fanfu", "--name", "反腐纪实")
    app.run("fetch")
    dry = app.run("rules", "test", "反腐纪实", "纪委")
    assert "+ fanfu" in dry.stdout and "纪委监委通报" in dry.stdout and "1 articles would move" in dry.stdout
    assert "纪委监委通报" not in (tmp_path / "data/public/feeds/fanfu.rss").read_text(encoding="utf-8")
    added = app.run("rules", "add", "反腐纪实", "纪委")
    assert "rule 1" in added.stdout and "1 articles moved" in added.stdout
    assert "纪委监委通报" in (tmp_path / "data/public/feeds/fanfu.rss").read_text(encoding="utf-8")
    assert "纪委" in app.run("rules", "list").stdout
    bad = app.run("rules", "add", "fanfu", "纪委(", "--regex", check=False)
    assert bad.returncode == 2 and "does not compile" in bad.stderr and "Traceback" not in bad.stderr
    app.run("rules", "remove", "1")
    assert "纪委监委通报" not in (tmp_path / "data/public/feeds/fanfu.rss").read_text(encoding="utf-8")
    app.run("categories", "rename", "fanfu", "纪检监察")
    assert "纪检监察" in app.run("categories", "list").stdout
    app.run("categories", "merge", "fanfu", "shizheng")
    assert not (tmp_path / "data/public/feeds/fanfu.rss").exists()
    refused = app.run("categories", "remove", "shizheng", check=False)
    assert refused.returncode == 2 and "sources" in refused.stderr
    missing = app.run("categories", "remove", "nosuch", check=False)
    assert missing.returncode == 2
