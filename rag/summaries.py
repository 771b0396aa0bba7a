"""Summary and overview requests ("summarise this", "what does chapter 3 cover"), answered from the document cards:
a whole document or a chapter is not in the five passages most like the question, so top-k retrieval fails them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from langchain_core.prompts import ChatPromptTemplate

from rag.cards import DocumentCard, OutlineEntry, Span, representative_sentences, section_span
from rag.library import documents_with_cards
from rag.models import Document
from rag.pdf import Page
from rag.retrieval import content_words
from rag.services import Services
from rag.sources import Source
from rag.stored_pages import stored_pages

_WRITE = (
    "You summarise the user's documents using only the material they give you: titles, outlines and sentences "
    "quoted from the documents, each with its page. Write 3 to 5 sentences (a short list for several documents) "
    "that answer the request, citing pages like [p.4]. Add nothing the material does not say."
)
SUMMARY_PROMPT = ChatPromptTemplate.from_messages(
    [("system", _WRITE), ("human", "Material:\n{context}\n\nRequest: {input}\nSummary:")]
)
OVERVIEW_DOCUMENTS = 12
SECTION_SENTENCES = 4

_POLITE = re.compile(
    r"^(?:(?:please|ok(?:ay)?|so|now|and|hey|hi|can you|could you|would you|will you|can i (?:get|have)|"
    r"could i (?:get|have)|i(?:'d| would) like|i want|i need|let me (?:see|have))\s+)+"
)
_TRAILING = re.compile(
    r"(?:\s+(?:please|for me|briefly|quickly|in (?:a few|one|two|three|four|five|\d+) "
    r"(?:sentences?|words|lines|paragraphs?|bullets?|bullet points)))+$"
)
_SUMMARISE = r"(?:summari[sz]e|sum up|recap|give (?:me )?(?:the )?gist of|tl;? ?dr(?: of)?)\b\s*(?P<t>.*)"
_A_SUMMARY = (
    r"(?:(?:give|show|get|write|provide|make)\s+(?:me\s+|us\s+)?)?(?:an?\s+|the\s+|some\s+)?(?:(?:brief|short|"
    r"quick|concise|high[- ]level|general|rough)\s+)?(?:summary|summari[sz]ation|overview|synopsis|gist|rundown|"
    r"tl;? ?dr)(?:\s+(?:of|for|on|about)\s+(?P<t>.+))?"
)
_ABOUT = r"what(?:'s| is| are)\s+(?P<t>.+?)\s+(?:all\s+)?about"
_COVER = (
    r"what\s+(?:does|do)\s+(?P<t>.+?)\s+(?:cover|contain|include|describe|discuss|explain|talk about|deal with|"
    r"say|go over|go through)"
)
_TOPICS = r"(?:what|which)\s+(?:topics|subjects|things)\s+(?:does|do)\s+(?P<t>.+?)\s+(?:cover|discuss)"
_INSIDE = r"what(?:'s| is)\s+(?:covered\s+|discussed\s+)?(?:in|inside)\s+(?P<t>.+)"
# Whether any words may follow: "summarise X" says X is what to summarise; "what is X about" only when X is a
# document or a section ("what is the summary option about?" is a question about an option).
_FREE = {_SUMMARISE: True, _A_SUMMARY: True, _ABOUT: False, _COVER: False, _TOPICS: False, _INSIDE: False}
_ASKS = [(re.compile(p), free) for p, free in _FREE.items()]
_NOUN = r"(?:documents?|docs?|manuals?|pdfs?|books?|papers?|guides?|specs?|specifications?|handbooks?|documentation)"
_ITSELF = re.compile(rf"(?:(?:this|that|the|my|these|those|it|all)\s*)*(?:{_NOUN}|files?|texts?)?")
_NAMED = re.compile(rf"(?:the\s+|this\s+|my\s+)?(?:(?P<name>.+?)\s+{_NOUN}|(?P<file>.+\.pdf))")
_KIND = r"(?P<kind>chapter|section|part|appendix)"
_IN_DOCUMENT = r"(?:\s+(?:of|in|from)\s+(?P<doc>.+))?"
_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_ROMAN = "i ii iii iv v vi vii viii ix x".split()
_NUMBER_WORDS = {word: str(n) for words in (_ORDINALS, _ROMAN) for n, word in enumerate(words, 1)}
_SECTION_REFS = [
    re.compile(rf"(?:the\s+)?{_KIND}\s*(?P<number>\d+(?:\.\d+)*|[ivx]+|[a-z]){_IN_DOCUMENT}"),
    re.compile(rf"(?:the\s+)?(?P<number>{'|'.join(_ORDINALS)}|last)\s+{_KIND}{_IN_DOCUMENT}"),
    re.compile(rf"(?:the\s+)?{_KIND}\s+(?:on|about|called|named|titled|for)\s+(?P<words>.+?){_IN_DOCUMENT}"),
    re.compile(rf"(?:the\s+)?(?P<words>.+?)\s+{_KIND}{_IN_DOCUMENT}"),
]
_QUESTION_WORD = re.compile(r"(?:how|why|what|when|where|which|who|whether|if|the difference|differences)\b")
_NOT_A_NAME = {"chapter", "section", "part", "appendix", "pdf", "document", "manual", "file", "this", "all"}


@dataclass(frozen=True)
class SummaryRequest:
    scope: Literal["document", "section"]
    section: str | None = None  # "3", "2.1", "a" (an appendix), "last", or words ("installation")
    kind: str | None = None  # "chapter", "section", "part" or "appendix", as the question says it
    document: str | None = None  # words that may name a document ("libtasn1", "asy-latex.pdf")


@dataclass
class SummaryAnswer:
    text: str  # Markdown: the documents' own sentences as quotes, each with "(p. N)"
    sources: list[Source] = field(default_factory=list)
    context: str = ""  # the same material as plain text, for a large model to write from (SUMMARY_PROMPT)


def summary_request(question: str) -> SummaryRequest | None:
    """The summary or overview the question asks for, or None for an ordinary question, even one that says
    "summary" ("what does the summary option do?")."""
    asked = " ".join(question.lower().replace("\u2019", "'").replace(",", " ").split()).strip(" ?.!")
    asked = _TRAILING.sub("", _POLITE.sub("", asked))
    for pattern, free in _ASKS:
        if match := pattern.fullmatch(asked):
            return _request((match["t"] or "").strip(), free)
    return None


def _request(target: str, free: bool) -> SummaryRequest | None:
    if _ITSELF.fullmatch(target):
        return SummaryRequest("document")
    for pattern in _SECTION_REFS:
        if (match := pattern.fullmatch(target)) and not _QUESTION_WORD.match(match.groupdict().get("words") or ""):
            number = match.groupdict().get("number")
            section = _NUMBER_WORDS.get(number, number) if number else match["words"]
            return SummaryRequest("section", section, match["kind"], _document_words(match["doc"]))
    if (named := _NAMED.fullmatch(target)) and not _QUESTION_WORD.match(target):
        return SummaryRequest("document", document=named["name"] or named["file"])
    # "summarise installation", "an overview of libtasn1": a section or a document, whichever has the name.
    words = re.sub(r"^(?:the|this|my)\s+", "", target)
    if free and 0 < len(words.split()) <= 4 and not _QUESTION_WORD.match(words):
        return SummaryRequest("section", words, document=words)
    return None


def _document_words(text: str | None) -> str | None:
    if not text or _ITSELF.fullmatch(text):
        return None
    named = _NAMED.fullmatch(text)
    return (named["name"] or named["file"]) if named else re.sub(r"^(?:the|this|my)\s+", "", text)


def answer_summary(
    services: Services, request: SummaryRequest, doc_ids: Sequence[str] | None, workspace_id: str | None = None
) -> SummaryAnswer:
    """The summary from the cards of the documents in scope (`doc_ids`, or the workspace's whole library)."""
    library = documents_with_cards(services, doc_ids, workspace_id)
    if not library:
        return SummaryAnswer("There is nothing to summarise yet: add PDFs on the Documents page.")
    named = _named(library, request.document)
    if named is not None and request.scope == "section" and request.section == request.document:
        return _document_summary(*named)  # "an overview of libtasn1" names a document, not a section
    candidates = [named] if named is not None else library
    if request.scope == "document" or not request.section:
        return _document_summary(*candidates[0]) if len(candidates) == 1 else _overview(candidates)
    found = [(d, c, e) for d, c in candidates if (e := find_section(c, request.section, request.kind)) is not None]
    if len(found) == 1:
        return _section_summary(services, *found[0])
    return _ambiguous_section(found) if found else _no_section(request, candidates)


def find_section(card: DocumentCard, section: str, kind: str | None = None) -> OutlineEntry | None:
    """The outline entry a question names: by its number ("2.1" in "2.1 Options", or the 3rd top-level entry for
    "chapter 3" when titles are unnumbered), or by the words of its title."""
    tops = card.top_sections()
    if section == "last":  # the last chapter, not the index after it
        return ([e for e in tops if e.title[:1].isdigit()] or tops or [None])[-1]
    if re.fullmatch(r"\d+(?:\.\d+)*|[a-z]", section):
        if section.isalpha() and kind != "appendix":
            return None
        if match := next((e for e in card.outline if _numbered(section).match(e.title)), None):
            return match
        # Numbered chapters with unnumbered sections ("2 Installation" > "UNIX binary distributions"), or none
        # numbered at all: each part of "2.1" is the number, or else the position, of an entry at its level.
        entry, level, parts = None, tops, section.split(".")
        for depth, part in enumerate(parts):
            prefix = _numbered(".".join(parts[: depth + 1]))
            entry = next((e for e in level if prefix.match(e.title)), None)
            if entry is None and part.isdigit() and not any(e.title[:1].isdigit() for e in level):
                entry = level[int(part) - 1] if 1 <= int(part) <= len(level) else None
            if entry is None:
                return None
            level = card.children(entry)
        return entry
    wanted = content_words(section) - _NOT_A_NAME
    if not wanted:
        return None
    scored = [(_overlap(wanted, content_words(e.title)), -e.level, e) for e in card.outline]
    best = max(scored, key=lambda s: s[:2], default=None)
    return best[2] if best is not None and best[0] >= 0.5 else None


def _numbered(number: str) -> re.Pattern[str]:
    return re.compile(rf"(?:(?:chapter|section|part|appendix)\s+)?{re.escape(number)}(?:[.:)]?\s|[.:)]?$)", re.I)


def _overlap(wanted: set[str], have: set[str]) -> float:
    """The share of the wanted words the title has, counting "install" and "installation" as one."""
    return sum(any(_same_word(w, h) for h in have) for w in wanted) / len(wanted)


def _same_word(a: str, b: str) -> bool:
    n = min(len(a), len(b), 5)
    return a == b or (n >= 4 and a[:n] == b[:n])


def _named(library: list[tuple[Document, DocumentCard]], words: str | None) -> tuple[Document, DocumentCard] | None:
    wanted = content_words(words or "") - _NOT_A_NAME
    if not wanted:
        return None
    names = [content_words(re.sub(r"[-_.]", " ", f"{c.title} {d.filename}")) for d, c in library]
    score, index = max((_overlap(wanted, name), -i) for i, name in enumerate(names))
    return library[-index] if score >= 0.5 else None


def _document_summary(document: Document, card: DocumentCard) -> SummaryAnswer:
    quotes = [(s.page, s.text) for s in card.summary]
    tops = card.top_sections()
    text = [f"**{_md(card.title)}** ({_md(document.filename)}) · {card.pages} pages", *_quoted(quotes)]
    context = [f"{card.title} ({document.filename}) · {card.pages} pages", *_cited(quotes)]
    if tops:
        text.append("Sections:\n" + "\n".join(f"- {_md(e.title)} (p. {e.page})" for e in tops))
        context.append("Sections: " + "; ".join(f"{e.title} (p. {e.page})" for e in tops))
    snippets = quotes or [(e.page, e.title) for e in tops] or [(1, card.title)]
    return SummaryAnswer("\n\n".join(text), _sources(document, snippets), "\n".join(context))


def _overview(library: list[tuple[Document, DocumentCard]]) -> SummaryAnswer:
    shown = library[:OVERVIEW_DOCUMENTS]
    text, context, sources = [f"{len(library)} documents are in scope:"], [], []
    for document, card in shown:
        quotes = [(s.page, s.text) for s in card.summary[:2]]
        head = f"{card.title} ({document.filename}) · {card.pages} pages"
        text += [f"**{_md(card.title)}** ({_md(document.filename)}) · {card.pages} pages", *_quoted(quotes)]
        context += [head, *_cited(quotes), ""]
        sources += _sources(document, quotes or [(1, card.title)])
    if len(library) > len(shown):
        text.append(f"…and {len(library) - len(shown)} more. Name a document to summarise it.")
    return SummaryAnswer("\n\n".join(text), sources, "\n".join(context).strip())


def _section_summary(services: Services, document: Document, card: DocumentCard, entry: OutlineEntry) -> SummaryAnswer:
    pages = card.section_pages(entry)
    children = card.children(entry)
    # The section's opening, then its largest subsections: a chapter of twenty is summed up by its main parts.
    largest = sorted(children, key=lambda e: -len(card.section_pages(e)))
    spans = [section_span(card, e, entry.title) for e in [entry, *largest]]
    if not children:  # a long section without subsections: its later pages too
        spans += [Span(entry.title, p, p) for p in list(pages)[1:3]]
    each = SECTION_SENTENCES // len(spans) or 1  # a short section without subsections: several of its sentences
    embeddings = services.embedding.embeddings
    picked = representative_sentences(_pages(services, document), spans, embeddings, SECTION_SENTENCES, each)
    quotes = [(s.page, s.text) for s in picked]
    where = _where(pages)
    text = [f"**{_md(entry.title)}** · {_md(card.title)} ({_md(document.filename)}), {where}", *_quoted(quotes)]
    context = [f"{entry.title} · {card.title} ({document.filename}), {where}", *_cited(quotes)]
    if not quotes:
        text.append("This section has no prose to quote (code, tables or lists only).")
    if children:
        text.append("Subsections:\n" + "\n".join(f"- {_md(e.title)} (p. {e.page})" for e in children))
        context.append("Subsections: " + "; ".join(f"{e.title} (p. {e.page})" for e in children))
    sources = _sources(document, [*quotes, (entry.page, entry.title)])
    return SummaryAnswer("\n\n".join(text), sources, "\n".join(context))


def _ambiguous_section(found: list[tuple[Document, DocumentCard, OutlineEntry]]) -> SummaryAnswer:
    lines, sources = [], []
    for document, card, entry in found[:OVERVIEW_DOCUMENTS]:
        lines.append(f"- {entry.title}, {_where(card.section_pages(entry))} of {card.title} ({document.filename})")
        sources += _sources(document, [(entry.page, entry.title)])
    listed = "\n".join(lines)
    text = f"Several documents have that section; name the one you mean:\n\n{_md(listed)}"
    return SummaryAnswer(text, sources, listed)


def _no_section(request: SummaryRequest, library: list[tuple[Document, DocumentCard]]) -> SummaryAnswer:
    numbered = request.kind and re.fullmatch(r"\d+(?:\.\d+)*|[a-z]|last", request.section or "")
    asked = f"{request.kind} {request.section}" if numbered else f"a section about “{request.section}”"
    lines = [f"I couldn't find {asked} in {'your documents' if len(library) > 1 else library[0][1].title}."]
    for document, card in library[:OVERVIEW_DOCUMENTS]:
        tops = card.top_sections()
        listed = ", ".join(f"{e.title} (p. {e.page})" for e in tops)
        lines.append(
            f"{card.title} ({document.filename}) has these sections: {listed}."
            if tops
            else f"{card.title} ({document.filename}) has no marked sections; ask for a summary of the whole document."
        )
    return SummaryAnswer(_md("\n\n".join(lines)))


def _where(pages: range) -> str:
    return f"pages {pages.start}–{pages.stop - 1}" if len(pages) > 1 else f"page {pages.start}"


def _quoted(quotes: list[tuple[int, str]]) -> list[str]:
    return [f"> {_md(text)} (p. {page})" for page, text in quotes]


def _cited(quotes: list[tuple[int, str]]) -> list[str]:
    return [f"[p.{page}] {text}" for page, text in quotes]


def _sources(document: Document, snippets: list[tuple[int, str]]) -> list[Source]:
    """One source per page, like retrieval's: the first snippet of each page."""
    first = dict(reversed(snippets))
    return [Source(document.doc_id, document.filename, page, text, 1.0) for page, text in sorted(first.items())]


def _md(text: str) -> str:
    """Document text shown as written: no emphasis or code from its asterisks and backquotes."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", text)


def _pages(services: Services, document: Document) -> list[Page]:
    """The document's pages, read again from its stored file by the isolated reader (0.1 to 1.5 s a manual)."""
    return stored_pages(services, document)
