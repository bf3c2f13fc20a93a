"""parse.encoding.decode: which codec the bytes are read with, and when it admits damage."""

from __future__ import annotations

import codecs

import pytest

from aggregator.parse.encoding import decode, declared_charset, http_charset, normalize_charset

# A realistic stretch of news text: detection needs more than a headline to go on.
NEWS = (
    "新华社北京11月3日电 国务院总理李强日前签署国务院令,公布《国务院关于修改和废止部分行政法规的决定》,"
    "自公布之日起施行。决定指出,为贯彻落实党中央、国务院关于深化改革的决策部署,推进严格规范公正文明执法,"
    "优化营商环境,国务院对涉及的行政法规进行了清理。经过清理,国务院决定对十二部行政法规的部分条款予以修改,"
    "对三部行政法规予以废止。有关部门负责人表示,下一步将加强对法规实施情况的监督检查,确保各项改革举措落到实处。"
)
RSS_GBK_TEXT = (
    "<rss version=\"2.0\"><channel><title>政务要闻</title><item><title>国务院公布修改和废止部分行政法规的决定</title>"
    f"<description>{NEWS}</description></item></channel></rss>"
)
RARE = "朱镕基 王堃 䶮"  # 镕 and 堃 are outside GB2312; 䶮 is only in GB18030's four-byte range


def test_plain_utf8() -> None:
    result = decode("<rss><title>中文标题</title></rss>".encode("utf-8"))
    assert (result.text, result.encoding, result.replaced) == ("<rss><title>中文标题</title></rss>", "utf-8", False)


@pytest.mark.parametrize(("bom", "codec"), [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
])
def test_byte_order_mark_decides_and_is_dropped(bom: bytes, codec: str) -> None:
    text = '<?xml version="1.0"?><rss><title>字节序标记</title></rss>'
    result = decode(bom + text.encode(codec))
    assert result.text == text
    assert result.encoding == codec
    assert result.replaced is False


def test_byte_order_mark_beats_a_contrary_http_charset() -> None:
    result = decode(codecs.BOM_UTF16_LE + "<rss>中文</rss>".encode("utf-16-le"), "text/xml; charset=gbk")
    assert result.text == "<rss>中文</rss>"


def test_unmarked_utf16_xml_is_recognised_by_its_first_characters() -> None:
    text = '<?xml version="1.0" encoding="utf-16"?><rss><title>无标记</title></rss>'
    result = decode(text.encode("utf-16-le"))
    assert (result.text, result.encoding) == (text, "utf-16-le")


def test_http_charset_is_used() -> None:
    result = decode(RSS_GBK_TEXT.encode("gbk"), "application/rss+xml; charset=GBK")
    assert result.text == RSS_GBK_TEXT
    assert result.encoding == "gb18030"
    assert result.declared == "GBK"


def test_http_charset_beats_the_document_declaration() -> None:
    text = '<?xml version="1.0" encoding="utf-8"?>' + RSS_GBK_TEXT
    result = decode(text.encode("gbk"), 'text/xml; charset="gbk"')
    assert result.text == text


def test_http_latin1_default_yields_to_the_document_declaration() -> None:
    # Tomcat and friends send ISO-8859-1 unless told otherwise; the XML says what it is.
    text = '<?xml version="1.0" encoding="gb2312"?>' + RSS_GBK_TEXT
    result = decode(text.encode("gbk"), "text/xml; charset=ISO-8859-1")
    assert result.text == text
    assert result.encoding == "gb18030"


def test_http_latin1_default_on_undeclared_gbk_bytes_yields_to_detection() -> None:
    result = decode(RSS_GBK_TEXT.encode("gbk"), "text/xml; charset=ISO-8859-1")
    assert result.text == RSS_GBK_TEXT
    assert result.encoding == "gb18030"


def test_http_latin1_on_real_latin1_text_is_kept() -> None:
    text = "<rss><title>Café crème brûlée à la carte, déjà vu, naïve façade</title></rss>"
    result = decode(text.encode("latin-1"), "text/xml; charset=ISO-8859-1")
    assert (result.text, result.encoding) == (text, "cp1252")


def test_xml_declaration_is_used() -> None:
    text = "<?xml version='1.0' encoding='GBK' standalone='yes'?>" + RSS_GBK_TEXT
    result = decode(text.encode("gbk"), "application/xml")
    assert result.text == text
    assert result.declared == "GBK"


def test_meta_charset_is_used() -> None:
    page = f'<!DOCTYPE html><html><head><meta charset="gbk"><title>要闻</title></head><body>{NEWS}</body></html>'
    result = decode(page.encode("gbk"), "text/html")
    assert result.text == page
    assert result.encoding == "gb18030"


def test_meta_http_equiv_is_used() -> None:
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            f'<title>要闻</title></head><body>{NEWS}</body></html>')
    result = decode(page.encode("gbk"), "text/html")
    assert result.text == page
    assert result.declared == "gb2312"


def test_gbk_without_any_declaration_is_detected() -> None:
    body = RSS_GBK_TEXT.encode("gbk")
    assert declared_charset(body) is None
    result = decode(body)
    assert result.text == RSS_GBK_TEXT
    assert result.encoding == "gb18030"
    assert result.replaced is False


def test_gb2312_declared_but_bytes_are_utf8_reads_utf8() -> None:
    text = '<?xml version="1.0" encoding="gb2312"?>' + RSS_GBK_TEXT
    result = decode(text.encode("utf-8"))
    assert result.text == text
    assert result.encoding == "utf-8"
    assert result.replaced is False


def test_gb2312_in_http_header_but_bytes_are_utf8_reads_utf8() -> None:
    result = decode(NEWS.encode("utf-8"), "text/html; charset=gb2312")
    assert (result.text, result.encoding) == (NEWS, "utf-8")


def test_gb2312_label_is_read_as_gb18030_so_rare_characters_survive() -> None:
    text = f'<?xml version="1.0" encoding="gb2312"?><rss><title>{RARE}</title></rss>'
    result = decode(text.encode("gb18030"))
    assert result.text == text
    assert result.encoding == "gb18030"
    assert "\ufffd" not in result.text


@pytest.mark.parametrize("label", ["gb2312", "GBK", "x-gbk", "cp936", "GB_2312-80", "EUC-CN", "gb18030"])
def test_chinese_labels_map_to_gb18030(label: str) -> None:
    assert normalize_charset(label) == "gb18030"


def test_unknown_label_maps_to_none() -> None:
    assert normalize_charset("x-no-such-charset") is None


def test_utf16_label_without_bom_is_ignored() -> None:
    # Read as UTF-16, these ASCII bytes would turn into CJK gibberish.
    text = '<?xml version="1.0" encoding="UTF-16"?><rss>ab</rss>'
    assert len(text) % 2 == 0
    result = decode(text.encode("ascii"))
    assert (result.text, result.encoding) == (text, "utf-8")


def test_per_source_override_wins_over_everything() -> None:
    text = '<?xml version="1.0" encoding="utf-8"?><rss><title>' + RARE + "</title></rss>"
    result = decode(text.encode("gb18030"), "text/xml; charset=utf-8", override="gb2312")
    assert result.text == text
    assert result.encoding == "gb18030"
    assert result.replaced is False


def test_override_that_does_not_fit_replaces_and_says_so() -> None:
    result = decode(NEWS.encode("gbk"), override="utf-8")
    assert result.encoding == "utf-8"
    assert result.replaced is True
    assert "\ufffd" in result.text


def test_broken_utf8_keeps_utf8_and_flags_replacement() -> None:
    good = ("<p>" + NEWS + "</p>").encode("utf-8")
    at = good.index("签署".encode("utf-8"))  # a stray byte between two characters
    broken = good[:at] + b"\xff" + good[at:]
    result = decode(broken)
    assert result.encoding == "utf-8"
    assert result.replaced is True
    assert result.text.count("\ufffd") == 1
    assert result.text.endswith(NEWS[-30:] + "</p>")


def test_truncated_gbk_keeps_declared_codec_and_flags_replacement() -> None:
    text = '<?xml version="1.0" encoding="gbk"?>' + RSS_GBK_TEXT
    body = text.encode("gbk")
    cut = body.index("国务院公布".encode("gbk")) + 1  # drop the second byte of 国
    result = decode(body[:cut] + body[cut + 1:])
    assert result.encoding == "gb18030"
    assert result.replaced is True
    assert NEWS in result.text


def test_clean_input_is_not_flagged() -> None:
    assert decode(RSS_GBK_TEXT.encode("gbk"), "text/xml; charset=gbk").replaced is False


@pytest.mark.parametrize(("header", "charset"), [
    ("text/xml; charset=utf-8", "utf-8"),
    ('text/html; Charset="GB2312"', "GB2312"),
    ("application/rss+xml", None),
    (None, None),
])
def test_http_charset_parameter(header: str | None, charset: str | None) -> None:
    assert http_charset(header) == charset
