"""Hostile text from PDFs and models, rendered as Markdown, loads no image and links nowhere; code stays as written.

markdown-it stands in for Streamlit's remark-gfm. Two things it does differently are modelled here: remark-gfm
(and Streamlit) rewrite *decoded* text nodes after parsing (bare URLs, e-mails, `:streamlit:`, `:smile:`, `->`),
so every text node of the rendered tree is searched for those patterns too; and with linkify-it-py missing,
that search is the only check on literal autolinks.
"""

from __future__ import annotations

import random
import re
import unicodedata
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from rag.presentation import UNSUPPORTED_STYLE, UNSUPPORTED_TIP, answer_html, export_text

try:
    import linkify_it  # noqa: F401

    HAS_LINKIFY = True
except ImportError:
    HAS_LINKIFY = False

MARK = f'<span style="{UNSUPPORTED_STYLE}" title="{UNSUPPORTED_TIP}">'


def _markdown_it(allow_html: bool, linkify: bool = HAS_LINKIFY) -> MarkdownIt:
    if linkify:
        md = MarkdownIt("gfm-like", {"html": allow_html, "linkify": True})
        md.linkify.set({"fuzzy_link": False})  # as in GFM: www. and http:// are links, a bare domain is not
        return md
    return MarkdownIt("commonmark", {"html": allow_html}).enable(["table", "strikethrough"])


WITH_HTML, WITHOUT_HTML = _markdown_it(True), _markdown_it(False)
# Only to see the text nodes as parsed: linkify would already have turned some into links.
TREE = _markdown_it(True, linkify=False)

# What remark-gfm (mdast-util-gfm-autolink-literal) and Streamlit look for in decoded text nodes.
AUTOLINK_LITERALS = [re.compile(r"(?:https?://|www(?=\.))[-.\w]+", re.I), re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+")]
STREAMLIT_REWRITES = [re.compile(r":streamlit:")]  # not checked in exports, which other viewers open
# Also rewritten, harmless in prose but not in code or labels: emoji shortcodes and typographic arrows.
CODE_REWRITES = [re.compile(r":[\w+-]+:"), re.compile(r"(?:^|\s)(?:<->|->|<-|--|>=|<=|~=)(?:\s|$)")]

ALLOWED_TAGS = {"p", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr"}
ALLOWED_TAGS |= {"th", "td", "br", "hr", "s", "del", "wbr", "span", "h1", "h2", "h3", "h4", "h5", "h6"}


class _Page(HTMLParser):
    def __init__(self, rendered: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.feed(rendered)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.chunks).split())


def _text_nodes(markdown: str) -> list[str]:
    """The text nodes a Markdown parser builds: runs of text between any other inline element."""
    nodes: list[str] = []
    for block in TREE.parse(markdown):
        run: list[str] = []
        for child in block.children or []:
            if child.type in ("text", "text_special", "softbreak"):
                run.append(child.content if child.type != "softbreak" else "\n")
            else:
                nodes.append("".join(run))
                run = []
        nodes.append("".join(run))
    return [n for n in nodes if n]


def _assert_inert(markdown: str, allow_html: bool = True, in_streamlit: bool = True) -> _Page:
    rendered = (WITH_HTML if allow_html else WITHOUT_HTML).render(markdown)
    page = _Page(rendered)
    # Nothing invisible (a word joiner, a zero-width space) keeps a pattern from forming: a user copies what is shown.
    assert not [c for c in rendered if unicodedata.category(c) == "Cf"], (markdown, rendered)
    for tag, attrs in page.tags:
        assert tag in ALLOWED_TAGS, (tag, markdown, rendered)
        if tag == "span":
            assert f'<span style="{attrs.get("style")}" title="{attrs.get("title")}">' == MARK, rendered
        elif tag == "code":
            assert set(attrs) <= {"class"} and (attrs.get("class") or "language-").startswith("language-")
        elif tag == "ol":
            assert set(attrs) <= {"start"}
        elif tag in ("th", "td"):
            assert set(attrs) <= {"style"} and re.fullmatch(r"(text-align:\w+)?", attrs.get("style") or "")
        else:
            assert not attrs, (tag, attrs, rendered)
    for node in _text_nodes(markdown):
        for pattern in AUTOLINK_LITERALS + (STREAMLIT_REWRITES if in_streamlit else []):
            assert not pattern.search(node), (node, markdown)
    return page


# name: (hostile text, what must still be visible, what must not be)
PAYLOADS: dict[str, tuple[str, list[str], list[str]]] = {
    "image": ("![secret plan](http://127.0.0.1:9/steal?q=secret)", ["secret plan"], ["steal"]),
    "image without alt": ("![](http://127.0.0.1:9/steal)", [], ["steal"]),
    "image by reference": ("![the pic][pic]\n\n[pic]: http://127.0.0.1:9/p.png", ["the pic"], []),
    "image over lines": ("![a\nb](\nhttp://127.0.0.1:9/steal.png\n)", ["a b"], ["steal"]),
    "image with title": ('![x](http://127.0.0.1:9/steal "t")', ["x"], ["steal"]),
    "img tag": ('<img src="http://127.0.0.1:9/x" onerror="alert(1)">', ['<img src="http://127.0.0.1:9/x"'], []),
    "link": ("[the docs](http://evil.example/a?b=1&c=2)", ["the docs", "http://evil.example/a?b=1&c=2"], []),
    "link with title": ('[t](http://evil.example/t "title")', ["t", "http://evil.example/t"], []),
    "link in angles": ("[t](<http://evil.example/a b>)", ["t", "http://evil.example/a b"], []),
    "links by reference": ("[t][ref], [ref][] and [ref]\n\n[ref]: http://evil.example/r", ["t", "evil.example/r"], []),
    "javascript link": ("[x](javascript:alert(1))", ["x", "javascript:alert(1)"], []),
    "code in link text": ("[a `]` b](http://e.example/c)", ["]", "http://e.example/c"], []),
    "nested links": ("[a [b](http://e.example/1) c](http://e.example/2)", ["b", "e.example/1", "e.example/2"], []),
    "image in a link": ("[![logo](http://e.example/i.png)](http://e.example/l)", ["logo", "e.example/l"], ["i.png"]),
    "autolink": ("<http://evil.example/a>", ["http://evil.example/a"], []),
    "e-mail autolink": ("<mail@evil.example>", ["mail@evil.example"], []),
    "bare URL": ("see http://evil.example/x.", ["http://evil.example/x"], []),
    "www": ("see www.evil.example today", ["www.evil.example"], []),
    "e-mail": ("write to mail@evil.example", ["mail@evil.example"], []),
    "mailto": ("mailto:mail@evil.example", ["mailto:mail@evil.example"], []),
    "escaped URL": (r"http:\/\/evil.example, www\.evil.example, mail\@evil.example", ["http://evil.example"], []),
    "URL joined by an image": ("www![](x).evil.example", ["www.evil.example"], []),
    "a tag": ('<a href="http://evil.example">x</a>', ['<a href="http://evil.example">x</a>'], []),
    "script": ("<script>alert(1)</script>", ["<script>alert(1)</script>"], []),
    "entities": ("&lt;img src=x&gt; &#60;a&#62; &amp;", ["&lt;img src=x&gt; &#60;a&#62; &amp;"], []),
    "footnote": ("see[^1]\n\n[^1]: http://evil.example/f", ["see[^1]", "[^1]: http://evil.example/f"], []),
    "Streamlit syntax": (":streamlit: :red[x] :material/home: a:green", [":red[x] :material/home: a:green"], []),
    "unclosed backtick": ("`[x](http://evil.example)", ["x", "http://evil.example"], []),
    "unclosed fence": ("```\n![x](http://e.example/i.png)\n[y](http://e.example)", ["![x](http://e.example/i"], []),
    "code span": ("`![x](http://e.example/i.png) <img src=x>`", ["![x](http://e.example/i.png) <img src=x>"], []),
    "fenced": ("~~~\n[x](http://e.example) <b>\n~~~", ["[x](http://e.example) <b>"], []),
    "backslashes": (r"a\http://e.example \\`[x](http://e.example)`", [r"a\http://e.example \[x](http://e.e"], []),
    "escaped backtick": (r"b\`[c](http://e.example)` ok", ["b`c (http://e.example)` ok"], []),
}
# A fence opens only at the start of a line: elsewhere these are prose, neutralised like any other.
FENCED = {"unclosed fence", "fenced"}
CONTEXTS = {
    "plain": "{}",
    "bold": "**{}**",
    "list": "- {}\n- after",
    "numbered list": "1. {}\n2. after",
    "quote": "> {}",
    "heading": "## {}",
    "table": "| a | b |\n|---|---|\n| {} | x |",
    "paragraphs": "before\n\n{}\n\nafter",
}


@pytest.mark.parametrize("context", CONTEXTS.keys())
@pytest.mark.parametrize("payload", PAYLOADS.keys())
@pytest.mark.parametrize("convert", [answer_html, export_text])
def test_hostile_text_loads_nothing_links_nowhere_and_stays_readable(convert, payload, context):
    text, visible, hidden = PAYLOADS[payload]
    page = _assert_inert(convert(CONTEXTS[context].format(text)), in_streamlit=convert is not export_text)
    if payload in FENCED and context not in ("plain", "paragraphs"):
        visible = []
    for part in visible:
        assert part in page.text
    for part in hidden:
        assert part not in page.text


# The fences answer_html writes, whose content is raw and literal.
OWN_FENCE = re.compile(r"\n\n(`{3,})[\w+#.-]*\n.*?\1\n\n", re.S)
OWN_TAGS = re.compile(r"<code>|</code>|<wbr>|</span>|" + re.escape(MARK))


def _assert_no_raw_syntax(answer: str) -> None:
    """Whatever the code detector decided, nothing outside a fence can open a link, image, tag, code span or
    Streamlit directive (`:red` swallows the word after it)."""
    rest = OWN_TAGS.sub(" ", OWN_FENCE.sub(" ", answer))
    assert not set(rest) & set("[]`<") and not re.search(r":[a-z]", rest, re.I), answer


def test_answers_have_no_raw_brackets_backticks_or_tags_outside_fences():
    for text, _, _ in PAYLOADS.values():
        for context in CONTEXTS.values():
            _assert_no_raw_syntax(answer_html(context.format(text), [text]))


@pytest.mark.parametrize("convert", [answer_html, export_text])
def test_random_markdown_soup_stays_inert(convert):
    pieces = ["[", "]", "(", ")", "!", "<", ">", "`", "```", "~~~", "\n", "\n\n", "*", "_", "\\", ":", "/", "@"]
    pieces += ["http://e.example/p", "www.e.example", "m@e.example", "&lt;", "&", "#", "|", "-", " ", "a", "    "]
    pieces += ["<img src=x>", "<a href=x>", "1. ", "> ", "$", "|---|", ":streamlit:", "streamlit", "www", "."]
    rng = random.Random(7)
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        _assert_inert(convert(text), in_streamlit=convert is not export_text)
        if convert is answer_html:
            _assert_no_raw_syntax(convert(text))
