"""Search over titles and bodies where two-character Chinese words such as 纪委 or 巡视 are found,
newest first, matches marked; the index follows every write of the article."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from aggregator import store
from aggregator.model import Article
from aggregator.store.search import grams
from tests.e2e.harness import Aggregator, free_port

T0 = datetime(2024, 11, 3, 2, 0, tzinfo=timezone.utc)


def article(n: int, title: str, body: str, days: int = 0) -> Article:
    when = T0 + timedelta(days=days)
    return Article(id=f"{n:016x}", key=f"k{n}", source_id=None, category="news", title=title, url=f"http://u.test/{n}",
                   guid=None, author=None, origin="新华网", origin_url=None, feed_url=None, published=when,
                   published_raw=None, date_missing=False, date_only=False, content_html=f"<p>{body}</p>",
                   summary="", content_hash=f"h{n}", first_seen=when, updated_at=when)


@pytest.fixture
def stored(db):
    store.add_category(db, "news", "新闻")
    store.upsert_articles(db, [
        article(1, "某省纪委监委通报三起典型问题", "通报指出，要持之以恒纠治“四风”。", days=1),
        article(2, "中央第三巡视组进驻某部", "巡视组将重点了解党组织履行主体责任情况。", days=3),
        article(3, "经济运行稳中有进", "国家统计局发布数据，纪检工作不在此列，委监二字分开写。", days=2),
        article(4, "Anti-corruption drive", "The CCDI (纪委) said it would step up inspections.", days=0),
    ])
    return db


def ids(hits) -> list[str]:
    return [h.id for h in hits]


def test_two_character_words_are_found_in_titles_and_bodies(stored) -> None:
    total, hits = store.search(stored, "纪委")
    assert total == 2 and ids(hits) == [f"{1:016x}", f"{4:016x}"]  # newest first
    total, hits = store.search(stored, "巡视")
    assert ids(hits) == [f"{2:016x}"]
    assert "<mark>巡视</mark>" in hits[0].snippet_html and "<mark>巡视</mark>" in hits[0].title_html


def test_a_longer_query_matches_only_where_its_characters_stand_together(stored) -> None:
    assert ids(store.search(stored, "纪委监委")[1]) == [f"{1:016x}"]  # 3 says 纪检 … 委监, not 纪委监委
    assert store.search(stored, "委监委")[0] == 1


def test_every_word_of_the_query_must_occur(stored) -> None:
    assert ids(store.search(stored, "纪委 四风")[1]) == [f"{1:016x}"]
    assert store.search(stored, "纪委 巡视")[0] == 0
    assert ids(store.search(stored, "CCDI inspections")[1]) == [f"{4:016x}"]
    assert ids(store.search(stored, "ccdi")[1]) == [f"{4:016x}"]  # Latin words without regard to case


def test_a_one_character_query_looks_at_titles(stored) -> None:
    assert ids(store.search(stored, "省")[1]) == [f"{1:016x}"]


def test_the_index_follows_updates_and_removals(stored) -> None:
    store.upsert_articles(stored, [article(3, "经济运行稳中有进", "新数据：巡视整改成效明显。", days=2).replace(content_hash="h3b")])
    assert ids(store.search(stored, "整改")[1]) == [f"{3:016x}"]
    store.take_down(stored, f"{2:016x}", "权利人来函")
    assert ids(store.search(stored, "巡视")[1]) == [f"{3:016x}"]
    count = stored.execute("select count(*) from article_search").fetchone()[0]
    assert count == store.count_articles(stored) == 3


def test_indexed_form_of_chinese_latin_and_numbers() -> None:
    assert grams("纪委监委2024年Work") == "纪委 委监 监委 2024 年 work"


def test_the_search_page_and_the_command(live_site, db, config, stored, tmp_path) -> None:
    server = live_site(config, db)
    url = f"{server}/search?q={urllib.parse.quote('纪委')}"
    with urllib.request.urlopen(url, timeout=10) as resp:
        page = resp.read().decode("utf-8")
    assert "共 2 篇文章含“纪委”" in page and "<mark>纪委</mark>" in page and 'name="q"' in page
    assert page.index(f"articles/{1:016x}") < page.index(f"articles/{4:016x}")
    with urllib.request.urlopen(f"{server}/search", timeout=10) as resp:
        assert 'type="search"' in resp.read().decode("utf-8")


@pytest.mark.e2e
def test_the_search_command(tmp_path) -> None:
    app = Aggregator(tmp_path, free_port())
    data = tmp_path / "data"
    db = store.open_db(data / "aggregator.db")
    store.add_category(db, "news", "新闻")
    store.upsert_articles(db, [article(1, "某省纪委监委通报三起典型问题", "通报指出，要持之以恒纠治“四风”。")])
    db.close()
    found = json.loads(app.run("search", "纪委", "--json").stdout)
    assert found["total"] == 1 and found["results"][0]["title"] == "某省纪委监委通报三起典型问题"
    assert "纪委" in app.run("search", "四风").stdout
    assert "no article contains" in app.run("search", "巡视").stdout
    empty = app.run("search", " ", check=False)
    assert empty.returncode == 2 and "Traceback" not in empty.stderr
