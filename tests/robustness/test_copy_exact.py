"""What a user copies from a quote, a passage, a file name or an answer is the text's own characters (issue 30, item
6): the escaping that keeps links, images and Streamlit's rewrites from forming adds nothing, visible or not.

The rendered text (markdown-it standing in for Streamlit, as in test_safe_markdown.py) is what a selection copies.
"""

from __future__ import annotations

import unicodedata

import pytest

from rag.presentation import answer_html, export_text, label_markdown, text_html
from tests.robustness.test_safe_markdown import CODE_REWRITES, _assert_inert, _text_nodes

# Text as a PDF holds it: commands, operators, addresses, and Markdown's own characters, none of them meant as such.
LITERAL = [
    "R --arch=name CMD INSTALL pkg",
    "if (x == y) z <- 1 else z <= 2",
    "see https://cran.r-project.org/doc/manuals/R-admin.html, then http://e.example/a?b=1&c=2.",
    "mail maintainer@r-project.org or www.r-project.org today",
    "snake_case_name, __init__ and _private_",
    "2 * 3 * 4 and *not emphasis* or **not strong**",
    "a `tick`, ``two`` and ```three",
    "[1] [a link](http://e.example/x) ![an image](http://e.example/i.png) <http://e.example/auto>",
    "a -> b <-> c -- d >= e ~= f",
    ":streamlit: :smile: 10:100:1 :material/home: :material_home: :red[x]",
    r"C:\Users\me & <b>not html</b> &amp; $x$ # not a heading",
]
# In an answer Markdown is the model's formatting: what it copies is the text a reader sees, code as written.
ANSWERS = {
    "Run `R --arch=name CMD INSTALL pkg` now.": "Run R --arch=name CMD INSTALL pkg now.",
    "Use `x == y` and `z <- 1`, or R --arch=name.": "Use x == y and z <- 1, or R --arch=name.",
    "See https://e.example/a_b and mail@e.example.": "See https://e.example/a_b and mail@e.example.",
    "Read [the manual](https://e.example/m), www.e.example.": "Read the manual (https://e.example/m), www.e.example.",
    "`a`https://e.example/x": "ahttps://e.example/x",
}


def _copied(markdown: str, allow_html: bool) -> str:
    """The rendered text, which is what selecting it and copying gives, with no format character taken out."""
    page = _assert_inert(markdown, allow_html=allow_html)
    assert not [c for c in markdown if unicodedata.category(c) == "Cf"], markdown
    return "".join(page.chunks).strip()


@pytest.mark.parametrize("text", LITERAL)
def test_labels_copy_as_written(text):
    assert _copied(label_markdown(text), allow_html=False) == text
    for node in _text_nodes(label_markdown(text)):
        for pattern in CODE_REWRITES:
            assert not pattern.search(node), node


@pytest.mark.parametrize("text", LITERAL)
def test_quotes_copy_as_written_with_links_as_plain_text(text):
    html = text_html(text)
    assert _copied(f"> {html}", allow_html=True) == text
    assert "`" not in html.replace("\\`", "")  # plain text: no code span, unlike a label
    for node in _text_nodes(html):
        for pattern in CODE_REWRITES:
            assert not pattern.search(node), node


def test_labels_show_what_streamlit_would_rewrite_as_code():
    label = label_markdown("R --arch=x, a -> b, 10:100:1, :streamlit:, mail@e.example, http://e.example/x.")
    assert label == r"R \-\-arch\=x\, a `->` b\, 10`:100:`1\, `:streamlit:`\, `mail@e.example`\, `http://e.example/x`\."


@pytest.mark.parametrize("text", ANSWERS)
def test_answers_copy_as_written(text):
    assert _copied(answer_html(text), allow_html=True) == ANSWERS[text]
    assert _copied(export_text(text), allow_html=False) == ANSWERS[text]


@pytest.mark.parametrize("text", [t for t in LITERAL if not set(t) & set("*_`[<&$#\\")])
def test_plain_answers_copy_as_written(text):
    assert _copied(answer_html(text), allow_html=True) == text
    assert _copied(export_text(text), allow_html=False) == text
