"""The "not in your documents" gates: a question the passages found cannot answer is told so, not answered.

A small model asked about a name its context never mentions answers about something else, fluently; and the
closest sentences of unrelated passages, quoted as if they answered, mislead more than a plain "not found".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from langchain_core.documents import Document as LCDocument

from rag.answering.grounding import mentions, unmatched_terms
from rag.answering.retrieval import HybridRetriever

NOT_FOUND = "I couldn't find anything about that in your documents."
NO_ANSWERING_PASSAGE = (
    "I couldn't find a passage in your documents that answers this. The pages that came closest are listed below."
)
# Passages a keyword search reads to see whether the library mentions a name at all.
KEYWORD_CHECK = 20


NOT_FOUND_ABOUT = "I couldn't find anything about {names} in your documents."
OR = "or"


def not_found_about(terms: Sequence[str], words: Callable[[str], str] = str) -> str:
    """The refusal naming what the documents never mention, in `words` (rag/language translator)."""
    names = [f"“{t}”" for t in terms]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {words(OR)} " + names[-1]
    return words(NOT_FOUND_ABOUT).format(names=listed)


def in_english(question_language: str | None, docs: Sequence[LCDocument]) -> bool:
    """Whether the question (in `question_language`, told by rag/language) and the passage found first are English,
    the only language the duration and date check below reads (the name gate reads more: reads_names). Other
    languages spell their units and months otherwise: there the check stays off rather than refuse what the
    passages may answer. A question too short to tell counts as English, and so does a passage stored before
    languages were told."""
    first = docs[0].metadata.get("language") if docs else None
    return question_language in (None, "en") and first in (None, "", "en")


# Languages that capitalise their nouns, where a capitalised word in a question is no name.
NOUNS_CAPITALISED = frozenset({"de", "lb"})


def reads_names(question_language: str | None, docs: Sequence[LCDocument]) -> bool:
    """Whether the name gate (unmentioned_terms) reads the question: in English, as in_english, or where the question
    and the passage found first are in one language that capitalises only its names (French, Spanish, Italian…).
    A German question's nouns are capitalised like names, and a question in another language than its passages
    names things in words they never say ("the French guide"): there the gate stays off."""
    first = docs[0].metadata.get("language") if docs else None
    if in_english(question_language, docs):
        return True
    return question_language is not None and first == question_language and first not in NOUNS_CAPITALISED


def unmentioned_terms(question: str, docs: Sequence[LCDocument], retriever: HybridRetriever) -> list[str]:
    """The names in the question that neither the retrieved passages nor any passage in the retriever's scope (its
    workspace, documents and trash) mention. A name the passages miss but the library has is a retrieval miss,
    not a missing answer: it passes."""
    found = [f"{d.metadata['filename']} {d.metadata['section']} {d.page_content}" for d in docs]
    unmatched = unmatched_terms(question, found)
    if not unmatched:
        return []
    store, doc_ids, exclude, workspace = retriever.store, retriever.doc_ids, retriever.exclude, retriever.workspace
    return [
        term
        for term in unmatched
        if not any(
            mentions(f"{c.filename} {c.search_text}", term)
            for c in store.keyword_search(
                term, KEYWORD_CHECK, doc_ids, exclude, workspace=workspace, languages=retriever.languages
            )
        )
    ]


# A question that asks how long something took, or for a date or a year, is answered only by a duration or a date.
# Papers are full of numbers, so a number alone is no answer (a rule on any quantity refused as many answerable
# questions as unanswerable ones, bench/refusals.py); a duration with its unit, or a year or a month, is rarer.
_ASKS_DURATION = re.compile(
    r"\bhow long (?:did|does|do|will|would|is|was|are|were|has|have|had)\b.*\b(?:take|took|need|needed|last|lasted|"
    r"run|ran|train|require|required|wait|sit)\b|\bhow (?:many|much) (?:seconds|minutes|hours|days|weeks|time)\b",
    re.I,
)
# A duration: a number with its unit ("3.2 s", "12ms"), or a unit named at all ("the value is in milliseconds; the
# default is 500" answers how long readline waits, and holds no "500 ms").
_DURATION = re.compile(
    r"\b(?:\d+(?:[.,]\d+)?\s*(?:ms|msec|s|secs?|mins?|h|hrs?)|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|"
    r"months?|years?)\b",
    re.I,
)
# Only a date or a year asked for by name: "when were the cores taken?" is answered by "in March" as much as by
# "after the harvest".
_ASKS_DATE = re.compile(r"\bwhat date\b|\b(?:what|which) year\b", re.I)
_DATE = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d)\b|\b(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b"
)


def lacks_what_is_asked(question: str, passages: Sequence[str]) -> bool:
    """Whether the question asks for a duration or a date that none of the passages found holds."""
    text = " ".join(passages)
    if _ASKS_DURATION.search(question) and not _DURATION.search(text):
        return True
    return bool(_ASKS_DATE.search(question)) and not _DATE.search(text)
