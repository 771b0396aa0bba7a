"""The "not in your documents" gates: a question the passages found cannot answer is told so, not answered.

A small model asked about a name its context never mentions answers about something else, fluently; and the
closest sentences of unrelated passages, quoted as if they answered, mislead more than a plain "not found".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.documents import Document as LCDocument

from rag.answering.grounding import mentions, numbers, unmatched_terms
from rag.answering.retrieval import HybridRetriever
from rag.schemas import Quote
from rag.text import content_words

NOT_FOUND = "I couldn't find anything about that in your documents."
NO_ANSWERING_PASSAGE = (
    "I couldn't find a passage in your documents that answers this. The pages that came closest are listed below."
)
# Passages a keyword search reads to see whether the library mentions a name at all.
KEYWORD_CHECK = 20


def not_found_about(terms: Sequence[str]) -> str:
    names = [f"“{t}”" for t in terms]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"I couldn't find anything about {listed} in your documents."


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
            for c in store.keyword_search(term, KEYWORD_CHECK, doc_ids, exclude, workspace=workspace)
        )
    ]


# A question that asks for a quantity: a count, a size, a duration, a limit, a version or a year. Its answer is a
# number; quotes of the right chapter that state none beside the thing asked about read like an answer and are not.
_ASKS_QUANTITY = re.compile(
    r"\bhow (many|much|long|big|large|often|old|fast|far)\b"
    r"|\b(minimum|maximum|limit)\b"
    r"|\b(which|what) (version|year|release|percentage|size)\b"
    r"|\bwhen was\b",
    re.I,
)
# The words that ask for the quantity, not the thing it is of.
_QUANTITY_WORDS = frozenset(
    "many much long big large often old fast far minimum maximum limit version year release percentage size "
    "default roughly approximately exactly".split()
)


def lacks_asked_fact(question: str, quotes: Sequence[Quote]) -> bool:
    """Whether a question asking for a quantity got quotes none of which states a number together with a word of
    what it asks about: the documents were found, the fact was not."""
    if not _ASKS_QUANTITY.search(question):
        return False
    about = content_words(question) - _QUANTITY_WORDS
    return not any(numbers(q.text) and content_words(q.text) & about for q in quotes)
