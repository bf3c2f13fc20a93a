"""normalize.sanitize: the allowlist every stored body passes through, and plain text from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aggregator.normalize import plain_text, sanitize_html

DATA = Path(__file__).parent.parent / "data" / "normalize"
ARTICLE = "https://news.example.cn/politics/2024/11/03/1001.html"


def test_golden_article_body() -> None:
    raw = (DATA / "article_body.html").read_text(encoding="utf-8")
    expected = (DATA / "article_body.expected.html").read_text(encoding="utf-8")
    assert sanitize_html(raw, ARTICLE) + "\n" == expected


@pytest.mark.parametrize("tag", ["script", "style", "iframe", "noscript", "object", "template", "textarea"])
def test_dangerous_elements_are_removed_with_their_contents(tag: str) -> None:
    cleaned = sanitize_html(f"<p>before</p><{tag}>SECRET-CONTENT</{tag}><p>after</p>", ARTICLE)
    assert "SECRET-CONTENT" not in cleaned
    assert f"<{tag}" not in cleaned
    assert cleaned == "<p>before</p><p>after</p>"


@pytest.mark.parametrize("html", [
    '<p onclick="steal()">x</p>',
    '<img src="/a.png" onerror="steal()">',
    '<a href="/a" onmouseover="steal()">x</a>',
    '<div onload="steal()">x</div>',
])
def test_event_handlers_are_removed(html: str) -> None:
    cleaned = sanitize_html(html, ARTICLE)
    assert "steal" not in cleaned
    assert re.search(r"\son[a-z]+\s*=", cleaned) is None


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)",
                                  "vbscript:msgbox(1)"])
def test_script_links_lose_their_href(href: str) -> None:
    cleaned = sanitize_html(f'<a href="{href}">click</a>', ARTICLE)
    assert "href" not in cleaned
    assert "click" in cleaned


def test_data_url_is_removed_from_links() -> None:
    assert "data:" not in sanitize_html('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', ARTICLE)


def test_data_url_is_removed_from_images_unless_it_is_an_image() -> None:
    assert "data:" not in sanitize_html('<img src="data:text/html;base64,PHNjcmlwdD4=">', ARTICLE)


def test_data_image_is_kept_in_img_src() -> None:
    pixel = "data:image/png;base64,iVBORw0KGgo="
    assert sanitize_html(f'<img src="{pixel}" alt="p">', ARTICLE) == f'<img src="{pixel}" alt="p">'


@pytest.mark.parametrize(("html", "expected"), [
    ('<a href="/world/1.html">x</a>', "https://news.example.cn/world/1.html"),
    ('<a href="1000.html">x</a>', "https://news.example.cn/politics/2024/11/03/1000.html"),
    ('<a href="../02/9.html">x</a>', "https://news.example.cn/politics/2024/11/02/9.html"),
    ('<img src="img/a.jpg">', "https://news.example.cn/politics/2024/11/03/img/a.jpg"),
    ('<img src="//cdn.example.cn/b.jpg">', "https://cdn.example.cn/b.jpg"),
])
def test_relative_links_and_images_are_made_absolute_against_the_article(html: str, expected: str) -> None:
    assert f'"{expected}"' in sanitize_html(html, ARTICLE)


def test_mailto_links_are_kept() -> None:
    assert 'href="mailto:tips@example.cn"' in sanitize_html('<a href="mailto:tips@example.cn">x</a>', ARTICLE)


def test_links_get_noopener() -> None:
    assert 'rel="noopener noreferrer"' in sanitize_html('<a href="https://example.org/">x</a>', ARTICLE)


@pytest.mark.parametrize("html", [
    "<p>para</p>", "<strong>s</strong>", "<em>e</em>", "<b>b</b>", "<i>i</i>", "<br>",
    "<ul><li>one</li></ul>", "<ol><li>one</li></ol>", "<blockquote>q</blockquote>", "<h2>h</h2>",
    "<pre><code>x = 1</code></pre>", "<figure><figcaption>c</figcaption></figure>",
    '<table><tbody><tr><td colspan="2">c</td></tr></tbody></table>', "<sub>2</sub>", "<hr>",
])
def test_allowed_formatting_is_kept(html: str) -> None:
    assert sanitize_html(html, ARTICLE) == html


def test_styles_and_classes_are_dropped_but_the_text_stays() -> None:
    assert sanitize_html('<div class="x" style="color:red" id="y">t</div>', ARTICLE) == "<div>t</div>"


def test_h1_is_unwrapped_because_the_page_has_its_own() -> None:
    assert sanitize_html("<h1>Title</h1>", ARTICLE) == "Title"


def test_comments_are_dropped() -> None:
    assert sanitize_html("<p>a<!-- ad slot --></p>", ARTICLE) == "<p>a</p>"


def test_sanitize_is_idempotent() -> None:
    raw = (DATA / "article_body.html").read_text(encoding="utf-8")
    once = sanitize_html(raw, ARTICLE)
    assert sanitize_html(once, ARTICLE) == once


def test_plain_text_folds_whitespace_and_decodes_entities() -> None:
    assert plain_text("<p>  A &amp; B\n\n C&nbsp;</p>") == "A & B C"


def test_plain_text_keeps_words_of_separate_blocks_apart() -> None:
    assert plain_text("<p>First paragraph.</p><p>Second paragraph.</p><ul><li>one</li><li>two</li></ul>a<br>b") == \
        "First paragraph. Second paragraph. one two a b"


def test_plain_text_is_cut_with_an_ellipsis() -> None:
    text = plain_text("<p>" + "长" * 50 + "</p>", 10)
    assert text == "长" * 9 + "…"
    assert len(text) == 10


def test_plain_text_of_nothing_is_empty() -> None:
    assert plain_text("   ") == ""


def test_malformed_urls_are_dropped() -> None:
    cleaned = sanitize_html('<a href="http://[::1/x">x</a><img src="http://[bad" alt="b">', ARTICLE)
    assert cleaned == '<a rel="noopener noreferrer">x</a><img alt="b">'


def test_nesting_past_the_cap_is_flattened_keeping_the_text() -> None:
    from aggregator.normalize.sanitize import MAX_DEPTH, flatten_deep

    deep = "<div>" * 100_000 + "<p>正文</p>" + "</div>" * 100_000
    flat = flatten_deep(deep)
    assert flat.count("<div>") == MAX_DEPTH and flat.count("</div>") == MAX_DEPTH
    assert "<p>正文</p>" not in flat and "正文" in flat  # the <p> is past the cap too: its text stays
    out = sanitize_html(deep, "https://example.org/")
    assert "正文" in out and out.count("<div>") <= MAX_DEPTH


def test_ordinary_markup_is_left_as_it_is_by_the_depth_cap() -> None:
    from aggregator.normalize.sanitize import flatten_deep

    html = "<div><p>一<br>二</p><table><tr><td><b>三</b></td></tr></table></div>" * 50
    assert flatten_deep(html) == html


def test_stray_closing_tags_do_not_confuse_the_depth_cap() -> None:
    from aggregator.normalize.sanitize import flatten_deep

    html = "<div>" * 200 + "</span>" * 50_000 + "文" + "</div>" * 200
    flat = flatten_deep(html)
    assert "文" in flat and flat.count("<div>") == 64 and flat.count("</div>") == 64
