"""Split articles: every continuation page fetched to the end and the bodies joined in order, with
the headline, byline and site chrome once. Fixtures: tests/data/multipage (GBK, TRS pager script,
written for this project) and a UTF-8 article whose 下一页 links reveal one page at a time."""

from __future__ import annotations

import asyncio

import lxml.html
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aggregator import store
from aggregator.fetch import Fetcher
from aggregator.model import FetchResult, Selectors, utcnow
from aggregator.normalize import SourceContext, plain_text
from aggregator.parse.page import extract_article, page_number
from aggregator.parse.page.pages import continuation_links
from aggregator.pipeline import Refresher
from tests.conftest import DATA
from tests.test_sightings import add, cycle

MULTI = DATA / "multipage"
FIRST = "/gzdt/202411/t20241103_60001.html"


def serve_gbk(httpserver: HTTPServer) -> dict[str, int]:
    hits: dict[str, int] = {}

    def handler(request: Request) -> Response:
        hits[request.path] = hits.get(request.path, 0) + 1
        name = request.path.rsplit("/", 1)[-1]
        return Response((MULTI / name).read_bytes(), content_type="text/html")  # no charset: the meta says gb2312

    for name in ("t20241103_60001.html", "t20241103_60001_1.html", "t20241103_60001_2.html"):
        httpserver.expect_request(f"/gzdt/202411/{name}").respond_with_handler(handler)
    listing = "".join(f'<li><a href="/gzdt/202411/{n}">{t}</a><span>2024-11-0{i}</span></li>'
                      for i, (n, t) in enumerate([("t20241103_60001.html", "江南省深化基层监督“三级联动”工作纪实")], 3))
    httpserver.expect_request("/gzdt/").respond_with_data(
        f"<html><head><title>工作动态</title></head><body><ul class='list'>{listing}</ul></body></html>",
        content_type="text/html; charset=utf-8")
    return hits


def test_page_numbers_of_an_article_and_what_is_not_one() -> None:
    first = "http://x.test/c/202411/t20241103_60001.html"
    assert page_number("http://x.test/c/202411/t20241103_60001_1.html", first) == 2
    assert page_number("http://x.test/c/202411/t20241103_60001_12.html", first) == 13
    assert page_number("http://x.test/c/202411/t20241104_60002.html", first) is None  # 下一篇
    assert page_number("http://x.test/c/202410/t20241103_60001_1.html", first) is None  # another folder
    assert page_number("http://y.test/c/202411/t20241103_60001_1.html", first) is None
    assert page_number("http://x.test/a/view.php?id=7&page=2", "http://x.test/a/view.php?id=7") == 2
    assert page_number("http://x.test/a/view.php?id=8&page=2", "http://x.test/a/view.php?id=7") is None


def test_the_trs_pager_script_names_every_page_and_the_next_article_is_not_one() -> None:
    raw = (MULTI / "t20241103_60001.html").read_bytes().decode("gb18030")
    url = "http://x.test/gzdt/202411/t20241103_60001.html"
    links = continuation_links(lxml.html.fromstring(raw), raw, url, url)
    assert links == ["http://x.test/gzdt/202411/t20241103_60001_1.html",
                     "http://x.test/gzdt/202411/t20241103_60001_2.html"]
    page = extract_article(FetchResult(url=url, final_url=url, status=200, headers={}, body=raw.encode("gb18030")),
                           "Asia/Shanghai")
    assert page.next_pages == links


def test_a_three_page_gbk_article_is_stored_whole_with_its_chrome_once(db, config, httpserver: HTTPServer) -> None:
    hits = serve_gbk(httpserver)
    add(db, httpserver.url_for("/gzdt/"), kind="page")
    report = cycle(db, config)
    assert report.outcomes[0].new == 1, report.outcomes[0].error
    (article,) = store.latest_articles(db, None, 5)
    text = plain_text(article.content_html)
    starts = [text.index(marker) for marker in ("第一页正文开头", "第一页正文继续", "第二页：", "第二页正文结束", "第三页：")]
    assert starts == sorted(starts)  # in page order
    for once in ("第一页正文开头", "第二页：", "第三页：", "周明"):
        assert text.count(once) <= 1
    for chrome in ("网站首页", "版权所有", "下一篇", "当前位置"):
        assert chrome not in text
    assert article.title == "江南省深化基层监督“三级联动”工作纪实"
    assert (article.author, article.origin) == ("周明", "江南省纪委监委网站")
    assert all(hits.get(f"/gzdt/202411/{n}") == 1 for n in
               ("t20241103_60001.html", "t20241103_60001_1.html", "t20241103_60001_2.html"))
    assert store.get_article(db, article.id).url.endswith(FIRST)
    # The next fetch of the column fetches none of the pages again.
    store.update_source(db, 1, content_hash=None)
    cycle(db, config)
    assert hits[FIRST] == 1


def chain_page(n: int, total: int) -> str:
    nav = f'<a href="/news/view.php?id=9&page={n + 1}">下一页</a>' if n < total else ""
    prev = f'<a href="/news/view.php?id=9&page={n - 1}">上一页</a>' if n > 1 else ""
    return (f"<html><head><meta charset='utf-8'><title>一篇分页文章 - 某新闻网</title></head><body>"
            f"<div class='top'>某新闻网 导航</div><h1>一篇分页文章</h1>"
            f"<div class='info'>2024-11-05 08:00:00 来源：某新闻网</div>"
            f"<div class='article-content'><p>这是第{n}页的正文内容，篇幅足够长，足以被识别为正文段落。第{n}页结束。</p>"
            f"<p>补充说明第{n}页的内容，继续写一些文字，使正文更像一篇真实的新闻报道。</p></div>"
            f"<div class='pages'>{prev} {nav}</div><a href='/news/view.php?id=10'>下一篇：另一篇文章</a></body></html>")


def test_next_links_that_reveal_one_page_at_a_time_are_followed_to_the_end(config, db,
                                                                           httpserver: HTTPServer) -> None:
    total = 4

    def handler(request: Request) -> Response:
        n = int(request.args.get("page", "1"))
        return Response(chain_page(n, total), content_type="text/html; charset=utf-8")

    httpserver.expect_request("/news/view.php").respond_with_handler(handler)

    async def go():
        async with Fetcher(config) as fetcher:
            refresher = Refresher(db, config, fetcher, None)
            ctx = SourceContext(source_id=None, category="news", feed_url=httpserver.url_for("/news/"),
                                source_name="某新闻网", timezone="Asia/Shanghai")
            return await refresher.fetch_article(httpserver.url_for("/news/view.php") + "?id=9", ctx,
                                                 Selectors(), utcnow())
    extracted = asyncio.run(go())
    assert extracted.error is None and extracted.pages == total
    text = plain_text(extracted.article.content_html)
    assert [text.index(f"这是第{n}页") for n in range(1, total + 1)] == sorted(
        text.index(f"这是第{n}页") for n in range(1, total + 1))
    assert "另一篇文章" not in text


def test_extract_reads_a_split_article_as_ingest_does(tmp_path, httpserver: HTTPServer) -> None:
    import json

    from tests.e2e.harness import Aggregator, free_port

    serve_gbk(httpserver)
    app = Aggregator(tmp_path, free_port())
    done = app.run("extract", httpserver.url_for(FIRST), "--json")
    fields = json.loads(done.stdout)
    assert fields["pages"] == 3 and fields["encoding"] == "gb18030"
    assert "第三页：" in fields["body_text"] and fields["body_text"].count("第一页正文开头") == 1
    assert not (tmp_path / "data").exists()  # reading a page stores nothing
