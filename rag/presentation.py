"""How DocChat shows what it found, for the UI, the CLI and the API alike: what the user reads of an answer (its
quotes, the model's words when they are shown, the sentences nothing supports), and answers, labels and exports
as Markdown that shows text and code as written but can load or link to nothing.

Answers echo PDFs: an image would be fetched as the conversation opens, a link would lead out of the app. Two layers,
so that neither a wrong guess about where code starts nor a parser quirk opens a hole. Syntax: `<` `&` become
entities, `[` `]` and backticks character references (never syntax in CommonMark); links, images and URLs become
their text and the address as code; code becomes our own `<code>` or fence. Decoded text: remark-gfm and Streamlit
rewrite text nodes after parsing (bare URLs, e-mails, `:streamlit:`, `:smile:`, `->`), whatever escapes spelled
them, so each run of text is cut where such a pattern would start by an empty `<wbr>` tag, which ends the node;
where no tag can go, the run becomes code, which nothing rewrites. Nothing invisible is added: what a user copies
is the text's own characters.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from rag.language import detect, translator
from rag.schemas import AnswerPublic, Quote, SentenceCheck, Source, Turn

# Under quotes that probably do not answer the question (rag/answering/policy.py doubtful).
DOUBT = "These passages probably do not answer your question: it is likely not in your documents."
QUOTES_HEADING = "From your documents, word for word:"
INTERRUPTED_NOTE = "This answer was interrupted before it finished."
# What the chat shows while an answer is on its way, in the question's language like the answer's own words.
SEARCHING = "Searching your documents…"
READING = "Reading {count} passages · {waiting}…"
READING_ONE = "Reading 1 passage · {waiting}…"
MODEL_STARTING = "the model is starting"
MODEL_WAITING = "waiting for the model"
SEARCHED_FOR = "Searched for"


def words_of(question: str) -> Callable[[str], str]:
    """The app's own words (DOUBT, QUOTES_HEADING…) in the question's language, where a catalogue has them
    (rag/language/locale/); English otherwise."""
    return translator(detect(question))


UNSUPPORTED_STYLE = (
    "text-decoration: underline dotted #b45309; text-decoration-thickness: 2px; "
    "text-underline-offset: 3px; cursor: help"
)
UNSUPPORTED_TIP = "Not found in your documents"

_MARK_OPEN = f'<span style="{UNSUPPORTED_STYLE}" title="{UNSUPPORTED_TIP}">'
_WBR = "<wbr>"
_NEWLINE = re.compile(r"\r\n?")

# Where remark-gfm's literal autolinks would start (`http://`, `www.`, `name@host`); in answers also Streamlit's
# `:streamlit:` logo, `:smile:` emoji and `:red` directives (which swallow the word after them).
_LINK_CUTS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=[\w.+-])(?=@)", re.I)
_PROSE_CUTS = re.compile(_LINK_CUTS.pattern + r"|(?<=:)(?=[a-z])", re.I)
# Code and labels also keep `:+1:` and `->`, `<=`, `--`… exactly as written.
_ALL_CUTS = re.compile(_PROSE_CUTS.pattern + r"|(?<=:)(?=[\w+-]+:)|(?<=[<>=~-])(?=[<>=~-])", re.I)
# The same patterns as whole runs, for Markdown without HTML: remark-gfm's literal autolinks (any scheme, for other
# viewers), and Streamlit's logo, icons, emoji (`:100:` in "10:100:1") and arrows (`a -> b`, not `--arch`).
_LINK_RUNS = re.compile(
    r"(?:(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://|https?://|www\.)[^\s|]*(?<![.,:;!?'\")\]}*_~])"
    r"|(?<![\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+",
    re.I,
)
_LABEL_RUNS = re.compile(_LINK_RUNS.pattern + r"|:[\w+-]+:|(?<!\S)(?:<->|->|<-|--|>=|<=|~=)(?!\S)", re.I)

_FENCE_OPEN = re.compile(r"^([ \t]*)(`{3,}|~{3,})(.*)$", re.M)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_TABLE_DELIMITER_ROW = re.compile(r"^(?=[^\n]*\|)[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|?)+[ \t]*$", re.M)
_TICKS = re.compile(r"`+")
_SCAN = re.compile(r"\\.|`+|[\[\]]", re.S)
_CANDIDATE = re.compile(
    r"(?P<escape>\\[!-/:-@\[-`{-~])"
    r"|(?P<ticks>`+)"
    r"|(?P<bracket>!?\[)"
    r"|<(?P<autolink>[a-z][a-z0-9+.-]{1,31}:[^\s<>]*|[\w.!#$%&'*+/=?^`{|}~-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*)>"
    r"|(?P<url>\b(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>`]+)"
    r"|(?P<email>(?<![\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+)",
    re.I,
)
_DESTINATION = re.compile(
    r"\(\s*(?:<([^<>\n]*)>|((?:[^\s()\\]|\\.|\([^\s()]*\))*))(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)", re.S
)
_REFERENCE = re.compile(r"\[((?:[^\[\]\\]|\\.){0,999})\]")
_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)((?:[^\[\]\\]|\\.){1,999})\]:[ \t]*\n?[ \t]*(?:<([^<>\n]*)>|(\S+))", re.M)
_BLOCK_MARKER = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?|#{1,6}[ \t]+)?")


@dataclass(frozen=True)
class _Token:
    kind: str  # text | escape | code | url | link | image | fence
    start: int
    end: int
    value: str = ""  # the text, escaped character, code, URL, link text, image alt or fenced code
    url: str = ""  # a link's destination, a fence's language
    table: bool = False  # in a GFM table, where `|` splits cells even inside code


@dataclass(frozen=True)
class _Piece:
    markup: str
    text: str | None = None  # the character Markdown decodes the markup to; None: a tag, which ends a text node
    code: str | None = None  # what a code span or element holds, to merge it with one just before
    table: bool = False


_Code = Callable[[str, bool], str]  # how code, in a table or not, is written
_Flavour = tuple[dict[str, str], _Code]  # prose escapes; code


def answer_html(text: str, unsupported: Sequence[str] = ()) -> str:
    """A model's answer for `st.markdown(..., unsafe_allow_html=True)`: formatting and code as written, no image,
    no link (its text, then the address as code), each `unsupported` sentence underlined."""
    text = _NEWLINE.sub("\n", text)
    tokens = _tokens(text)
    marks = _marks(text, tokens, unsupported)
    pieces = [*_pieces(tokens, _ANSWER, marks), _Piece(marks.get(len(text), ""))]
    return _joined(pieces, lambda run: [_Piece(_cut(run, _WBR, _PROSE_CUTS))], None)


def label_markdown(text: str) -> str:
    """A file name or title for wherever Streamlit reads Markdown, even without HTML (buttons, captions): shown
    literally, on one line; a URL, an e-mail address, an arrow or a `:shortcode:` as code."""
    pieces = [_Piece("\\" + c if c in string.punctuation else c, c) for c in " ".join(text.split())]
    return _joined(pieces, lambda run: _coded(run, _LABEL_RUNS), _export_code)


def text_html(text: str) -> str:
    """A document's text (a quote, a passage, a file name) for `st.markdown(..., unsafe_allow_html=True)`: shown
    literally, on one line, a URL or an e-mail address as plain text."""
    pieces = [
        _Piece(_HTML_ESCAPES.get(c, "\\" + c if c in string.punctuation else c), c) for c in " ".join(text.split())
    ]
    return _cut(pieces, _WBR, _ALL_CUTS)


def people(names: Sequence[str]) -> str:
    """Names as a sentence says them: "Ada Lovelace", "Ada Lovelace and Grace Hopper", "A, B and C"."""
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def export_text(text: str) -> str:
    """An answer for a Markdown file opened in other viewers: code as written, no image, no link, no HTML."""
    text = _NEWLINE.sub("\n", text)
    return _joined(_pieces(_tokens(text), _EXPORT, {}), lambda run: _coded(run, _LINK_RUNS), _export_code)


# What a file's units are called, by its suffix (rag/reading/formats/): a deck has slides, a Word file or a web page
# sections, a spreadsheet parts of its rows, an e-mail its message and attachments.
_UNITS = {
    **dict.fromkeys((".pptx", ".odp"), "slide"),
    **dict.fromkeys((".docx", ".odt", ".html", ".htm", ".md", ".markdown", ".txt"), "section"),
    **dict.fromkeys((".xlsx", ".ods", ".csv", ".eml"), "part"),
}


def counted_units(filename: str, count: int) -> str:
    """How many pages a file has, in its own units: "12 pages", "1 slide", "3 sections"."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    unit = _UNITS.get(suffix, "page")
    return f"{count} {unit}" + ("" if count == 1 else "s")


def cited_at(cited: Source | Quote, short: bool = True) -> str:
    """Where a cited passage stands, as its citation names it: "p. 7" ("page 7" not short), "slide 7" in a deck, or
    the unit of a file without pages ("sheet “Budget”, rows 2–26")."""
    if cited.place:
        return cited.place
    if cited.unit == "slide":
        return f"slide {cited.page}"
    return f"p. {cited.page}" if short else f"page {cited.page}"


def quotes_markdown(quotes: Sequence[Quote]) -> str:
    """The quotes as the plain text a CLI prints and an export keeps: each a blockquote with its citation."""
    return "\n\n".join(f"> “{q.text}”\n> — {q.filename}, {cited_at(q)}" for q in quotes)


def shown_answer(quotes: Sequence[Quote], mode: str | None, model_answer: str) -> str:
    """What the user reads, as plain text: the quotes, then the model's answer when it is shown."""
    quoted = quotes_markdown(quotes) if mode in ("quotes", "quotes+model") else ""
    return "\n\n".join(part for part in (quoted, model_answer) if part)


def unsupported_sentences(checks: Sequence[SentenceCheck]) -> tuple[list[str], bool]:
    """The answer's sentences nothing in the sources supports (to be marked), and whether that is all it says."""
    judged = [c.supported for c in checks if c.supported is not None]
    return [c.text for c in checks if c.supported is False], bool(judged) and not any(judged)


def _tokens(text: str) -> list[_Token]:
    refs = {_label(m[1]): m[2] or m[3] or "" for m in _DEFINITION.finditer(text)}
    tokens: list[_Token] = []
    start = 0
    for fence in [*_fences(text), None]:
        prose_end = fence.start if fence else len(text)
        for m in [*_BLANK_LINE.finditer(text, start, prose_end), None]:  # nothing inline crosses a blank line
            stop = m.end() if m else prose_end
            table = bool(_TABLE_DELIMITER_ROW.search(text, start, stop))
            tokens += _inline(text, start, stop, refs, table) if start < stop else []
            start = stop
        tokens += [fence] if fence else []
        start = fence.end if fence else start
    return tokens


def _fences(text: str) -> Iterator[_Token]:
    """Fenced code blocks; an unclosed fence runs to the end, as in CommonMark."""
    search = 0
    while m := _FENCE_OPEN.search(text, search):
        search = m.end() + 1
        if m[2][0] == "`" and "`" in m[3]:  # "```x```" is inline code
            continue
        close = re.compile(rf"^[ \t]*{m[2][0]}{{{len(m[2])},}}[ \t]*$", re.M).search(text, search)
        end = close.end() if close else len(text)
        body = text[min(search, end) : close.start() if close else end]
        if m[1]:
            body = re.sub(rf"(?m)^[ \t]{{0,{len(m[1])}}}", "", body)
        yield _Token("fence", m.start(), end, body, (m[3].split() or [""])[0])
        search = end


def _inline(text: str, start: int, end: int, refs: dict[str, str], table: bool) -> list[_Token]:
    partners = _partners(text, start, end)
    tokens: list[_Token] = []
    plain = position = start
    while m := _CANDIDATE.search(text, position, end):
        token = _token_at(text, m, refs, partners, table)
        if token is None:
            position = m.start() + 1
            continue
        tokens += [_Token("text", plain, token.start, text[plain : token.start])] if plain < token.start else []
        tokens.append(token)
        plain = position = token.end
    return tokens + ([_Token("text", plain, end, text[plain:end])] if plain < end else [])


def _token_at(text: str, m: re.Match[str], refs: dict[str, str], pairs: dict[int, int], table: bool) -> _Token | None:
    start, end = m.span()
    if m["escape"]:
        return _Token("escape", start, end, m[0][1])
    if m["ticks"]:
        if (close := pairs.get(start)) is None:  # an unmatched run is literal backticks
            return _Token("text", start, end, m[0])
        # As in CommonMark: line endings become spaces, and one space on each side is padding.
        code = text[end:close].replace("\n", " ")
        code = code[1:-1] if len(code) > 2 and code[0] == code[-1] == " " and code.strip() else code
        return _Token("code", start, close + len(m[0]), code, table=table)
    if m["autolink"] or m["email"] or m["url"]:
        url = m["autolink"] or m["email"] or m["url"]
        # As in GFM: trailing punctuation ends the sentence, not the URL; `)` belongs to it only if balanced.
        while m["url"] and (url[-1] in "?!.,:;*_~'\"]}" or (url[-1] == ")" and url.count("(") < url.count(")"))):
            url = url[:-1]
        return _Token("url", start, end if m["autolink"] else start + len(url), url, table=table)
    if (close := pairs.get(end - 1)) is None:
        return None
    label, url, stop = text[end : close - 1], None, close
    if dest := _DESTINATION.match(text, close):
        url, stop = dest[1] or dest[2] or "", dest.end()
    elif (ref := _REFERENCE.match(text, close)) and _label(ref[1] or label) in refs:
        url, stop = refs[_label(ref[1] or label)], ref.end()
    elif _label(label) in refs and not text.startswith(":", close):  # "[x]: url" defines, it does not link
        url = refs[_label(label)]
    return None if url is None else _Token("image" if m[0] == "![" else "link", start, stop, label, url, table)


def _partners(text: str, start: int, end: int) -> dict[int, int]:
    """Where each `[` closes (just after its `]`) and each run of backticks (at the next run as long, which ends the
    code span), found in one pass: searching from every opener would be quadratic."""
    partners, brackets, later = {}, [], {}
    scan = list(_SCAN.finditer(text, start, end))
    for m in scan:
        if m[0] == "[":
            brackets.append(m.start())
        elif m[0] == "]" and brackets:
            partners[brackets.pop()] = m.end()
    for m in reversed(scan):
        if m[0][0] == "`":
            if (close := later.get(len(m[0]))) is not None:
                partners[m.start()] = close
            later[len(m[0])] = m.start()
    return partners


def _label(label: str) -> str:
    return " ".join(label.split()).casefold()


def _marks(text: str, tokens: list[_Token], sentences: Sequence[str]) -> dict[int, str]:
    """Where each sentence's underline opens and closes: around whole code and links, after a list or heading
    marker, never in a fenced block or a table row (where it would be cut into cells)."""
    atoms = [t for t in tokens if t.kind != "text"]
    spans: list[tuple[int, int]] = []
    position = 0
    for sentence in (s for s in sentences if s.strip()):
        whole = re.compile(r"(?<!\S)" + re.escape(sentence) + r"(?!\S)").search(text, position)
        if (start := whole.start() if whole else text.find(sentence, position)) < 0:
            continue
        end = position = start + len(sentence)
        line_start = text.rfind("\n", 0, start) + 1
        if not text[line_start:start].strip():
            start = max(start, _BLOCK_MARKER.match(text, line_start).end())
        touching = [a for a in atoms if a.start < end and start < a.end]
        if any(a.kind == "fence" for a in touching):
            continue
        start, end = min([start, *(a.start for a in touching)]), max([end, *(a.end for a in touching)])
        if start >= end or "|" in text[start:end]:
            continue
        merged = spans.pop() if spans and start < spans[-1][1] else (start, end)  # widened into the last one
        spans.append((min(start, merged[0]), max(end, merged[1])))
    marks: dict[int, str] = {}
    for start, end in spans:  # in order, so a span closes before the next one opens at the same place
        marks[start], marks[end] = marks.get(start, "") + _MARK_OPEN, "</span>"
    return marks


def _pieces(tokens: Iterable[_Token], flavour: _Flavour, marks: Mapping[int, str], depth: int = 0) -> list[_Piece]:
    escapes, code = flavour
    out: list[_Piece] = []
    for t in tokens:
        if t.kind == "text":
            for i, piece in enumerate(_prose(t.value, escapes), t.start):
                out += [_Piece(marks[i]), piece] if i in marks else [piece]
            continue
        out += [_Piece(marks[t.start])] if t.start in marks else []
        if t.kind == "escape":
            out.append(_Piece(escapes.get(t.value, "\\" + t.value), t.value))
        elif t.kind in ("code", "url"):
            out.append(_Piece(code(t.value, t.table), code=t.value, table=t.table))
        elif t.kind == "fence":
            out.append(_Piece(_fence(t.url, t.value)))
        else:  # an image shows its alt text only, a link its text and address; 4 deep at most, then plain text
            nested = _inline(t.value, 0, len(t.value), {}, t.table)
            inner = _pieces(nested, flavour, {}, depth + 1) if depth < 4 else _prose(t.value, escapes)
            if t.kind == "link" and t.url:
                address = _Piece(code(t.url, t.table), code=t.url, table=t.table)
                shown = t.value.strip() not in ("", t.url)
                inner = [*inner, *_prose(" (", escapes), address, *_prose(")", escapes)] if shown else [address]
            out += inner
    return out


def _prose(text: str, escapes: dict[str, str]) -> list[_Piece]:
    # A backslash before a line ending is a hard break, a tag as far as text nodes go.
    return [_Piece("\\") if text[i : i + 2] == "\\\n" else _Piece(escapes.get(c, c), c) for i, c in enumerate(text)]


def _joined(pieces: Iterable[_Piece], guard: Callable[[list[_Piece]], list[_Piece]], code: _Code | None) -> str:
    """The markup of `pieces`, each run of text between tags through `guard`; code side by side written as one
    `code` when that is given (code spans, not elements)."""
    out: list[_Piece] = []
    run: list[_Piece] = []
    for piece in [*pieces, _Piece("")]:
        if piece.text is not None:
            run.append(piece)
            continue
        for part in [*guard(run), piece]:
            if code and part.code is not None and out and out[-1].code is not None:
                # Two code spans side by side would merge their backticks into one longer run that closes neither.
                value, table = out[-1].code + part.code, out[-1].table or part.table
                out[-1] = _Piece(code(value, table), code=value, table=table)
            elif part.markup or part.text is not None:
                out.append(part)
        run = []
    return "".join(p.markup for p in out)


def _coded(run: list[_Piece], runs: re.Pattern[str]) -> list[_Piece]:
    """A run of text, where what `runs` finds in the text it decodes to becomes code (as written): touching
    code, it joins it in _joined."""
    decoded = "".join(p.text or "" for p in run)
    out: list[_Piece] = []
    position = 0
    for m in runs.finditer(decoded):
        out += [*run[position : m.start()], _Piece(_export_code(m[0], False), code=m[0])]
        position = m.end()
    return [*out, *run[position:]]


def _cut(run: list[_Piece], cut: str, cuts: re.Pattern[str]) -> str:
    decoded = "".join(p.text or "" for p in run)
    at = {m.start() for m in cuts.finditer(decoded)} - {0, len(decoded)}
    return "".join((cut if i in at else "") + p.markup for i, p in enumerate(run))


def _fence(language: str, body: str) -> str:
    # Unindented between blank lines it opens after any list or table; longer than any backtick run, nothing closes it.
    ticks = "`" * max(3, 1 + max((len(r) for r in _TICKS.findall(body)), default=0))
    body = body if not body or body.endswith("\n") else body + "\n"
    language = re.sub(r"[^\w+#.-]", "", language)[:40]
    return f"\n\n{ticks}{language}\n{body}{ticks}\n\n"


def _answer_code(code: str, table: bool) -> str:
    # Every punctuation character as a reference: code cannot open anything, even where `<code>` is not code.
    chars = [_Piece(f"&#{ord(c)};" if c in string.punctuation else c, c) for c in code]
    return f"<code>{_cut(chars, _WBR, _ALL_CUTS)}</code>"


def _export_code(code: str, table: bool) -> str:
    code = code.replace("|", "\\|") if table else code
    ticks = "`" * (1 + max((len(r) for r in _TICKS.findall(code)), default=0))
    pad = " " if code[:1] == "`" or code[-1:] == "`" or (code[:1] == code[-1:] == " " and code.strip()) else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"


_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;"}
_ANSWER: _Flavour = ({**_HTML_ESCAPES, "[": "&#91;", "]": "&#93;", "`": "&#96;", "\\": "&#92;"}, _answer_code)
_EXPORT: _Flavour = ({"&": "&amp;", "<": "&lt;", "[": "\\[", "]": "\\]", "`": "\\`", "\\": "\\\\"}, _export_code)


def answer_of(turn: Turn, question: str) -> AnswerPublic:
    """Reads a turn to its end and returns the finished answer, as stored."""
    try:
        model_answer = "".join(turn.tokens)
    finally:
        turn.close()
    return AnswerPublic(
        conversation_id=turn.conversation_id,
        message_id=turn.answer_id,
        question=question,
        answer=shown_answer(turn.quotes, turn.mode, model_answer),
        mode=turn.mode,  # type: ignore[arg-type]
        doubtful=turn.doubtful,
        quotes=turn.quotes,
        model_answer=model_answer,
        standalone_question=turn.standalone_question,
        sources=turn.sources,
        grounding=turn.grounding,
        suggestions=turn.suggestions,
    )
