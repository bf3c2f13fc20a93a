"""Near-duplicate clustering: copies of one story on different sites, with different chrome, spacing,
punctuation and headlines, are one article; different stories on one template and short notices
sharing boilerplate are not. Fixtures: tests/data/clusters (written for this project)."""

from __future__ import annotations

import itertools
from html import escape

import pytest
from pytest_httpserver import HTTPServer

from aggregator import store
from aggregator.config import Config
from aggregator.normalize.similarity import NUM_PERM, signature
from aggregator.pipeline import publish_site
from aggregator.store import clusters
from tests.conftest import DATA
from tests.feeds import item, rss
from tests.test_sightings import add, cycle, in_order, snapshot

CLUSTERS = DATA / "clusters"
SAME_STORY = ("story_origin", "story_reprint_portal", "story_reprint_news")
APART = ("other_same_template", "notice_a", "notice_b")


def text(name: str) -> str:
    return " ".join((CLUSTERS / f"{name}.txt").read_text(encoding="utf-8").split("\n"))


def html(name: str) -> str:
    """The fixture as a feed would carry it: one paragraph per line."""
    lines = (CLUSTERS / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return "".join(f"<p>{escape(line)}</p>" for line in lines if line.strip())


def test_the_index_cuts_the_whole_signature_into_its_bands() -> None:
    assert NUM_PERM == clusters.BANDS * clusters.ROWS


@pytest.mark.parametrize("a,b", list(itertools.combinations(SAME_STORY, 2)))
def test_copies_of_one_story_with_other_chrome_score_above_the_threshold(a: str, b: str) -> None:
    assert clusters.similarity(signature(text(a)), signature(text(b))) >= clusters.THRESHOLD + 0.1


@pytest.mark.parametrize("a,b", [(x, y) for x, y in itertools.combinations(SAME_STORY + APART, 2)
                                 if not (x in SAME_STORY and y in SAME_STORY)])
def test_different_stories_and_notices_sharing_boilerplate_score_well_below_it(a: str, b: str) -> None:
    assert clusters.similarity(signature(text(a)), signature(text(b))) <= clusters.THRESHOLD - 0.2


@pytest.mark.parametrize("name", SAME_STORY + APART)
def test_our_minhash_gives_the_values_of_datasketchs_default_minhash(name: str) -> None:
    """The signature is computed in our own code (so a datasketch upgrade cannot change the stored
    format); datasketch 2.0's MinHash on the same shingles is the reference it must equal."""
    import struct
    import zlib

    from datasketch import MinHash

    from aggregator.normalize.similarity import SEED, SHINGLE, similarity_text

    folded = similarity_text(text(name))
    reference = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32)
    reference.update_batch([folded[i:i + SHINGLE].encode("utf-8") for i in range(len(folded) - SHINGLE + 1)])
    assert signature(text(name)) == struct.pack(f"<{NUM_PERM}I", *(int(v) for v in reference.hashvalues))


def test_a_body_too_short_to_tell_has_no_fingerprint() -> None:
    assert signature("详见附件。特此通知。") == b""


def test_the_band_lookup_is_an_index_search_not_a_scan(db) -> None:
    keys = clusters.band_keys(signature(text("story_origin")))
    plan = " ".join(str(row) for row in db.execute(
        f"explain query plan select article_id, count(*) from lsh_bands where band in ({','.join('?' * len(keys))})"
        " group by article_id", keys).fetchall())
    assert "SEARCH lsh_bands USING PRIMARY KEY" in plan and "SCAN lsh_bands" not in plan


def serve_story(httpserver: HTTPServer) -> dict[str, str]:
    """Three outlets carrying the story (the origin on the story's own site: localhost), one on the
    origin's template with another story, and two notices sharing a paragraph."""
    origin_link = httpserver.url_for("/jnsjw/scdc/202411/t20241118_1.html")
    feeds = {
        "/origin.xml": [("story_origin", origin_link, "江南省交通运输厅原副厅长周立新被开除党籍和公职")],
        "/portal.xml": [("story_reprint_portal", "http://portal.test/news/1118/1.html",
                         "【转载】江南省交通运输厅原副厅长周立新被开除党籍和公职")],
        "/news.xml": [("story_reprint_news", "http://news.test/2024-11/18/c_1.htm",
                       "周立新被“双开”：曾违规插手工程项目招投标")],
        "/template.xml": [("other_same_template", httpserver.url_for("/jnsjw/scdc/202411/t20241120_2.html"),
                           "江南省水利厅原厅长陈国华被开除党籍和公职")],
        "/notices.xml": [("notice_a", "http://gov.test/tz/1.html", "关于全区机关事务工作会议延期召开的通知"),
                         ("notice_b", "http://gov.test/tz/2.html", "关于召开全区安全生产工作约谈会的通知")],
    }
    for path, stories in feeds.items():
        items = [item(n, link=link, guid=link, title=title, description=html(name))
                 for n, (name, link, title) in enumerate(stories, 1)]
        httpserver.expect_request(path).respond_with_data(rss(items, title=path), content_type="application/rss+xml")
    return {"origin": origin_link}


def add_outlets(db, httpserver: HTTPServer) -> None:
    # The reprints are added (so fetched) first; only the origin's feed is on the story's site.
    add(db, httpserver.url_for("/portal.xml").replace("localhost", "127.0.0.1"), name="某门户网")
    add(db, httpserver.url_for("/news.xml").replace("localhost", "127.0.0.1"), name="某新闻网")
    add(db, httpserver.url_for("/origin.xml"), name="江南省纪委监委网站")
    add(db, httpserver.url_for("/template.xml").replace("localhost", "127.0.0.1"), name="模板站")
    add(db, httpserver.url_for("/notices.xml").replace("localhost", "127.0.0.1"), name="区政府网")


def test_one_story_from_three_outlets_is_one_article_with_the_origin_as_primary(db, config,
                                                                                httpserver: HTTPServer) -> None:
    links = serve_story(httpserver)
    add_outlets(db, httpserver)
    cycle(db, config, [store.get_source(db, 1), store.get_source(db, 2)])
    first = store.latest_articles(db, None, 10)
    assert len(first) == 1 and first[0].source_id == 1  # the reprints cluster before the origin arrives
    publish_site(db, config)  # subscribers now know the story by its id
    cycle(db, config, [store.get_source(db, 3), store.get_source(db, 4), store.get_source(db, 5)])
    articles = store.latest_articles(db, None, 10)
    assert len(articles) == 4  # the story once, the other story on the template, two notices
    (story,) = [a for a in articles if "周立新" in a.title]
    assert story.id == first[0].id  # the GUID subscribers saw stays
    assert (story.source_id, story.url, story.origin) == (3, links["origin"], "江南省纪委监委网站")
    assert story.title == "江南省交通运输厅原副厅长周立新被开除党籍和公职"
    assert [name for name, _ in story.carried_by] == ["某门户网", "某新闻网"]
    assert [url for _, url in story.carried_by] == ["http://portal.test/news/1118/1.html",
                                                    "http://news.test/2024-11/18/c_1.htm"]


def test_the_published_feeds_and_page_show_the_story_once_with_the_outlets_that_carried_it(
        db, config, httpserver: HTTPServer) -> None:
    serve_story(httpserver)
    add_outlets(db, httpserver)
    cycle(db, config)
    publish_site(db, config)
    feeds = config.public_dir / "feeds"
    for name in ("all.rss", "all.atom", "news.rss", "news.atom"):
        document = (feeds / name).read_text(encoding="utf-8")
        assert document.count("周立新") >= 1
        assert document.count("江南省交通运输厅原副厅长周立新被开除党籍和公职</title>") == 1, name
        assert "【转载】" not in document and "周立新被“双开”" not in document
        assert "同时刊载于" in document and "http://portal.test/news/1118/1.html" in document
    (story,) = [a for a in store.latest_articles(db, None, 10) if "周立新" in a.title]
    page = (config.public_dir / "articles" / f"{story.id}.html").read_text(encoding="utf-8")
    assert "同时刊载于" in page and "某门户网" in page and "某新闻网" in page


def test_fetch_order_never_changes_a_published_byte_of_a_cluster(tmp_path, httpserver: HTTPServer) -> None:
    serve_story(httpserver)
    results = []
    for order in ([1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [3, 1, 5, 2, 4]):
        config = Config(data_dir=tmp_path / "-".join(map(str, order)), allow_private_networks=True,
                        parse_workers=1, host_delay=0, site_name="测试资讯网", base_url="http://127.0.0.1:8080/",
                        full_text="never", mirror_images=False)
        db = store.open_db(config.db_path)
        add_outlets(db, httpserver)
        in_order(db, config, order)
        publish_site(db, config)
        first = snapshot(config.public_dir)
        for again in (list(reversed(order)), order):
            in_order(db, config, again)
            assert publish_site(db, config).written == []
        assert snapshot(config.public_dir) == first
        results.append(first)
        db.close()
    assert results[0] == results[1] == results[2]


def test_the_index_is_kept_in_the_database_and_found_after_a_restart(config, httpserver: HTTPServer) -> None:
    serve_story(httpserver)
    db = store.open_db(config.db_path)
    add(db, httpserver.url_for("/origin.xml"), name="江南省纪委监委网站")
    cycle(db, config)
    stored = db.execute("select count(*) from lsh_bands").fetchone()[0]
    assert stored == clusters.BANDS
    db.close()
    db = store.open_db(config.db_path)  # a new process: nothing rebuilt, the bands are read from the file
    add(db, httpserver.url_for("/news.xml").replace("localhost", "127.0.0.1"), name="某新闻网")
    cycle(db, config, [store.get_source(db, 2)])
    assert store.count_articles(db) == 1
    (story,) = store.latest_articles(db, None, 5)
    assert [name for name, _ in story.carried_by] == ["某新闻网"]
    db.close()


def test_a_purged_source_takes_its_fingerprints_with_it(db, config, httpserver: HTTPServer) -> None:
    serve_story(httpserver)
    add(db, httpserver.url_for("/origin.xml"), name="江南省纪委监委网站")
    cycle(db, config)
    store.remove_source(db, 1, purge=True)
    for table in ("fingerprints", "lsh_bands", "article_categories"):
        assert db.execute(f"select count(*) from {table}").fetchone()[0] == 0, table


def test_signatures_made_another_way_are_dropped_not_compared(db) -> None:
    from aggregator.normalize.similarity import SIGNATURE_VERSION

    store.check_fingerprint_format(db, SIGNATURE_VERSION)
    with store.transaction(db):
        clusters.index_signature(db, "00000000000000aa", signature(text("story_origin")))
    assert not store.check_fingerprint_format(db, SIGNATURE_VERSION)  # same format: kept
    assert db.execute("select count(*) from lsh_bands").fetchone()[0] == clusters.BANDS
    assert store.check_fingerprint_format(db, "minhash-120-5-1")  # the SHA-1 signatures of an older version
    for table in ("fingerprints", "lsh_bands"):
        assert db.execute(f"select count(*) from {table}").fetchone()[0] == 0, table
