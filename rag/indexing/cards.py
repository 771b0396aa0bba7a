"""Document cards: what a document is about, built at ingestion: title, authors, abstract, outline and an
extractive summary (a paper's from its abstract and conclusions, rag/indexing/papers.py)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from langchain_core.embeddings import Embeddings
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel, Field
from sqlalchemy import select

from rag.database.tables import Document
from rag.indexing.chunking import clean_text, title_from_filename
from rag.indexing.papers import FrontMatter, Passage, conclusions, front_matter, useful_title
from rag.reading.page import Page
from rag.services import Services
from rag.text import PROSE_BREAK, boilerplate

log = logging.getLogger(__name__)

# Sentences embedded to choose the summary: 0.09 s, 1.5% of the 196-page manual's ingestion (bench/cards.py).
EMBED_BUDGET = 32
SUMMARY_SENTENCES = 8
# A paper's summary: what it does in its abstract's words, then what it found in its conclusions', eight in all
# as for any document (without an abstract, the conclusions give up to ABSTRACT_SENTENCES).
ABSTRACT_SENTENCES = 5
CONCLUSION_SENTENCES = 3
# Fewer sentences than this from the abstract and conclusions (asy-latex's abstract is one sentence) are followed
# by the usual ones from across the document, or the card would say next to nothing.
PAPER_SENTENCES = 2
# An abstract's sentence says what the paper is even when short: "METAPOST can be used to create animations." (7
# words, TUGboat) opens one; elsewhere a sentence needs 8 words to say anything on its own.
PAPER_MIN_WORDS = 6
# Top-level sections that say nothing about what a document is about.
_BACK_MATTER = re.compile(r"\b(index|contents|bibliograph|references|acknowledg|copying|licen[cs]e|contributors)", re.I)
# "2.3 Options", "1. Introduction"; "Chapter 3: Usage" or "Chapter 3" with its title on the next line.
_NUMBERED = re.compile(r"(\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+(\S.*)")
_CHAPTER = re.compile(r"(?:chapter|part)\s+(\d{1,2}|[ivx]{1,5})\b\s*[.:\u2013\u2014-]?\s*(.*)", re.I)
_ROMAN = {r: n for n, r in enumerate("i ii iii iv v vi vii viii ix x xi xii".split(), 1)}
_TOC_TAIL = re.compile(r"(\s\d+|\.{3,}.*|(\s?\.){3,}.*)$")
_CODE = re.compile(r"[{}\\<>=|_#$@^~]|;\s*$|\(\)|->|::|//|https?:|www\.|\[[^\]]*\], page")
_NOT_PROSE = re.compile(r"[*\[\]]|\?\S|^(Figure|Fig\.|Table|Listing|Usage)\b")  # footnotes, citations, captions
_ABBREVIATION = re.compile(r"\b(e\.g|i\.e|etc|cf|vs|fig|figs|sec|no|eq|approx|resp|ch|vol|p|pp)\.$", re.I)


class OutlineEntry(BaseModel):
    title: str
    page: int  # 1-based physical page where the section starts
    level: int = Field(ge=1)  # 1: a top-level section (chapter)


class SummarySentence(BaseModel):
    text: str  # in the document's own words
    page: int
    section: str  # the top-level section it represents ("" when the document has no outline)


class DocumentCard(BaseModel):
    """Stored as JSON in documents.card. Fields added later have defaults: cards stored before them still load."""

    title: str
    pages: int
    authors: list[str] = []  # as printed under the title of its first page; [] when none is clearly printed
    abstract: str | None = None  # its "Abstract" in its own words, on one line; None when it prints none
    outline: list[OutlineEntry] = []
    outline_source: Literal["bookmarks", "headings", "none"] = "none"
    summary: list[SummarySentence] = []  # extractive, offline
    model_summary: str | None = None  # written by a large model after indexing, when one is configured

    def top_sections(self) -> list[OutlineEntry]:
        return [entry for entry in self.outline if entry.level == 1]

    def section_pages(self, entry: OutlineEntry) -> range:
        """The pages a section spans: from its start to the page before the next section of its level or above."""
        later = [e.page for e in self.outline if e.level <= entry.level and e.page > entry.page]
        end = min(later) - 1 if later else self.pages
        return range(entry.page, max(entry.page, end) + 1)

    def children(self, entry: OutlineEntry) -> list[OutlineEntry]:
        start = self.outline.index(entry) + 1
        end = next((i for i in range(start, len(self.outline)) if self.outline[i].level <= entry.level), None)
        return [e for e in self.outline[start:end] if e.level == entry.level + 1]


@dataclass(frozen=True)
class Span:
    """Part of a document one summary sentence stands for: a section, or a stretch of pages."""

    section: str  # the top-level section it belongs to
    first: int
    last: int
    heading: str = ""  # on the first page: the text before it belongs to the section before
    end: str = ""  # on the last page: the heading of the next section, where this one ends


def build_card(pages: Sequence[Page], title: str | None, filename: str, embeddings: Embeddings) -> DocumentCard:
    """The card of a document from its extracted pages and the title it declares. Pure: it embeds at most
    EMBED_BUDGET sentences."""
    outline = [OutlineEntry(title=p[-1], page=page.number, level=len(p)) for page in pages for p in page.sections]
    detected = [] if outline else detected_outline(pages)
    declared = title if useful_title(title) else None
    front = front_matter(pages, declared)
    card = DocumentCard(
        title=declared or front.title or title_from_filename(filename),
        pages=len(pages),
        authors=list(front.authors),
        abstract=front.abstract.text if front.abstract else None,
        outline=outline or detected,
    )
    card.outline_source = "bookmarks" if outline else "headings" if detected else "none"
    card.summary = paper_summary(pages, card, front, embeddings) if front.paper else []
    if len(card.summary) < PAPER_SENTENCES:  # a manual's, or what a paper's own summary leaves to say
        said = {s.text for s in card.summary}
        usual = representative_sentences(pages, summary_spans(card), embeddings)
        usual = [s for s in usual if s.text not in said][: SUMMARY_SENTENCES - len(said)]
        card.summary = sorted(card.summary + usual, key=lambda s: s.page) if card.summary else usual
    return card


def paper_summary(
    pages: Sequence[Page], card: DocumentCard, front: FrontMatter, embeddings: Embeddings
) -> list[SummarySentence]:
    """A paper's summary: of its abstract, then of its conclusions, the sentences nearest to their centroid, in
    text order. Embeds only when a part has more sentences than it gives, and at most EMBED_BUDGET."""
    ending = conclusions(pages, [(e.title, e.page) for e in card.outline])
    parts = [part for part in (front.abstract, ending) if part is not None]
    if not parts:
        return []
    groups = [(part, _passage_sentences(part)[: EMBED_BUDGET // len(parts)]) for part in parts]
    wanted = [ABSTRACT_SENTENCES if part is front.abstract else CONCLUSION_SENTENCES for part in parts]
    if front.abstract is None or not groups[0][1]:  # no abstract to speak first: the conclusions say more
        wanted[-1] = ABSTRACT_SENTENCES
    ranked = [group for (_, group), k in zip(groups, wanted, strict=True) if len(group) > k]
    vectors = iter(embeddings.embed_documents([text for group in ranked for _, text in group]) if ranked else [])
    summary: list[SummarySentence] = []
    for (part, group), k in zip(groups, wanted, strict=True):
        order = _central([next(vectors) for _ in group]) if len(group) > k else range(len(group))
        for i in sorted(order[:k]):
            page, text = group[i]
            if all(text != s.text for s in summary):
                summary.append(SummarySentence(text=text, page=page, section=part.heading))
    return summary


def _passage_sentences(passage: Passage) -> list[tuple[int, str]]:
    return [(page, s) for page, text in passage.parts for s in prose_sentences(clean_text(text), PAPER_MIN_WORDS)]


def _central(vectors: Sequence[Sequence[float]]) -> list[int]:
    """The vectors' indices, nearest to their centroid first; ties keep text order."""
    centroid = [sum(column) for column in zip(*vectors, strict=True)]
    scores = [sum(a * b for a, b in zip(vector, centroid, strict=True)) for vector in vectors]
    return sorted(range(len(vectors)), key=lambda i: -scores[i])


def detected_outline(pages: Sequence[Page]) -> list[OutlineEntry]:
    """Numbered headings, kept only in sequence ("1", "2", "2.1", "3"). Refused: list items (numbered alike on
    adjacent lines), contents lines (they end with a page), footers (one text, several numbers), numbered code."""
    candidates = []  # (page, number, title, bare title, whether in a list)
    for page in pages:
        lines = [" ".join(line.split()) for line in page.text.splitlines() if line.strip()]
        for n, line in enumerate(lines):
            if heading := _heading(line, lines[n + 1] if n + 1 < len(lines) else ""):
                neighbours = [_heading(x, "") for x in lines[max(n - 1, 0) : n] + lines[n + 1 : n + 2]]
                candidates.append((page.number, *heading, any(h and len(h[0]) == len(heading[0]) for h in neighbours)))
    numbers = {bare: {c[1] for c in candidates if c[3] == bare} for _, _, _, bare, _ in candidates}
    found: list[OutlineEntry] = []
    last: dict[int, tuple[int, ...]] = {}  # level -> the last number accepted there
    for page, number, title, bare, listed in candidates:
        level, parent = len(number), number[:-1]
        if listed or len(numbers[bare]) > 1 or (level > 1 and last.get(level - 1) != parent):
            continue
        previous = last.get(level)
        expected = previous[-1] + 1 if previous else (None if level == 1 else 1)
        if number[-1] != expected and not (expected is None and number[-1] in (0, 1)):
            continue
        last = {k: v for k, v in last.items() if k < level} | {level: number}
        found.append(OutlineEntry(title=title, page=page, level=level))
    return found if sum(e.level == 1 for e in found) >= 2 else []  # one chapter is no outline


def _heading(line: str, following: str) -> tuple[tuple[int, ...], str, str] | None:
    """(number, title, title without its number) when the line looks like a numbered heading."""
    match = _NUMBERED.fullmatch(line)
    if match and _title_like(match[2]):
        return tuple(int(x) for x in match[1].split(".")), line, match[2]
    match = _CHAPTER.fullmatch(line)
    if match:
        number = int(match[1]) if match[1].isdigit() else _ROMAN.get(match[1].lower())
        bare = match[2] or following
        if number and _title_like(bare):
            return (number,), line if match[2] else f"{line} {following}", bare
    return None


def _title_like(title: str) -> bool:
    letters = sum(c.isalpha() for c in title)
    return (
        0 < len(title.split()) <= 10
        and len(title) <= 80
        and title[0].isupper()
        and not title.endswith((".", ",", ";", ":"))
        and not (_TOC_TAIL.search(title) or _CODE.search(title))
        and letters >= 0.6 * len(title.replace(" ", ""))
    )


def summary_spans(card: DocumentCard) -> list[Span]:
    """What the summary stands for, most wanted first: the opening section, then the others largest first, one
    of each before a second of any; under five sections, their subsections (or pages) too. No outline: pages."""
    top = [e for e in card.top_sections() if not _BACK_MATTER.search(e.title)]
    if not top:
        step = -(-card.pages // 6)
        return [Span("", first, min(first + step - 1, card.pages)) for first in range(1, card.pages + 1, step)]
    groups = [[section_span(card, entry, entry.title)] for entry in top]
    if len(top) < 5:
        for group, entry in zip(groups, top, strict=True):
            children = [section_span(card, child, entry.title) for child in card.children(entry)]
            group += children or [Span(entry.title, p, p) for p in list(card.section_pages(entry))[1:3]]
    ranked = [groups[0], *sorted(groups[1:], key=lambda g: g[0].first - g[0].last)]
    return [group[rank] for rank in range(max(map(len, groups))) for group in ranked if rank < len(group)]


def section_span(card: DocumentCard, entry: OutlineEntry, section: str) -> Span:
    pages = card.section_pages(entry)
    index = card.outline.index(entry)
    after = next((e for e in card.outline[index + 1 :] if e.level <= entry.level), None)
    end = after.title if after is not None and after.page == pages.stop - 1 else ""
    return Span(section, pages.start, pages.stop - 1, entry.title, end)


def representative_sentences(
    pages: Sequence[Page],
    spans: Sequence[Span],
    embeddings: Embeddings,
    limit: int = SUMMARY_SENTENCES,
    per_span: int = 1,
) -> list[SummarySentence]:
    """For each of the first `limit` spans that have any, of its opening sentences the `per_span` nearest to
    their centroid. In page order; at most EMBED_BUDGET sentences are embedded."""
    by_number = {page.number: page for page in pages}
    each = max(3, EMBED_BUDGET // max(1, min(len(spans), limit)))
    groups: list[tuple[Span, list[tuple[int, str]]]] = []
    for span in spans:
        if len(groups) == limit:
            break
        if sentences := opening_sentences(by_number, span, each):
            groups.append((span, sentences))
    vectors = iter(embeddings.embed_documents([text for _, group in groups for _, text in group]) if groups else [])
    picked: dict[str, SummarySentence] = {}
    for span, group in groups:
        for i in _central([next(vectors) for _ in group])[:per_span]:
            picked.setdefault(group[i][1], SummarySentence(text=group[i][1], page=group[i][0], section=span.section))
    starts = {span.section: span.first for span in reversed(spans)}
    return sorted(picked.values(), key=lambda s: (s.page, starts[s.section]))


def opening_sentences(by_number: dict[int, Page], span: Span, limit: int) -> list[tuple[int, str]]:
    """Up to `limit` (page, sentence) from the start of the span: prose only, no headings, code, contents
    lines, cross-references, or sentences too short or too long to say anything on their own."""
    found: list[tuple[int, str]] = []
    for number in range(span.first, span.last + 1):
        text = clean_text(by_number[number].text) if number in by_number else ""
        if number == span.first and span.heading and (heading := _heading_at(text, span.heading)):
            text = text[heading.end() :]
        if number == span.last and span.end and (after := _heading_at(text, span.end)):
            text = text[: after.start()]
        found += [(number, s) for s in prose_sentences(text) if (number, s) not in found]
        if len(found) >= limit:
            break
    return found[:limit]


def _heading_at(text: str, title: str) -> re.Match[str] | None:
    """Where a heading is: best on a line of its own (a table of contents names it first, with its page)."""
    words = r"\s+".join(map(re.escape, title.split()))
    return re.search(rf"^[\d.\s]*{words}[ \t]*$", text, re.I | re.M) or re.search(words, text, re.I)


def prose_sentences(text: str, min_words: int = 8) -> list[str]:
    blocks, block = [], []
    for line in text.splitlines():
        line = " ".join(line.split())
        # After a colon comes a list, a definition or a command; after a full stop, a line starting in lower
        # case is a term being defined ("pair complex number, that is..."): neither continues the sentence.
        prose = not _is_break(line)
        if not prose or (block and block[-1].endswith((":", ".")) and line[:1].islower()):
            blocks, block = [*blocks, " ".join(block)], []
        block += [line] if prose else []
    blocks.append(" ".join(block))
    sentences: list[str] = []
    for piece in (s for b in blocks for s in PROSE_BREAK.split(b) if s):
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [s for s in sentences if _good_sentence(s, min_words)]


def _is_break(line: str) -> bool:
    """A line that is not running prose: code, a bullet, a heading, a running header or footer."""
    return (
        not any(c.isalpha() for c in line)
        or line.startswith(("•", "–", "-", "*", "◦"))
        or bool(_CODE.search(line) or _CHAPTER.match(line) or _heading(line, ""))
        or (len(line.split()) <= 8 and bool(re.search(r"\s\d+$", line)))
    )


def _good_sentence(sentence: str, min_words: int = 8) -> bool:
    letters = sum(c.isalpha() for c in sentence)
    return (
        min_words <= len(sentence.split()) <= 45
        and sentence[0].isupper()
        and sentence.endswith(".")
        and letters >= 0.75 * len(sentence.replace(" ", ""))
        and sentence.count("(") == sentence.count(")")
        and not (_CODE.search(sentence) or _ABBREVIATION.search(sentence) or _NOT_PROSE.search(sentence))
        and not boilerplate(sentence)
    )


_WRITE_SUMMARY = (
    "You write what a document is about from its title, its outline and sentences quoted from it. Write 3 to 5 "
    "plain sentences: what the document is and what it covers. Use only what you are given."
)
CARD_SUMMARY_PROMPT = ChatPromptTemplate.from_messages(
    [("system", _WRITE_SUMMARY), ("human", "Title: {title}\nOutline: {outline}\nSentences:\n{sentences}\n\nSummary:")]
)
_STARTED: set[tuple[str, str]] = set()  # (database, doc_id): one model summary per document and process
_STARTED_LOCK = threading.Lock()


def summarise_in_background(services: Services, doc_id: str, card: DocumentCard) -> threading.Thread | None:
    """With a large model, writes the card's model_summary on a daemon thread: the upload never waits for it."""
    key = (services.settings.db_url, doc_id)
    with _STARTED_LOCK:
        if not services.capabilities.writes_suggestions or card.model_summary or key in _STARTED:
            return None
        _STARTED.add(key)
    thread = threading.Thread(target=_write_model_summary, args=(services, doc_id, card), daemon=True)
    thread.start()
    return thread


def _write_model_summary(services: Services, doc_id: str, card: DocumentCard) -> None:
    try:
        outline = "; ".join(e.title for e in card.top_sections()) or "none"
        sentences = "\n".join(s.text for s in card.summary)
        chain = CARD_SUMMARY_PROMPT | services.llm | StrOutputParser()
        written = chain.invoke({"title": card.title, "outline": outline, "sentences": sentences})
        with services.sessions.begin() as session:
            # Every workspace's record of the same content: the summary is the content's.
            for document in session.scalars(select(Document).where(Document.doc_id == doc_id)):
                if written.strip() and document.card:
                    # Reassigned, not changed in place: SQLAlchemy only sees a JSON value replaced.
                    document.card = {**document.card, "model_summary": " ".join(written.split())[:2000]}
    except Exception:  # the extractive summary stays; nothing the user did failed
        log.warning("writing the model summary of %s failed", doc_id, exc_info=True)
