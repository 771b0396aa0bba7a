"""The "not in your documents" gates: a question the passages found cannot answer is told so, not answered.

A small model asked about a name its context never mentions answers about something else, fluently; and the
closest sentences of unrelated passages, quoted as if they answered, mislead more than a plain "not found".
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.documents import Document as LCDocument

from rag.answering.grounding import mentions, unmatched_terms
from rag.answering.retrieval import HybridRetriever

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
