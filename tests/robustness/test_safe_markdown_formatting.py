"""Harmless formatting survives rendering: code shown exactly, grounding marks around it, labels literal."""

from __future__ import annotations

import html
import re
import time

import pytest

from rag.presentation import UNSUPPORTED_TIP, answer_html, export_text, label_markdown
from tests.robustness.test_safe_markdown import CODE_REWRITES, MARK, PAYLOADS, WITH_HTML, _assert_inert, _text_nodes

CODE = r"a<b>&c [x](http://e.example) ![i](u) *s* _u_ ~t~ #h |p| :smile: -> <= -- www.e.example m@e.example \ $x$"


def test_inline_code_shows_exactly_as_written():
    rendered = WITH_HTML.render(answer_html(f"Use `{CODE}` now."))
    (content,) = re.findall(r"<code>(.*?)</code>", rendered)
    assert html.unescape(content.replace("<wbr>", "")) == CODE
    for node in _text_nodes(answer_html(f"`{CODE}`")):
        for pattern in CODE_REWRITES:
            assert not pattern.search(node), node
    exported = WITH_HTML.render(export_text(f"Use `{CODE}` now."))
    assert re.findall(r"<code>(.*?)</code>", exported) == [html.escape(CODE, quote=False)]


def test_stdio_is_escaped_once_in_inline_and_fenced_code():
    text = "Add `#include <stdio.h>` first:\n```c\n#include <stdio.h>\nint x = a && b;\n```"
    rendered = WITH_HTML.render(answer_html(text))
    assert rendered.count("&lt;stdio.h&gt;") == 2 and "&amp;lt;" not in rendered
    assert '<pre><code class="language-c">#include &lt;stdio.h&gt;\nint x = a &amp;&amp; b;\n</code></pre>' in rendered


def test_fences_keep_their_code_and_cannot_be_closed_from_inside():
    body = "print('```')\n```\n<b>&amp;</b>\n    [x](http://e.example)\n"
    for convert in (answer_html, export_text):
        rendered = WITH_HTML.render(convert(f"Code:\n~~~~python\n{body}~~~~\nafter *it*"))
        assert f'<pre><code class="language-python">{html.escape(body, quote=False)}</code></pre>' in rendered
        assert "<em>it</em>" in rendered
    assert "<pre><code>x &lt; y\n</code></pre>" in WITH_HTML.render(answer_html("1. step\n   ```\n   x < y\n   ```"))


def test_harmless_formatting_still_works():
    text = "# Title\n\nSome **bold**, *it* and `code`.\n\n- one\n- two\n\n3. three\n\n> quoted\n\nline one  \nline two"
    rendered = WITH_HTML.render(answer_html(text))
    for tag in ("<h1>", "<strong>bold</strong>", "<em>it</em>", "<code>code</code>", "<ul>", '<ol start="3">'):
        assert tag in rendered
    assert "<blockquote>" in rendered and "line one<br />" in rendered


def test_an_unsupported_sentence_is_underlined():
    result = answer_html("They eat herring. They love jazz.", ["They love jazz."])
    assert "They eat herring. <span" in result
    assert f'title="{UNSUPPORTED_TIP}">They love jazz.</span>' in result
    assert answer_html("They eat herring.", ["Not there."]) == "They eat herring."


def test_marks_go_around_code_and_urls_never_inside():
    text = "Penguins eat fish. Call `open(<path>)` at http://x.example/a now. Done."
    rendered = WITH_HTML.render(answer_html(text, ["Call `open(<path>)` at http://x.example/a now."]))
    code = r"<code>open\(&lt;path&gt;\)</code> at <code>http:(<wbr>)?//x\.example/a</code>"
    marked = rf"<span [^>]*>Call {code} now\.</span>"
    assert re.search(marked, rendered), rendered
    # A sentence cut inside code by the splitter still underlines the whole code span.
    rendered = WITH_HTML.render(answer_html("Run `a. B` now.", ["Run `a."]))
    assert re.search(r"<span [^>]*>Run <code>a. B</code></span> now.", rendered), rendered


def test_marks_skip_fenced_code_and_keep_list_markers():
    text = "Intro.\n```\nThey love jazz.\n```\nThey love jazz.\n\n- Penguins fly south.\n- They swim."
    rendered = WITH_HTML.render(answer_html(text, ["They love jazz.", "They love jazz.", "- Penguins fly south."]))
    assert "<pre><code>They love jazz.\n</code></pre>" in rendered
    assert f"{MARK}They love jazz.</span>" in rendered
    assert f"<li>{MARK}Penguins fly south.</span></li>" in rendered
    assert rendered.count("<span") == 2


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_marks_on_every_sentence_never_land_in_code(payload):
    text = f"Intro sentence. {payload[0]} Closing `x.` words. Last one.\n\n```\nFenced words.\n```"
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
    rendered = WITH_HTML.render(answer_html(text, sentences))
    _assert_inert(answer_html(text, sentences))
    for code in re.findall(r"<code[^>]*>.*?</code>", rendered, re.S):
        assert "<span" not in code and "</span>" not in code
    assert rendered.count("<span") == rendered.count("</span>")
    for marked in re.findall(r"<span [^>]*>(.*?)</span>", rendered, re.S):  # within one paragraph, item or cell
        assert not re.search(r"</?(p|pre|li|ul|ol|h\d|blockquote|t[rdh])\b", marked), marked


LABELS = [
    "**bold** [link](x) ![i](x)",
    "report_v2 (final) #3 <b>draft</b> `x` $5 and $6 | a ~~b~~",
    "- item",
    "1. chapter",
    "> quote",
    ":smile: :red[x] :material/home: :streamlit: a -> b <= c -- d",
    "see http://evil.example and www.evil.example or mail@evil.example",
    "back\\slash \\*not bold\\* &amp; &lt;",
]


@pytest.mark.parametrize("label", LABELS)
def test_labels_show_literally(label):
    page = _assert_inert(label_markdown(label + "\n  tail"), allow_html=False)
    assert {tag for tag, _ in page.tags} <= {"p", "code"}  # URLs, e-mails and arrows as code
    assert page.text == f"{label} tail"
    for node in _text_nodes(label_markdown(label)):
        for pattern in CODE_REWRITES:
            assert not pattern.search(node), node


def test_labels_collapse_whitespace():
    assert label_markdown("  a \n\t b  ") == "a b"


def test_export_keeps_code_and_drops_html():
    exported = export_text("A <b>bold</b> claim ![pic](http://e.example/p.png) [src](http://e.example/s) `<b>`")
    assert exported == "A &lt;b>bold&lt;/b> claim pic src (`http://e.example/s`) `<b>`"
    # In a table `|` splits cells even inside code, which would let a link out of it.
    table = export_text("| a |\n|---|\n| `x|[e](http://e.example)` |")
    assert r"`x\|[e](http://e.example)`" in table
    _assert_inert(table, in_streamlit=False)


@pytest.mark.parametrize(
    "text",
    ["[" * 20000, "`" * 5000 + " x", "` `` ``` " * 3000, "[" * 300 + "x" + "](http://e.example)" * 300, "a@" * 8000],
)
def test_pathological_input_is_fast(text):
    started = time.monotonic()
    for convert in (answer_html, export_text, label_markdown):
        convert(text)
    assert time.monotonic() - started < 5
