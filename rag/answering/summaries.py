"""Summaries and overviews, answered from the document cards (the request recognised by rag/answering/request.py):
a whole document or a chapter is not in the five passages most like the question, so top-k retrieval fails them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.answering.request import SummaryRequest
from rag.answering.sources import Source
from rag.database.tables import Document
from rag.indexing.cards import DocumentCard, OutlineEntry, Span, representative_sentences, section_span
from rag.indexing.library_cards import documents_with_cards
from rag.reading.files import stored_pages
from rag.reading.page import Page
from rag.services import Services
from rag.text import content_words

OVERVIEW_DOCUMENTS = 12
SECTION_SENTENCES = 4

_NOT_A_NAME = {"chapter", "section", "part", "appendix", "pdf", "document", "manual", "file", "this", "all"}


@dataclass
class SummaryAnswer:
    text: str  # Markdown: the documents' own sentences as quotes, each with "(p. N)"
    sources: list[Source] = field(default_factory=list)
    context: str = ""  # the same material as plain text, for a large model to write from (SUMMARY_PROMPT)


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
