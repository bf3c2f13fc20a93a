"""The byline: 发布时间 / 作者 / 来源 / 责任编辑 read from the text around an article.

Chinese CMS templates write one line of labelled fields under the headline, with
full-width or half-width colons, any spacing, and each label in its own span:
"发布时间:2024-11-03 10:55:33 作者:佚名   来源: 中共辽宁省委组织部". Reporters are also
credited without a label: "（记者邹伟）", a dateline "新华社北京5月19日电（刘艺、杨吉）",
or a first body line "中央纪委国家监委网站 李鹃". Editors (责任编辑, 责编, 编辑) are never authors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..dates import FoundDate, find_date
from .dom import clean_text

_FIELDS = {
    "date": ("发布时间", "发布日期", "发表时间", "发表日期", "发稿时间", "发文日期", "成文日期", "刊发时间",
             "出版时间", "时间", "日期"),
    "author": ("作者", "撰稿", "撰文", "记者", "文图", "文字", "发帖人", "楼主", "发布人", "发布者", "帖主"),
    "origin": ("信息来源", "文章来源", "稿件来源", "新闻来源", "来源单位", "来源", "出处", "发布机构", "发布单位"),
    "editor": ("责任编辑", "值班编辑", "责编", "编辑"),
    # An update time is not the publication time: it only marks a byline line.
    "updated": ("更新时间", "最后更新", "修改时间", "最后修改"),
    "link": ("原文链接", "原文地址", "原文网址"),
    # Labels that only end the value before them.
    "stop": ("审核", "校对", "通讯员", "摄影", "浏览次数", "点击数", "阅读数", "阅读量", "访问量", "浏览量",
             "字号", "字体", "分享到", "分享", "打印", "关闭", "索引号", "文号", "主题分类", "所属机构",
             "文章类型", "稿件类型", "类别", "栏目", "标签", "关键词", "点击", "浏览", "访问", "人气", "评论",
             "阅读", "热度"),
}
_LABEL_FIELD = {label: name for name, labels in _FIELDS.items() for label in labels}
# Each label may be spaced out ("来  源：", "作\u3000者："): up to two spaces between its characters.
_LABEL = re.compile(
    "(?P<label>" + "|".join(r"\s{0,2}".join(map(re.escape, label))
                            for label in sorted(_LABEL_FIELD, key=len, reverse=True)) + r")\s*[:：]\s*"
    r"|(?P<slash>(?<![\u4e00-\u9fff])文\s*[/／|｜]\s*)"  # "文/张三", "文｜张三"
)
# What ends a value besides the next label: a bar, brackets, a line break.
_VALUE_END = re.compile(r"[|｜\n【】\[\]]")
_TRIM = " \t:：,，;；.。、[]【】|｜⋅·•"
_PAIRS = {"(": ")", "（": "）", "《": "》", "“": "”", "<": ">"}
# A Han personal name, minority names with a middle dot included ("阿不都·热合曼").
_NAME = r"[\u4e00-\u9fff]{2,4}(?:[·•][\u4e00-\u9fff]{1,8})?"
_NAMES = rf"{_NAME}(?:\s*[、，,\s]\s*{_NAME})*"
# "（记者邹伟）", "(记者 叶婉 王五)", "（本报记者 张三）".
_REPORTER_PAREN = re.compile(rf"[（(][^（()）]{{0,10}}?记者[\s:：]*(?P<names>{_NAMES})\s*(?:[)）]|通讯员|实习生)")
# A short credit paragraph: "中青报·中青网记者 魏其濛", "本报记者 张三 李四", "记者：张三".
_REPORTER_LINE = re.compile(rf"^[^\s]{{0,20}}?记者[\s:：]*(?P<names>{_NAMES})(?=\s*$|\s+来源|\s+通讯员|\s+摄)")
# A dateline naming the reporters: "新华社北京5月19日电（刘艺、杨吉）".
_DATELINE = re.compile(rf"^.{{0,20}}?\d{{1,2}}月\d{{1,2}}日(?:电|讯)\s*[（(](?:记者\s*)?(?P<names>{_NAMES})[)）]")
# ccdi.gov.cn's unlabelled credit: an outlet, then the name ("中央纪委国家监委网站 李鹃").
_OUTLET_LINE = re.compile(
    rf"^(?P<outlet>[\u4e00-\u9fff·]{{2,20}}(?:网站|网|报|社|杂志|电视台|台|客户端|融媒体中心))\s+(?P<names>{_NAMES})$")
# A credit closing the body: "（记者 黄玥、孙少龙）", "（中央纪委国家监委网站 斯凌整理）".
_CLOSING_CREDIT = re.compile(
    rf"[（(]\s*(?:(?P<outlet>[\u4e00-\u9fff·]{{2,20}}(?:网站|网|报|社|杂志|台))\s*)?(?P<reporter>记者)?\s*"
    rf"(?P<names>{_NAMES})\s*[)）]\s*$")
# "文/张三", "撰文 张三" as a paragraph of its own.
_SLASH_LINE = re.compile(rf"^(?:文|撰文|作者)\s*[/／|｜:：\s]\s*(?P<names>{_NAMES})$")
_EDITOR_LINE = re.compile(r"^[(（\[【]?\s*(?:责任编辑|值班编辑|责编|编辑)\s*[:：]")
# An update time, removed before looking for an unlabelled publication date.
_UPDATED = re.compile(r"(?:更新时间|最后更新|修改时间|最后修改)\s*[:：]\s*[\d\-/年月日.]+(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?")
# Link texts of widgets that follow a byline value on the same line.
_WIDGET_TAIL = re.compile(r"(?:\s*(?:举报|分享|收藏|打印|纠错|关注|订阅|评论(?:\s*\(\d+\))?|\d+\s*条评论|"
                          r"人气\s*[:：]?.*|阅读\s*[:：].*|点击\s*[:：].*))+$")
_ROLE_PREFIX = re.compile(r"^(?:本报|本网|本台|本刊)?(?:记者|通讯员|特约记者)\s*(?=\S{2})")
# A staff number CMSs append to an editor's name ("杨倩_NF4425", "韩保林 PK155").
_STAFF_ID = re.compile(r"(?<=[\u4e00-\u9fff])[_\s]+[A-Za-z]{1,4}\d{2,}$")
# Words that follow reporters' names in credits and are not names.
_ROLE_WORDS = {"整合", "综合", "报道", "摄影", "摄", "实习生", "通讯员", "编译", "整理", "发自", "采写", "撰写", "供图"}
_NOT_NAMES = {"系统管理员", "管理员", "admin", "Admin", "administrator", "未知", "小编"}
# What follows a poster's name on forum bylines ("小王同学 发表于 2010-3-5").
_POSTED = re.compile(r"\s*(?:发表于|发布于|发表时间|回复于|发表|发布|于)\s*$")
# A reporter credited inside another field's value, without a label: "来源：某某日报 记者 李四 王五".
_INLINE_REPORTER = re.compile(rf"(?:^|\s)(?:本报|本网|本台|本刊)?(?:特约)?记者\s*[:：]?\s*(?P<names>{_NAMES})\s*$")
# Elements a template marks as the author or the origin by class or id alone.
_AUTHOR_CLASS = {"author", "writer", "zuozhe", "auth", "byline-author", "article-author", "post-author"}
_ORIGIN_CLASS = {"source", "origin", "laiyuan", "article-source", "from"}
_URL = re.compile(r"https?://[^\s<>\"'，。）)】\]]+")


@dataclass
class Byline:
    """Fields read from a byline; date_labelled says a label (发布时间...) introduced the date."""

    date: FoundDate | None = None
    date_labelled: bool = False
    author: str | None = None
    origin: str | None = None
    editor: str | None = None
    original_url: str | None = None

    def merge(self, other: Byline) -> None:
        """Fill the fields still empty from `other` (earlier evidence wins)."""
        if self.date is None and other.date is not None:
            self.date, self.date_labelled = other.date, other.date_labelled
        for name in ("author", "origin", "editor", "original_url"):
            if getattr(self, name) is None:
                setattr(self, name, getattr(other, name))

    def is_empty(self) -> bool:
        """True when nothing was found."""
        return not (self.date or self.author or self.origin or self.editor or self.original_url)


def squeeze_name(name: str) -> str:
    """"方  敏" -> "方敏": people.com.cn pads two-character names with spaces to align them."""
    parts = name.split()
    if len(parts) == 2 and all(re.fullmatch(r"[\u4e00-\u9fff]", p) for p in parts):
        return "".join(parts)
    return name


def _clean_value(value: str) -> str | None:
    """Trim separators, and brackets only where they are unbalanced: "光明网-《光明日报》" keeps its own."""
    value = clean_text(value).strip(_TRIM).strip()
    changed = True
    while value and changed:
        changed = False
        for left, right in _PAIRS.items():
            if value.startswith(left) and right not in value:
                value, changed = value[1:].strip(_TRIM), True
            elif value.endswith(right) and left not in value:
                value, changed = value[:-1].strip(_TRIM), True
            elif value.startswith(left) and value.endswith(right) and value.count(left) == 1:
                value, changed = value[1:-1].strip(_TRIM), True
    return value or None


def _strip_widgets(value: str) -> str:
    """Drop link texts of page widgets glued after a value ("证券市场红周刊 举报", "宪瑞 人气：5380")."""
    return _WIDGET_TAIL.sub("", clean_text(value))


def _person(value: str | None) -> str | None:
    """An author or editor value: no date, URL or widget text glued on, padded names squeezed."""
    if not value:
        return None
    value = _strip_widgets(_URL.sub("", value))
    date = find_date(value, "UTC")
    if date is not None:
        value = value.split(date.raw)[0]
    value = _POSTED.sub("", clean_text(value))
    value = _clean_value(value)
    value = _ROLE_PREFIX.sub("", value) if value else value  # "作者：记者 王芳" names 王芳
    if not value or len(value) > 40 or value.isdigit() or value in _NOT_NAMES:
        return None
    return squeeze_name(_STAFF_ID.sub("", value))


def names_of(text: str) -> str:
    """Credited names without the role words around them ("陈智 整合" -> "陈智", "斯凌整理" -> "斯凌")."""
    words = [w for w in re.split(r"(\s+|、|，|,)", clean_text(text))]
    kept: list[str] = []
    for word in words:
        if word.strip() in _ROLE_WORDS:
            continue
        for role in _ROLE_WORDS:
            if word.endswith(role) and len(word) - len(role) >= 2:
                word = word[: -len(role)]
                break
        kept.append(word)
    return clean_text("".join(kept)).strip("、，, ")


def _outlet(value: str | None) -> str | None:
    """An origin value: the outlet as written, without a date or a trailing link text."""
    if not value:
        return None
    value = _strip_widgets(value)
    date = find_date(value, "UTC")
    if date is not None:
        value = value.split(date.raw)[0]
    value = _clean_value(value)
    return value if value and len(value) <= 60 else None


def read_labels(text: str) -> dict[str, str]:
    """Map field -> raw value for the first occurrence of each labelled field in `text`.

    A value runs to the next label, a bar or a line break; a label whose value sits on
    the next line (<dt>来源：</dt><dd>新华网</dd>) takes that line when it is short.
    """
    found: dict[str, str] = {}
    matches = list(_LABEL.finditer(text))
    for index, match in enumerate(matches):
        name = "author" if match.group("slash") else _LABEL_FIELD[re.sub(r"\s", "", match.group("label"))]
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        chunk = text[match.end():end]
        stop = _VALUE_END.search(chunk)
        value = chunk[:stop.start()] if stop else chunk
        if not value.strip() and chunk.startswith("\n"):
            next_line = chunk.strip().split("\n", 1)[0]
            value = next_line if len(next_line) <= 30 else ""
        if name not in ("stop",) and name not in found and value.strip():
            found[name] = value
    return found


def parse_byline(text: str, tz: str, now: datetime | None = None) -> Byline:
    """Read the labelled fields of a byline text; an unlabelled date counts when nothing labels one."""
    labels = read_labels(text)
    reporter = None
    if "origin" in labels:
        credit = _INLINE_REPORTER.search(_strip_widgets(labels["origin"]))
        if credit:
            labels["origin"], reporter = _strip_widgets(labels["origin"])[:credit.start()], credit.group("names")
    byline = Byline(
        author=_person(labels.get("author")) or (names_of(reporter) if reporter else None),
        origin=_outlet(labels.get("origin")),
        editor=_person(labels.get("editor")),
    )
    if "link" in labels:
        url = _URL.search(labels["link"])
        byline.original_url = url.group(0) if url else None
    if "date" in labels:
        byline.date = find_date(labels["date"], tz, now=now)
        byline.date_labelled = byline.date is not None
    if byline.date is None:
        byline.date = find_date(_UPDATED.sub(" ", text), tz, now=now)
    return byline


def credit_author(paragraph: str) -> str | None:
    """The reporter a standalone credit paragraph names ("中央纪委国家监委网站 李鹃", "文/张三"), else None."""
    text = clean_text(paragraph)
    if not text or len(text) > 60:
        return None
    for pattern in (_OUTLET_LINE, _REPORTER_LINE, _SLASH_LINE):
        match = pattern.search(text)
        if match:
            return names_of(match.group("names")) or None
    return None


def reporter_in(paragraph: str) -> str | None:
    """A reporter credited inside running text: "（记者邹伟）" or a dateline's "电（刘艺、杨吉）"."""
    text = clean_text(paragraph)
    for pattern in (_REPORTER_PAREN, _DATELINE):
        match = pattern.search(text[:200])
        if match:
            return names_of(match.group("names")) or None
    return None


def closing_credit(text: str) -> str | None:
    """The reporter credited at the very end of a body: "（记者 黄玥、孙少龙）", "（XX网站 斯凌整理）"."""
    match = _CLOSING_CREDIT.search(clean_text(text)[-80:])
    if not match:
        return None
    names = match.group("names")
    glued_role = any(names.endswith(role) for role in _ROLE_WORDS)
    if not (match.group("outlet") or match.group("reporter") or glued_role):
        return None  # "（新华社）", "（上）": not a credit
    return names_of(names) or None


def is_editor_line(paragraph: str) -> bool:
    """True for a short "（责编：郝帅、杨迪）" / "【责任编辑:王頔】" line."""
    text = clean_text(paragraph)
    return len(text) <= 60 and bool(_EDITOR_LINE.search(text))


def original_link_in(paragraph: str) -> str | None:
    """The URL of a "原文链接：https://..." line, else None."""
    text = clean_text(paragraph)
    if not re.search(r"原文(?:链接|地址|网址)", text):
        return None
    url = _URL.search(text)
    return url.group(0) if url else None


def _tokens(element) -> set[str]:
    return {t.lower() for t in f"{element.get('class') or ''} {element.get('id') or ''}".split()}


def classed_byline(root) -> Byline:
    """Author and origin from elements the template marks by class or id alone
    (<span class="author">孙七</span>, <span class="source">某某网</span>), when no label names them."""
    byline = Byline()
    for element in root.iter("span", "div", "p", "em", "i", "a", "font", "li", "address"):
        tokens = _tokens(element)
        if not tokens or not (tokens & _AUTHOR_CLASS or tokens & _ORIGIN_CLASS):
            continue
        text = clean_text(element.text_content())
        if not text or len(text) > 40:
            continue
        labelled = parse_byline(text, "UTC")
        # Unlabelled text counts only when it reads as a bare name: no labels, colons or digits
        # (a profile box "股市行情 总篇数919篇" or "发布时间：10-08" is not one).
        bare = text if not read_labels(text) and not re.search(r"[:：\d]", text) else None
        if tokens & _AUTHOR_CLASS and byline.author is None:
            byline.author = labelled.author or (_person(bare) if bare and len(bare) <= 20 else None)
        if tokens & _ORIGIN_CLASS and byline.origin is None:
            byline.origin = labelled.origin or (_outlet(bare) if bare else None)
        if byline.author and byline.origin:
            break
    return byline


# A credit printed at the end of a headline: "以改革激发发展活力 本刊记者 周八", "… 文/张三".
_TITLE_CREDIT = re.compile(rf"\s+(?:(?:本刊|本报|本网)?(?:特约)?(?:记者|通讯员)|作者[:：]?|文\s*[/／])\s*(?P<names>{_NAMES})\s*$")


def title_credit(choice):
    """The title choice with a trailing reporter credit moved from the headline to its author."""
    text = choice.text or ""
    match = _TITLE_CREDIT.search(text)
    if not match or match.start() < 4:
        return choice
    return type(choice)(text[:match.start()].strip(), choice.element, choice.author or names_of(match.group("names")))
