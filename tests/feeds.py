"""Feed documents for tests, written by hand in the shapes real upstreams use."""

from __future__ import annotations

from html import escape


def rss(items: list[dict], *, title: str = "测试源", link: str = "http://upstream.test/",
        encoding: str | None = "utf-8", extra_ns: str = "") -> str:
    """An RSS 2.0 document; each item dict may hold title, link, guid, description, pubDate, author, source."""
    parts = []
    for item in items:
        fields = []
        for key in ("title", "link", "guid", "pubDate", "author"):
            if key in item:
                fields.append(f"<{key}>{escape(item[key], quote=False)}</{key}>")
        if "description" in item:
            fields.append(f"<description>{escape(item['description'], quote=False)}</description>")
        if "source" in item:
            url, name = item["source"]
            fields.append(f'<source url="{escape(url)}">{escape(name)}</source>')
        fields.extend(item.get("raw", []))
        parts.append("<item>" + "".join(fields) + "</item>")
    decl = f'<?xml version="1.0" encoding="{encoding}"?>\n' if encoding else ""
    return (f'{decl}<rss version="2.0"{extra_ns}><channel><title>{escape(title)}</title><link>{link}</link>'
            f"<description>d</description>{''.join(parts)}</channel></rss>")


def atom(entries: list[dict], *, title: str = "Atom 源") -> str:
    """An Atom 1.0 document; entry dicts hold id, title, link, updated, published, content, author."""
    parts = []
    for e in entries:
        author = f"<author><name>{escape(e['author'])}</name></author>" if "author" in e else ""
        published = f"<published>{e['published']}</published>" if "published" in e else ""
        parts.append(
            f"<entry><id>{escape(e['id'])}</id><title>{escape(e['title'])}</title>"
            f'<link rel="alternate" href="{escape(e["link"])}"/><updated>{e["updated"]}</updated>{published}'
            f'{author}<content type="html">{escape(e.get("content", ""))}</content></entry>')
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>"
            f"<updated>2024-11-03T02:55:33Z</updated>{''.join(parts)}</feed>")


def item(n: int, **overrides: str) -> dict:
    """A typical dated item number n."""
    base = {"title": f"第{n}篇 文章", "link": f"http://upstream.test/a/{n}.html", "guid": f"http://upstream.test/a/{n}",
            "description": f"<p>正文第{n}段。</p>", "pubDate": f"Sun, 0{n % 9 + 1} Nov 2024 10:55:33 +0800"}
    base.update(overrides)
    return base
