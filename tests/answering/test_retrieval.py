"""Retrieval on fixed inputs: one passage per page (its best ones joined), the snippet that shows why, and the fusion
weights."""

import pytest
from langchain_core.embeddings import Embeddings

from rag.answering.retrieval import (
    PAGE_PASSAGES,
    HybridRetriever,
    best_snippet,
    one_per_page,
    with_runners_up,
)
from rag.store import Hit
from rag.store.chunk import Chunk
from rag.store.edge import EdgeStore
from rag.store.server import ServerStore


def _hit(doc: str, page: int, index: int, score: float) -> Hit:
    return Hit(Chunk(doc, f"{doc}.pdf", page, index, f"text {index}"), score)


def test_one_passage_per_page_keeps_the_best_of_each_in_rank_order():
    hits = [
        _hit("a", 1, 0, 0.9),
        _hit("a", 1, 1, 0.8),
        _hit("b", 1, 0, 0.7),
        _hit("a", 2, 2, 0.6),
        _hit("a", 1, 3, 0.5),
    ]
    kept = one_per_page(hits, limit=5)
    assert [(h.chunk.doc_id, h.chunk.page, h.chunk.chunk_index) for h in kept] == [
        ("a", 1, 0),
        ("b", 1, 0),
        ("a", 2, 2),
    ]
    assert len(one_per_page(hits, limit=2)) == 2


def test_a_pages_best_passage_is_read_with_its_next_best_in_the_pages_order_and_a_table_read_as_it_was():
    def chunk(doc: str, page: int, index: int, text: str) -> Chunk:
        return Chunk(doc, f"{doc}.pdf", page, index, text)

    advisory = [chunk("a", 1, i, text) for i, text in enumerate(["Head.", "The hole.", "Fixed in 0.59.1.", "Sites."])]
    fetched = [
        Hit(advisory[1], 0.9),
        Hit(chunk("b", 4, 0, "Other file."), 0.8),
        Hit(advisory[2], 0.7),
        Hit(advisory[0], 0.6),
        Hit(advisory[3], 0.5),
    ]
    kept = one_per_page(fetched, limit=5)
    table = Hit(chunk("c", 2, 5, "rows read whole"), 0.4)  # what whole_tables or named_rows put in a hit's place
    read = with_runners_up([*kept, table], kept, fetched)
    assert PAGE_PASSAGES == 3
    # The page's best (1) and the next two found (2, then 0), in the page's order; scored as its best, cited once.
    assert read[0].chunk.text == "Head.\nThe hole.\nFixed in 0.59.1."
    assert (read[0].chunk.chunk_index, read[0].chunk.page, read[0].score) == (1, 1, 0.9)
    assert read[1] == kept[1]  # nothing else found on its page
    assert read[2] == table


def test_passages_cut_with_an_overlap_are_joined_without_repeating_it():
    before = Chunk("a", "a.pdf", 1, 0, "Set the timeout in the config file before the first start.")
    after = Chunk("a", "a.pdf", 1, 1, "config file before the first start. Then restart the service.")
    hits = [Hit(before, 0.9), Hit(after, 0.8)]
    read = with_runners_up(one_per_page(hits, 5), one_per_page(hits, 5), hits)
    assert read[0].chunk.text == (
        "Set the timeout in the config file before the first start.\nThen restart the service."
    )


def test_the_snippet_is_the_part_of_the_passage_that_matches_the_question():
    text = "Intro words about nothing in particular. " * 10 + "To install, run make install as root. " + "Tail. " * 40
    snippet = best_snippet(text, "how do I install it as root?", size=120)
    assert "make install as root" in snippet
    assert snippet.startswith("…") and len(snippet) <= 122
    assert best_snippet("short text", "anything") == "short text"
    # No shared words: the start of the passage.
    assert best_snippet(text, "zebra", size=60).startswith("Intro words")


def _unit(*values: float) -> list[float]:
    norm = sum(v * v for v in values) ** 0.5
    return [v / norm for v in values]


@pytest.fixture(params=["edge", "client-memory"])
def two_chunk_store(request, tmp_path):
    store = EdgeStore(tmp_path / "q", "m", 2) if request.param == "edge" else ServerStore(":memory:", None, "t", "m", 2)
    # Page 1 is the dense favourite, page 2 the BM25 one: each list ranks them the other way round.
    store.upsert(
        [
            Chunk("d", "d.pdf", 1, 0, "a long passage about something else that mentions quartz once"),
            Chunk("d", "d.pdf", 2, 1, "zircon quartz"),
        ],
        [_unit(1, 0.05), _unit(0, 1)],
    )
    yield store
    store.close()


def _dbsf(scores: list[float]) -> list[float]:
    # Qdrant's distribution-based score fusion scales a list by its mean +- 3 sample standard deviations.
    mean = sum(scores) / len(scores)
    std = (sum((s - mean) ** 2 for s in scores) / (len(scores) - 1)) ** 0.5
    return [(s - (mean - 3 * std)) / (6 * std) for s in scores]


def test_fusion_sums_each_lists_scores_scaled_by_their_spread_in_both_backends(two_chunk_store):
    result = two_chunk_store.search(_unit(1, 0), "zircon quartz", limit=2)
    # Each page leads one list and trails the other: scaled, first and second of a list sum to 1 for both.
    top, second = _dbsf([1.0, 0.0])
    assert {h.chunk.page: h.score for h in result.hits} == pytest.approx({1: top + second, 2: top + second}, rel=1e-4)


def test_fusion_keeps_a_clear_lead_that_rank_fusion_would_level(tmp_path):
    """Dense: page 1 far ahead of pages 2 and 3, which are close. BM25 favours page 2 a little over page 1. RRF
    would tie pages 1 and 2 (first and second in each list); the score fusion keeps page 1's clear lead."""
    chunks = [
        Chunk("d", "d.pdf", 1, 0, "quartz notes and other words"),
        Chunk("d", "d.pdf", 2, 1, "quartz quartz notes"),
        Chunk("d", "d.pdf", 3, 2, "unrelated filler text entirely"),
    ]
    vectors = [_unit(1, 0.02), _unit(0.2, 1), _unit(0.18, 1)]
    stores = [EdgeStore(tmp_path / "q", "m", 2), ServerStore(":memory:", None, "t", "m", 2)]
    try:
        results = []
        for store in stores:
            store.upsert(chunks, vectors)
            results.append(store.search(_unit(1, 0), "quartz", limit=3))
        edge, server = ([h.chunk.page for h in r.hits] for r in results)
        assert edge == server and edge[0] == 1, (edge, server)
        first, runner_up = (h.score for h in results[0].hits[:2])
        assert first - runner_up > 0.02, (first, runner_up)  # under RRF they tie
        assert [h.score for h in results[0].hits] == pytest.approx([h.score for h in results[1].hits], rel=1e-3)
    finally:
        for store in stores:
            store.close()


def test_a_small_models_context_holds_a_joined_pages_best_passage_when_the_page_is_over_its_budget():
    from langchain_core.documents import Document as LCDocument

    from rag.answering.generation import format_context

    page = LCDocument(
        page_content="Head of the advisory. " * 40 + "Fixed in 0.59.1.",
        metadata={"page": 1, "filename": "advisory.eml", "best": "Fixed in 0.59.1."},
    )
    other = LCDocument(page_content="Another page.", metadata={"page": 2, "filename": "b.pdf", "best": "x"})
    assert (
        format_context([page, other], 200) == "[p.1 · advisory.eml]\nFixed in 0.59.1.\n\n[p.2 · b.pdf]\nAnother page."
    )
    # Within the budget, the page is given whole.
    assert "Head of the advisory." in format_context([page, other], 2000)


class _Fixed(Embeddings):
    """Every question embedded at one point, so that a test sets how near each passage is."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[1.0, 0.0] for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return [1.0, 0.0]


def test_a_passage_in_another_language_is_relevant_on_its_own_lower_line(tmp_path):
    store = EdgeStore(tmp_path / "qdrant", "test-model", 2)
    try:
        french = Chunk("doc-fr", "guide.pdf", 3, 0, "Le groupe sudo donne un accès complet au système.", language="fr")
        store.upsert([french], [[0.9, 0.436]])  # cosine 0.9 with every question
        question = "Which group gives a user full access to the system?"

        def retriever(across: float | None) -> HybridRetriever:
            return HybridRetriever(
                store=store,
                embeddings=_Fixed(),
                min_relevance=0.95,
                min_relevance_across=across,
                languages=["en", "fr"],
                across_languages=True,
            )

        assert [d.metadata["page"] for d in retriever(0.85).invoke(question)] == [3]
        assert retriever(None).invoke(question) == []  # without a line of its own: the question's line
        assert retriever(0.92).invoke(question) == []
    finally:
        store.close()
