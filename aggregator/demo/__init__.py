"""`aggregator demo`: a sample upstream on 127.0.0.1, written for this project, so the product can be
seen working on a machine without internet: feeds, a summary-only feed whose articles are full pages,
a GBK column page in the seed's shape with a split article, and a story two outlets carry.

Every text here is invented for the demo; names, places and events are fictional.
"""

from __future__ import annotations

from html import escape

from .stories import STORIES

__all__ = ["upstream_files"]

DATES = ["Mon, 02 Nov 2026 09:{:02d}:00 +0800".format(10 + i) for i in range(20)]


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in text.strip().split("\n") if p.strip())


def _rss(title: str, link: str, items: list[str]) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>{link}</link><description>{escape(title)}（演示）</description>{''.join(items)}</channel></rss>"
            ).encode("utf-8")


def _item(base: str, story: dict, n: int, *, body: str | None = None, title: str | None = None,
          link: str | None = None) -> str:
    link = link or f"{base}/news/{story['slug']}.html"
    source = f'<source url="{base}/">{escape(story["origin"])}</source>' if story.get("origin") else ""
    return (f"<item><title>{escape(title or story['title'])}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{DATES[n]}</pubDate><author>{escape(story['author'])}</author>"
            f"<description>{escape(body if body is not None else _paragraphs(story['body']))}</description>"
            f"{source}</item>")


def _page(story: dict, *, site: str, column: str, body_html: str, script: str = "", encoding: str = "utf-8") -> bytes:
    html = f"""<!DOCTYPE html>
<html><head><meta charset="{encoding}"><title>{escape(story['title'])}_{column}_{site}</title>
<meta name="ArticleTitle" content="{escape(story['title'])}">
<meta name="PubDate" content="{story['when']}">
<meta name="ContentSource" content="{escape(story['origin'])}"></head>
<body><div class="header">{site} <a href="/">首页</a> <a href="/ffjs/">{column}</a></div>
<div class="crumb">当前位置：首页 &gt; {column}</div>
<h1>{escape(story['title'])}</h1>
<div class="info"><span>发布时间：{story['when']}</span> <span>作者：{escape(story['author'])}</span>
<span>来源：{escape(story['origin'])}</span></div>
<div class="TRS_Editor">{body_html}</div>{script}
<div class="footer">主办：{site}（演示站点） 版权所有</div></body></html>"""
    return html.encode("gb18030" if encoding == "gbk" else "utf-8")


def upstream_files(base: str) -> dict[str, tuple[bytes, str]]:
    """Every file of the sample upstream served at `base` (http://127.0.0.1:PORT): path -> (bytes, type)."""
    files: dict[str, tuple[bytes, str]] = {}
    news = [s for s in STORIES if s["kind"] == "news"]
    briefs = [s for s in STORIES if s["kind"] == "brief"]
    column = [s for s in STORIES if s["kind"] == "column"]
    # A news feed with full bodies, and a portal that reprints its first story under another title.
    files["/rss/shizheng.xml"] = (_rss("演示时政网·时政", f"{base}/", [_item(base, s, i) for i, s in enumerate(news)]),
                                  "application/rss+xml")
    first = news[0]
    files["/rss/portal.xml"] = (_rss("演示门户网·要闻", f"{base}/portal/", [_item(
        base, first | {"origin": "演示门户网"}, 0, title=f"【转载】{first['title']}",
        link=f"{base}/portal/{first['slug']}.html", body=_paragraphs("原标题：" + first["title"] + "\n" + first["body"]))]),
        "application/rss+xml")
    # A summary-only feed: one sentence per item, the article on its own page.
    teasers = [_item(base, s, i, body=f"<p>{escape(s['body'].strip().split(chr(10))[0][:40])}……</p>")
               for i, s in enumerate(briefs)]
    files["/rss/brief.xml"] = (_rss("演示快讯网·快讯", f"{base}/", teasers), "application/rss+xml")
    for story in briefs:
        files[f"/news/{story['slug']}.html"] = (_page(story, site="演示快讯网", column="快讯",
                                                      body_html=_paragraphs(story["body"])),
                                                "text/html; charset=utf-8")
    # A GBK column page with dated links, its articles in the seed's shape, the first split in two.
    links = "".join(f'<li><a href="/ffjs/202611/{s["slug"]}.html">{escape(s["title"])}</a>'
                    f'<span>{s["when"][:10]}</span></li>' for s in column)
    listing = (f'<html><head><meta charset="gbk"><title>反腐纪实_演示纪检监察网</title></head><body>'
               f'<div class="header">演示纪检监察网</div><ul class="list">{links}</ul></body></html>')
    files["/ffjs/"] = (listing.encode("gb18030"), "text/html")
    for i, story in enumerate(column):
        parts = story["body"].strip().split("\n\n")
        if i == 0 and len(parts) > 1:
            script = f'<div id="pagenav"></div><script>createPageHTML(2, 0, "{story["slug"]}", "html");</script>'
            files[f"/ffjs/202611/{story['slug']}.html"] = (_page(
                story, site="演示纪检监察网", column="反腐纪实", body_html=_paragraphs(parts[0]), script=script,
                encoding="gbk"), "text/html")
            script2 = f'<div id="pagenav"></div><script>createPageHTML(2, 1, "{story["slug"]}", "html");</script>'
            files[f"/ffjs/202611/{story['slug']}_1.html"] = (_page(
                story, site="演示纪检监察网", column="反腐纪实", body_html=_paragraphs(parts[1]), script=script2,
                encoding="gbk"), "text/html")
        else:
            files[f"/ffjs/202611/{story['slug']}.html"] = (_page(
                story, site="演示纪检监察网", column="反腐纪实", body_html=_paragraphs(story["body"].replace("\n\n", "\n")),
                encoding="gbk"), "text/html")
    return files
