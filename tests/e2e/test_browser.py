"""The pages for people in a real browser (headless Chromium from the distribution, driven by
Playwright): index -> category -> its later pages -> an article with its notice, 原文链接 and 来源 ->
search, on a desktop and a phone screen, no JavaScript needed. Screenshots go to tests/.screenshots/
(git-ignored). In the slow target (`make slow`)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from aggregator import store
from aggregator.model import Article
from tests.e2e.harness import Aggregator, free_port, wait_for
from tests.e2e.test_daemon import stop

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parent.parent / ".screenshots"
T0 = datetime(2024, 11, 3, 2, 0, tzinfo=timezone.utc)
# Flags for a closed network: no background requests to Google's services at every start.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def article(n: int) -> Article:
    when = T0 + timedelta(hours=n)
    return Article(id=f"{n:016x}", key=f"k{n}", source_id=None, category="fanfu",
                   title=f"第{n}条：某省纪委监委通报典型问题", url=f"https://origin.example.cn/a/{n}.html", guid=None,
                   author="记者 李明", origin="中央纪委国家监委网站", origin_url=None, feed_url=None, published=when,
                   published_raw=None, date_missing=False, date_only=False,
                   content_html=f"<p>第{n}篇正文：各级纪检监察机关要持续深化整治，推动巡视整改落实落地。</p>",
                   summary=f"第{n}篇摘要", content_hash=f"h{n}", first_seen=when, updated_at=when)


@pytest.fixture
def site(tmp_path):
    port = free_port()
    app = Aggregator(tmp_path, port)
    db = store.open_db(tmp_path / "data" / "aggregator.db")
    store.add_category(db, "fanfu", "反腐纪实")
    store.upsert_articles(db, [article(n) for n in range(1, 46)])
    db.close()
    app.run("publish")
    proc = app.popen("serve", "--port", str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(proc)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium comes with the slow target (make slow installs it)")
@pytest.mark.parametrize("screen", [{"width": 1280, "height": 900}, {"width": 375, "height": 740}])
def test_a_reader_browses_pages_reads_an_article_and_searches(site: str, screen: dict) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    tag = f"{screen['width']}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport=screen, java_script_enabled=False)  # nothing needs script
        page.goto(site)
        page.screenshot(path=SHOTS / f"index-{tag}.png", full_page=True)
        page.get_by_role("link", name="反腐纪实").first.click()
        assert page.url.endswith("/categories/fanfu")
        assert page.locator("ul.articles li").count() == 20
        page.get_by_role("link", name="下一页").click()
        assert page.url.endswith("/categories/fanfu/2")
        page.get_by_role("link", name="下一页").click()
        assert page.url.endswith("/categories/fanfu/3") and page.locator("ul.articles li").count() == 5
        page.screenshot(path=SHOTS / f"category-page3-{tag}.png", full_page=True)
        page.get_by_role("link", name="上一页").click()
        assert page.url.endswith("/categories/fanfu/2")
        page.locator("ul.articles li a").first.click()
        assert "/articles/" in page.url
        for text in ("[免责声明]", "原文链接", "来源:中央纪委国家监委网站"):
            assert page.get_by_text(text, exact=False).first.is_visible(), text
        # Dates and names are never broken across lines, on a phone either.
        for selector in (".byline span",):
            for element in page.locator(selector).all():
                assert element.evaluate("e => e.getClientRects().length") == 1, element.inner_text()
        page.screenshot(path=SHOTS / f"article-{tag}.png", full_page=True)
        page.locator("header form.search input[name=q]").fill("巡视")
        page.locator("header form.search button").click()
        assert "/search?q=" in page.url
        assert page.locator("ul.results li").count() == 20 and page.locator("mark").first.inner_text() == "巡视"
        assert "共 45 篇文章" in page.content()
        page.screenshot(path=SHOTS / f"search-{tag}.png", full_page=True)
        page.goto(site + "no/such/page")
        assert "页面不存在" in page.content()
        browser.close()
