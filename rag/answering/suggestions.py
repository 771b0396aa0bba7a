"""Suggested questions: up to three, for an empty chat and under each answer, drawn from the section titles and
summaries of the document cards. Each is put to the retriever before it is shown and kept only when a passage of
the section it was drawn from comes back in the top three, so following a suggestion never ends in "not found"."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answering import quotes
from rag.answering.gates import reads_names, unmentioned_terms
from rag.answering.policy import strategy_for
from rag.answering.question_wording import (
    clean_title,
    describe,
    section_question_in,
    sentence_question,
    title_question,
)
from rag.answering.retrieval import HybridRetriever, make_retriever
from rag.answering.sources import Source
from rag.indexing.cards import DocumentCard
from rag.indexing.library_cards import documents_with_cards
from rag.language import detect
from rag.records.library import library_languages, library_names, unsearchable_ids
from rag.services import Services
from rag.text import content_words

log = logging.getLogger(__name__)

# Each check is one retrieval (30-50 ms on an idle CPU), so a call stays well under half a second.
MAX_CHECKS = 8
# The answer is built from the top passages: a suggestion whose section ranks lower is answered from elsewhere.
TOP_RANKS = 3
MODEL_SECTIONS = 12  # section titles a large model writes questions for, in one prompt

_MODEL_LINE = re.compile(r"^\s*(\d{1,2})\s*[.):-]\s*(.{8,160}\?)\s*$")
MODEL_PROMPT = (
    "Here are numbered sections of the user's documents, as 'document > section'.\n{sections}\n\n"
    "For each section, write one short question a non-technical reader could ask that the section answers. "
    "Name the document when the question would be unclear without it. Reply with one line per section: "
    "its number, a period, and the question. Nothing else."
)


@dataclass(frozen=True)
class Suggestion:
    question: str
    doc_id: str
    section: str  # the outline title it was drawn from ("" for a document without one)
    pages: range  # the section's pages: the check wants one of them at rank 1-3


@dataclass(frozen=True)
class _Candidate:
    suggestion: Suggestion
    tier: int  # 0: what the document is, 1: a specific question, 2: "what does it say about"
    position: int  # order in the document, to spread the choice over it


def _candidates(doc_id: str, card: DocumentCard, several: bool, language: str | None = None) -> list[_Candidate]:
    if language not in (None, "", "en"):  # the wording rules below are English grammar
        return _candidates_in(language, doc_id, card)
    doc, found = describe(card), []
    for i, entry in enumerate(card.outline):
        parent = next((e.title for e in reversed(card.outline[:i]) if e.level < entry.level), "")
        made = title_question(entry.title, doc, several, parent)
        if made:
            found.append(_Candidate(Suggestion(made[0], doc_id, entry.title, card.section_pages(entry)), made[1], i))
    tops = {e.title: e for e in card.top_sections()}
    for i, sentence in enumerate(card.summary):
        entry = tops.get(sentence.section)
        pages = card.section_pages(entry) if entry else range(sentence.page, sentence.page + 1)
        if question := sentence_question(sentence.text, doc, several):
            found.append(_Candidate(Suggestion(question, doc_id, sentence.section, pages), 1, i))
    if not card.outline:  # no sections to draw from: what the document is, from its first pages
        question = f"What is {doc.the_name}?"
        found.append(_Candidate(Suggestion(question, doc_id, "", range(1, min(card.pages, 3) + 1)), 0, 0))
    return found


def _candidates_in(language: str, doc_id: str, card: DocumentCard) -> list[_Candidate]:
    found = []
    for i, entry in enumerate(card.outline):
        if question := section_question_in(language, entry.title):
            found.append(_Candidate(Suggestion(question, doc_id, entry.title, card.section_pages(entry)), 2, i))
    return found


def _spread(index: int) -> int:
    """Bit-reversed index (0, 1/2, 1/4, 3/4, ... of the way): sorting by it picks from all over the document."""
    return int(f"{index:016b}"[::-1], 2)


def _normal(question: str) -> str:
    return " ".join(question.lower().split()).rstrip(" ?.!")


def _ordered(
    cards: dict[str, DocumentCard],
    near: Sequence[Source],
    asked: Sequence[str],
    languages: dict[str, str | None] | None = None,
) -> list[_Candidate]:
    """Every candidate allowed, in the order they are tried: stable, and spread over documents and sections."""
    asked_norm, asked_words = {_normal(q) for q in asked}, [content_words(q) for q in asked]
    cited: dict[str, set[int]] = {}
    for source in near:
        cited.setdefault(source.doc_id, set()).add(source.page)

    def allowed(c: _Candidate) -> bool:
        s, section_words = c.suggestion, content_words(c.suggestion.section)
        return (
            _normal(s.question) not in asked_norm
            and not any(section_words and section_words <= words for words in asked_words)  # asked about it
            and not cited.get(s.doc_id, set()) & set(s.pages)  # the section just answered
        )

    per_doc = []
    for k, doc_id in enumerate(sorted(cards, key=lambda d: (cards[d].title.lower(), d))):
        language = (languages or {}).get(doc_id)
        kept = [c for c in _candidates(doc_id, cards[doc_id], len(cards) > 1, language) if allowed(c)]
        tiers = [sorted((c for c in kept if c.tier == t), key=lambda c: c.position) for t in range(3)]
        # Each document starts with another kind of question, so a library's first three are not all "What is".
        tiers = tiers[k % 3 :] + tiers[: k % 3]
        per_doc.append([c for tier in tiers for _, c in sorted(enumerate(tier), key=lambda p: _spread(p[0]))])
    # Round robin over the documents, so an empty chat over a library shows more than one of them.
    ordered = [group[i] for i in range(max(map(len, per_doc), default=0)) for group in per_doc if i < len(group)]
    if cited:  # after an answer: the sections nearest the pages it cited, in their documents, first
        close = [c for c in ordered if c.suggestion.doc_id in cited]
        close.sort(key=lambda c: (min(_gap(c.suggestion.pages, p) for p in cited[c.suggestion.doc_id]), c.tier))
        ordered = close + [c for c in ordered if c.suggestion.doc_id not in cited]
    unique: dict[str, _Candidate] = {}
    for c in ordered:
        unique.setdefault(_normal(c.suggestion.question), c)
    return list(unique.values())


def _gap(pages: range, page: int) -> int:
    return min(abs(page - pages.start), abs(page - pages[-1]))


def _written(services: Services, candidates: list[_Candidate], cards: dict[str, DocumentCard]) -> list[_Candidate]:
    """Questions a large model writes for the first sections of the offline order; [] on any failure."""
    first: dict[tuple[str, str], Suggestion] = {}
    for s in (c.suggestion for c in candidates):
        first.setdefault((s.doc_id, s.section), s)
    sections = list(first.values())[:MODEL_SECTIONS]
    names = [f"{describe(cards[s.doc_id]).name} > {clean_title(s.section) or s.section}" for s in sections]
    listing = "\n".join(f"{i}. {name}" for i, name in enumerate(names, 1))
    try:
        reply = services.llm.invoke(MODEL_PROMPT.format(sections=listing)).content
    except Exception:  # suggestions are extras: the offline ones stand in
        log.info("the model could not write suggested questions", exc_info=True)
        return []
    found = []
    for match in filter(None, map(_MODEL_LINE.match, str(reply).splitlines())):
        if 1 <= int(match.group(1)) <= len(sections):
            s = sections[int(match.group(1)) - 1]
            found.append(_Candidate(Suggestion(" ".join(match.group(2).split()), s.doc_id, s.section, s.pages), 0, 0))
    return found


def _holds(services: Services, retriever: HybridRetriever, s: Suggestion) -> bool:
    """What the chat would make of the question: its section at the top, no name the library lacks, and (when
    the chat quotes) a sentence to quote."""
    docs = retriever.invoke(s.question)
    if not any(d.metadata["doc_id"] == s.doc_id and d.metadata["page"] in s.pages for d in docs[:TOP_RANKS]):
        return False
    if reads_names(detect(s.question), docs) and unmentioned_terms(s.question, docs, retriever):
        return False
    if strategy_for(services.settings, services.capabilities) not in ("quotes", "quotes_first"):
        return True
    if quotes.MIN_QUOTE_SCORE is None:  # any sentence is quoted then: no need to embed them all (~0.1 s)
        return any(quotes.passage_sentences(d.page_content) for d in docs[: quotes.PASSAGES_READ])
    return quotes.answers_question(quotes.extract_quotes(s.question, docs, services.embedding.embeddings))


def suggestions(
    services: Services,
    doc_ids: Sequence[str] | None = None,
    *,
    near: Sequence[Source] = (),
    asked: Sequence[str] = (),
    limit: int = 3,
    workspace_id: str | None = None,
) -> list[Suggestion]:
    """suggest_questions, with the section each question was drawn from."""
    carded = documents_with_cards(services, doc_ids, workspace_id)
    cards = {document.doc_id: card for document, card in carded}
    languages = {document.doc_id: document.language for document, _ in carded}
    candidates = _ordered(cards, near, asked, languages) if cards and limit > 0 else []
    if not candidates:
        return []
    if services.capabilities.writes_suggestions:
        asked_norm = {_normal(q) for q in asked}
        written = [c for c in _written(services, candidates, cards) if _normal(c.suggestion.question) not in asked_norm]
        candidates = written + candidates
    retriever = make_retriever(
        services,
        doc_ids,
        unsearchable_ids(services, workspace_id),
        workspace_id,
        library_names(services, workspace_id),
        library_languages(services, workspace_id),
    )
    shown: list[Suggestion] = []
    taken: set[object] = set()  # one question per section: three about the same pages are one suggestion
    checks = 0
    for s in (c.suggestion for c in candidates):
        if checks == MAX_CHECKS or len(shown) == limit:
            break
        if (s.doc_id, s.section) not in taken and _normal(s.question) not in taken:
            checks += 1
            if _holds(services, retriever, s):
                shown.append(s)
                taken |= {(s.doc_id, s.section), _normal(s.question)}
    return shown


def suggest_questions(
    services: Services,
    doc_ids: Sequence[str] | None = None,
    *,
    near: Sequence[Source] = (),
    asked: Sequence[str] = (),
    limit: int = 3,
    workspace_id: str | None = None,
) -> list[str]:
    """Up to `limit` questions about the documents in scope (all when `doc_ids` is None), each checked to
    retrieve its own section at rank 1-3. `near`: the sources of the answer just given, whose neighbouring
    sections come first; `asked`: the questions of the conversation, never suggested again."""
    found = suggestions(services, doc_ids, near=near, asked=asked, limit=limit, workspace_id=workspace_id)
    return [s.question for s in found]
