"""Images that still show: bodies' images mirrored under public/media/ (content-addressed, type sniffed,
capped, fetched with the article as Referer), lazy-load attributes resolved, failures kept visible."""

from __future__ import annotations

import hashlib
import random
import struct
import urllib.request
import zlib

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aggregator import store
from aggregator.normalize.images import resolve_lazy_images
from aggregator.pipeline import publish_site, sweep_media
from aggregator.pipeline.media import sniff
from tests.feeds import item, rss
from tests.test_sightings import add, cycle


def png(width: int, seed: int = 0) -> bytes:
    """A real PNG of `width` x 1 pixels."""
    raw = b"\x00" + bytes((seed + i) % 256 for i in range(width * 3))
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data  # noqa: E731
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


TEXT = "<p>" + "江南省纪委监委召开全省纪检监察干部队伍建设推进会，部署下一阶段重点任务。" * 4 + "</p>"


@pytest.fixture
def images(httpserver: HTTPServer) -> dict:
    """An image host that only serves pages of its own site (Referer), and some bad images."""
    state = {"hits": {}, "referers": []}
    protected = png(40, 1)

    def handler(request: Request) -> Response:
        state["hits"][request.path] = state["hits"].get(request.path, 0) + 1
        referer = request.headers.get("Referer", "")
        state["referers"].append(referer)
        if request.path == "/img/protected.png":
            if "/news/" not in referer:
                return Response(b"hotlinking forbidden", status=403)
            return Response(protected, content_type="image/png")
        if request.path == "/img/lazy.png":
            return Response(png(30, 2), content_type="image/png")
        if request.path == "/img/fake.jpg":
            return Response(b"<html>not found</html>", content_type="image/jpeg")
        if request.path == "/img/huge.png":
            # Over max_image_bytes (100 kB in these tests): incompressible bytes behind a PNG signature.
            return Response(b"\x89PNG\r\n\x1a\n" + random.Random(3).randbytes(200_000), content_type="image/png")
        return Response(status=404)

    httpserver.expect_request(__import__("re").compile(r"^/img/.*")).respond_with_handler(handler)
    state["protected"] = protected
    return state


def body(httpserver: HTTPServer) -> str:
    return (TEXT + f'<p><img src="{httpserver.url_for("/img/protected.png")}" alt="会场"></p>'
            f'<p><img src="/static/loading.gif" data-original="{httpserver.url_for("/img/lazy.png")}"></p>'
            f'<p><img src="{httpserver.url_for("/img/fake.jpg")}"></p>'
            f'<p><img src="{httpserver.url_for("/img/huge.png")}"></p>')


def fed(db, config, httpserver: HTTPServer):
    link = httpserver.url_for("/news/1.html")
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss([item(1, link=link, guid=link, description=body(httpserver))]), content_type="application/rss+xml")
    add(db, httpserver.url_for("/feed.xml"))
    config = config.with_overrides(mirror_images=True, max_image_bytes=100_000)
    cycle(db, config)
    return config


def test_lazy_attributes_and_srcset_give_the_real_image() -> None:
    out = resolve_lazy_images('<img src="/s/loading.gif" data-original="/u/a.jpg" alt="图">'
                              '<img srcset="b-480.jpg 480w, b-960.jpg 960w">'
                              '<img data-src="/u/c.png" class="lazy">'
                              '<img src="/u/real.jpg" width="10">')
    assert 'src="/u/a.jpg"' in out and 'alt="图"' in out
    assert 'src="b-960.jpg"' in out
    assert 'src="/u/c.png"' in out
    assert '<img src="/u/real.jpg" width="10">' in out


def test_only_real_image_types_pass_the_sniffer() -> None:
    assert sniff(png(2)) == "png"
    assert sniff(b"\xff\xd8\xff\xe0" + b"\x00" * 20) == "jpg"
    assert sniff(b"GIF89a" + b"\x00" * 20) == "gif"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>") is None
    assert sniff(b"<html>404</html>") is None


def test_images_are_mirrored_with_the_article_as_referer_and_published_from_the_mirror(
        db, config, httpserver: HTTPServer, images) -> None:
    config = fed(db, config, httpserver)
    (article,) = store.latest_articles(db, None, 5)
    name = hashlib.sha256(images["protected"]).hexdigest()[:32] + ".png"
    assert (config.public_dir / "media" / name).read_bytes() == images["protected"]
    assert f'src="media:{name}"' in article.content_html  # stored independent of the address
    assert all(r.endswith("/news/1.html") for r in images["referers"])
    # The lazy image is mirrored too; the fake and the oversized keep their original absolute URLs.
    assert article.content_html.count('src="media:') == 2
    assert f'src="{httpserver.url_for("/img/fake.jpg")}"' in article.content_html
    assert f'src="{httpserver.url_for("/img/huge.png")}"' in article.content_html
    assert store.health_summary(db)["images_failed"] == 2
    publish_site(db, config)
    base = config.base_url
    page = (config.public_dir / "articles" / f"{article.id}.html").read_text(encoding="utf-8")
    feed = (config.public_dir / "feeds" / "all.rss").read_text(encoding="utf-8")
    assert f'src="{base}media/{name}"' in page and f"{base}media/{name}" in feed
    assert "media:" not in page


def test_a_re_poll_fetches_no_mirrored_image_again(db, config, httpserver: HTTPServer, images) -> None:
    config = fed(db, config, httpserver)
    store.update_source(db, 1, content_hash=None)
    report = cycle(db, config)
    assert report.outcomes[0].updated == 0
    assert images["hits"]["/img/protected.png"] == 1 and images["hits"]["/img/lazy.png"] == 1
    assert images["hits"]["/img/fake.jpg"] == 2  # a failure is tried again, a few times in all


def test_the_server_sends_mirrored_images_with_long_lived_cache_headers(live_site, db, config, httpserver: HTTPServer,
                                                                       images) -> None:
    config = fed(db, config, httpserver)
    publish_site(db, config)
    name = hashlib.sha256(images["protected"]).hexdigest()[:32] + ".png"
    server = live_site(config, db)
    with urllib.request.urlopen(f"{server}/media/{name}", timeout=10) as resp:
        assert resp.read() == images["protected"]
        assert resp.headers["Content-Type"] == "image/png"
        assert "immutable" in resp.headers["Cache-Control"] and "max-age=31536000" in resp.headers["Cache-Control"]
    for bad in ("../aggregator.db", "x.svg", f"{name[:-4]}.svg"):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{server}/media/{bad}", timeout=10)
        assert missing.value.code == 404


def test_media_no_article_shows_is_swept(db, config, httpserver: HTTPServer, images) -> None:
    config = fed(db, config, httpserver)
    (article,) = store.latest_articles(db, None, 5)
    assert len(list((config.public_dir / "media").iterdir())) == 2
    assert sweep_media(db, config) == 0  # all in use
    store.take_down(db, article.id, "权利人来函")
    assert sweep_media(db, config) == 2
    assert list((config.public_dir / "media").iterdir()) == []
