"""The contract every vector store backend keeps, and what the backends share so that they rank alike.

Every chunk carries a dense vector and a BM25 sparse vector; queries fuse both through the Query API
(prefetch + fusion), identically in both backends.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import qdrant_edge as qe

from rag.errors import StoreError
from rag.store.chunk import Chunk

DENSE = "dense"
SPARSE = "bm25"
# The payload field, a list of workspace ids with a keyword index, that every search of the app filters on.
WORKSPACES = "workspaces"
# Deterministic ids make a retried upsert overwrite, never duplicate.
POINT_NAMESPACE = uuid.UUID("0b5c6d43-5f5e-4d43-9d0b-2f3f8e7a9c11")
# Both backends fuse alike, with Qdrant's distribution-based score fusion: each list's scores scaled by its
# mean +- 3 standard deviations, then summed. Unlike rank fusion (RRF) it keeps how far apart the scores are,
# so a page clearly best in one list is not levelled with a near-miss. On the blind questions of
# bench/qa/unseen-*.jsonl with 1000-character passages, recall@1 / MRR@5 went from 0.629 / 0.749 to
# 0.732 / 0.813 on dev and from 0.670 / 0.784 to 0.722 / 0.816 held out. With 1200-character passages, whose
# ends the dense search never saw, it did not hold out (recall@1 0.691 -> 0.660).
#
# How many candidates each list gives the fusion. Fixed, not a multiple of what is asked: the score fusion
# scales each list by its own spread, so a deeper list would rank the top five differently, and the evaluation
# (top 10) would then measure another ranking than the chat's (top 5).
PREFETCH = 60
# ACROSS. A question meets a passage in its own language by meaning and by words, one in another language by meaning
# alone, since its words are not there: an English question about a French page lost to English pages that shared
# its words. So where the library holds other languages than the question's and the embedding model meets meaning
# across languages, the passages in other languages are searched by meaning a second time, a third list of the
# fusion in place of the words they cannot share. On the cross dev questions (bench/qa/languages-crossdev.jsonl,
# multilingual-e5, quotes alone) English questions about French, Spanish and Italian chapters went from recall@1 /
# @5 0.47 / 0.67 to 0.60 / 0.80, French, Spanish and Italian ones about the English manual from 0.17 / 0.50 to
# 0.33 / 0.67; the nine same-language questions there did not move. A library in the question's language alone
# searches as before: there is no third list.
#
# A library with one document in several languages is the opposite case: there a same-language question's best
# passage in another language is its page's translation, which the third list lifted over the page itself (dev,
# the References in four languages: French recall@1 / @5 0.88 / 1.00 -> 0.62 / 0.88). So the third list is searched
# only where the best passage in another language is at least as near as the best in the question's own (within
# ACROSS_MARGIN): where the answer is likely in another language. Searched within 0.02, then 0.01, then 0.0 of it,
# cross dev's English questions about other languages kept recall@5 0.87, 0.83, 0.80 (0.67 without the third
# list), and dev's French questions lost 0.19, 0.07, 0.00 at recall@1.
ACROSS_MARGIN = 0.0
#
# The payload field of a passage's language (Chunk.language): "" for English indexed before languages were told.
LANGUAGE = "language"


def searched_across(top_own: float, top_across: float) -> bool:
    """Whether the passages in other languages are searched by meaning a second time (ACROSS), from the cosine of the
    best passage in the question's language and in the others."""
    return top_across >= top_own - ACROSS_MARGIN


def language_values(language: str) -> list[str]:
    """The values of LANGUAGE that mean `language`: what a search for passages in other languages leaves out."""
    return ["", "en"] if language == "en" else [language]


def prefetch_depth(limit: int) -> int:
    return max(limit, PREFETCH)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    # Cosine similarity of the best dense match: fused scores are relative to the query's lists and cannot tell
    # "relevant" from "least irrelevant", so relevance is judged on this instead.
    top_similarity: float
    # The same among the passages in other languages than the question's, searched `across` (None otherwise).
    top_across: float | None = None


def point_id(doc_id: str, chunk_index: int) -> str:
    return str(uuid.uuid5(POINT_NAMESPACE, f"{doc_id}:{chunk_index}"))


@runtime_checkable
class VectorStore(Protocol):
    # `workspaces`: the workspaces whose libraries hold the document; searches filter on it (WORKSPACES).
    def upsert(
        self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], workspaces: Sequence[str] = ()
    ) -> None: ...
    def set_workspaces(self, doc_id: str, workspaces: Sequence[str]) -> None: ...
    def delete_document(self, doc_id: str) -> None: ...
    # `workspace` limits a search to that workspace's documents (the app always gives it; benchmarks may not);
    # `doc_ids` to those documents; `exclude` leaves documents out (those in the trash). `languages`: those of
    # the library searched and of the question, whose words the keyword search looks for (Keywords). `across`: the
    # question's language, when passages in other languages are to be met by meaning as well as its own are by
    # words (ACROSS).
    def search(
        self,
        dense: Sequence[float],
        text: str,
        limit: int,
        doc_ids: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
        *,
        workspace: str | None = None,
        languages: Sequence[str] = (),
        across: str | None = None,
    ) -> SearchResult: ...
    # `containing`: only passages whose text holds one of these strings: as a substring on Edge and a server
    # (no full-text index), as words in qdrant-client's local mode. Callers that care check the text they get.
    def keyword_search(
        self,
        text: str,
        limit: int,
        doc_ids: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
        *,
        workspace: str | None = None,
        languages: Sequence[str] = (),
        containing: Sequence[str] = (),
    ) -> list[Chunk]: ...
    # The passages of one document by their place in it (chunk_index), those that exist, in that order.
    def passages(self, doc_id: str, indexes: Sequence[int]) -> list[Chunk]: ...
    def count(self, doc_id: str | None = None) -> int: ...
    # Passages stored before workspaces existed: the first start after the upgrade gives them theirs.
    def count_without_workspaces(self) -> int: ...
    def optimize(self) -> None: ...
    def close(self) -> None: ...


class Rebuild(Protocol):
    """An index set aside by a backend's `begin_rebuild`, so that a new, empty one can be filled.

    `finish(True)` discards the old index once the new one holds everything; `finish(False)` keeps it.
    A rebuild never finished (the process died, an exception) keeps it too, and the next rebuild
    takes it as the real old index. A backend that could not set its index aside (a server deletes
    the collection at once) has nothing left to keep or discard.
    """

    # The collection the new index is written to while the old one keeps answering (a server's), or None where
    # the new index takes the old one's place from the start (Edge's folder).
    target: str | None

    def finish(self, ok: bool) -> None: ...


# The languages whose words Qdrant's BM25 can stem and whose stopwords it knows (Snowball): a passage of one of
# them is indexed in its own language's words ("sauvegardes" and "sauvegarde" one word in French), any other
# passage as English, as every passage was before languages were told apart.
BM25_LANGUAGES = frozenset("en de fr es it pt nl sv da no fi sl hu ro el ru tr ca eu ar he bn id zh".split())


class Keywords:
    """BM25 vectors in each language's tokenisation: a passage in its document's language, a question in every
    language of the library it searches (and its own), merged, so that a question meets each passage's words as
    that passage was indexed. In an English library this is exactly English BM25, as before."""

    def __init__(self) -> None:
        self._models: dict[str, qe.Bm25] = {}

    def _model(self, language: str | None) -> qe.Bm25:
        language = language if language in BM25_LANGUAGES else "en"
        if language not in self._models:
            self._models[language] = qe.Bm25(qe.Bm25Config(language=language))
        return self._models[language]

    def document(self, text: str, language: str | None) -> qe.SparseVector:
        return self._model(language).embed_document(text)

    def query(self, text: str, languages: Sequence[str] = ()) -> qe.SparseVector:
        tokens: dict[int, float] = {}
        for language in dict.fromkeys(lang if lang in BM25_LANGUAGES else "en" for lang in (*languages, "en")):
            vector = self._model(language).embed_query(text)
            for index, value in zip(vector.indices, vector.values, strict=True):
                tokens[index] = max(value, tokens.get(index, 0.0))
        return qe.SparseVector(indices=list(tokens), values=list(tokens.values()))


def identity_mismatch(recorded: dict, name: str, dimension: int) -> StoreError:
    return StoreError(
        f"This library was indexed with the embedding model {recorded.get('embedding_model')} "
        f"({recorded.get('dimension')} dimensions), but DocChat is now configured for {name} "
        f"({dimension} dimensions). Mixing them would give wrong answers: run `python -m rag reindex` "
        "(with the app stopped) to re-embed your documents with the new model, or switch the settings back."
    )
