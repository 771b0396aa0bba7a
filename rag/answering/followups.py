"""Follow-up questions without a model that rewrites them.

SmolLM2 never produced a usable standalone rewrite, so a follow-up is searched without one. bench/followups.py
measures four ways (the README's Follow-ups table): the previous question joined to the follow-up; the follow-up
alone; the two rankings fused, the follow-up's own weighted higher; and that with the documents the previous
answer cited as a soft preference. Fusion raised recall@5 and MRR on the dev follow-ups, but not on the held-out
ones, and the quotes held the key fact less often after it on dev: the joined search stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from langchain_core.documents import Document as LCDocument

from rag.answering.retrieval import HybridRetriever
from rag.services import Services

Method = Literal["joined", "alone", "fused", "fused+prefer"]
METHOD: Method = "joined"
# Reciprocal rank fusion's constant: small, so the first ranks of each list count most.
RRF_K = 10
ALONE_WEIGHT = 1.0
JOINED_WEIGHT = 0.7
# A page of a document the previous answer cited gains this share of its score: enough to break near-ties
# towards the conversation's topic, never enough to outrank a clearly better page of another document.
PREFER_BONUS = 0.15


def search_followup(
    services: Services,
    retriever: HybridRetriever,
    question: str,
    previous: str,
    previous_doc_ids: Sequence[str] = (),
    method: Method = METHOD,
) -> tuple[str, list[LCDocument]]:
    """The question to answer (the previous one joined to the follow-up: what the model and the quotes read),
    and the passages `retriever` finds, best first."""
    joined = f"{previous} {question}".strip()
    if method == "joined" or not previous:
        return joined, retriever.invoke(joined)
    alone = retriever.invoke(question)
    if method == "alone":
        return joined, alone
    lists = [(alone, ALONE_WEIGHT), (retriever.invoke(joined), JOINED_WEIGHT)]
    prefer = set(previous_doc_ids) if method == "fused+prefer" else set()
    return joined, fuse(lists, prefer, services.settings.top_k)


def fuse(lists: Sequence[tuple[list[LCDocument], float]], prefer: set[str], k: int) -> list[LCDocument]:
    scores: dict[tuple[str, int], float] = {}
    docs: dict[tuple[str, int], LCDocument] = {}
    for ranked, weight in lists:
        for rank, doc in enumerate(ranked):
            key = (doc.metadata["doc_id"], doc.metadata["page"])
            scores[key] = scores.get(key, 0.0) + weight / (RRF_K + rank + 1)
            docs.setdefault(key, doc)
    for key in scores:
        if key[0] in prefer:
            scores[key] *= 1 + PREFER_BONUS
    return [docs[key] for key in sorted(scores, key=lambda key: -scores[key])[:k]]
