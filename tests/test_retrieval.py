"""Retrieval on fixed inputs: one passage per page, the snippet that shows why, and the fusion weights."""

import pytest

import rag.store.base as base
from rag.chunking import Chunk
from rag.retrieval import best_snippet, one_per_page
from rag.store import Hit
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


def _rrf(positions: dict[int, int], weights: tuple[float, float]) -> float:
    # Qdrant's weighted RRF: a weight shrinks its list's ranks, 1 / (rank / weight + k - 1), rank from 1.
    return sum(1 / ((position + 1) / weights[source] + base.RRF_K - 1) for source, position in positions.items())


@pytest.mark.parametrize("weights", [(1.0, 1.0), (3.0, 1.0), (1.0, 3.0)])
def test_fusion_scores_are_weighted_rrf_of_both_lists_in_both_backends(two_chunk_store, monkeypatch, weights):
    monkeypatch.setattr("rag.store.edge.FUSION_WEIGHTS", weights)
    monkeypatch.setattr("rag.store.server.FUSION_WEIGHTS", weights)
    result = two_chunk_store.search(_unit(1, 0), "zircon quartz", limit=2)
    # Dense ranks page 1 then 2; BM25 ranks page 2 (both words) then 1 (one word).
    expected = {1: _rrf({0: 0, 1: 1}, weights), 2: _rrf({0: 1, 1: 0}, weights)}
    assert {h.chunk.page: h.score for h in result.hits} == pytest.approx(expected, rel=1e-4)
    if expected[1] != pytest.approx(expected[2]):  # equal weights tie here: either order is right
        assert [h.chunk.page for h in result.hits] == sorted(expected, key=expected.get, reverse=True)
