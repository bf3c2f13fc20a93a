"""html_to_text: the visible text of a title-like HTML fragment."""

from aggregator.parse.text import html_to_text


def test_script_and_style_contents_are_not_text() -> None:
    assert html_to_text("<p>Hello</p><script>alert(1)</script><style>p{}</style>") == "Hello"


def test_entities_decoded_and_space_folded() -> None:
    assert html_to_text("A &amp; <b>B</b>\n\n  C") == "A & B C"
