import json
import os
import subprocess
import sys
import uuid

import pytest
import qdrant_edge as qe

from rag.errors import StoreError
from rag.store import point_id
from rag.store.chunk import Chunk
from rag.store.edge import IDENTITY_FILE, EdgeStore
from rag.store.server import ServerStore
from tests.conftest import QDRANT_SERVER_URL

DIM = 4


def _unit(*values: float) -> list[float]:
    norm = sum(v * v for v in values) ** 0.5
    return [v / norm for v in values]


CHUNKS = [
    (Chunk("doc-a", "a.pdf", 1, 0, "penguins eat fish in the cold antarctic sea"), _unit(1, 0, 0, 0)),
    (Chunk("doc-a", "a.pdf", 2, 1, "volcanoes erupt with hot lava and ash"), _unit(0, 1, 0, 0)),
    (Chunk("doc-b", "b.pdf", 1, 0, "compilers translate source code into machine code"), _unit(0, 0, 1, 0)),
]


# "client-memory" runs the server backend's own code through qdrant-client's in-process mode;
# "server" runs it against a real Qdrant server, which these machines cannot install.
@pytest.fixture(params=["edge", "client-memory", "server"])
def store(request, tmp_path):
    if request.param == "edge":
        s = EdgeStore(tmp_path / "qdrant", "test-model", DIM)
    elif request.param == "client-memory":
        s = ServerStore(":memory:", None, "test", "test-model", DIM)
    else:
        if not QDRANT_SERVER_URL:
            pytest.skip("server backend: set QDRANT_URL to run against a Qdrant server")
        s = ServerStore(
            QDRANT_SERVER_URL, os.environ.get("QDRANT_API_KEY"), f"test_{uuid.uuid4().hex[:8]}", "test-model", DIM
        )
    s.upsert([c for c, _ in CHUNKS], [v for _, v in CHUNKS])
    yield s
    s.close()


def test_hybrid_search_ranks_by_meaning_and_by_words(store):
    by_vector = store.search(_unit(0, 1, 0, 0.1), "unrelated words", limit=3)
    assert by_vector.hits[0].chunk == CHUNKS[1][0]
    assert by_vector.top_similarity == pytest.approx(0.995, abs=0.01)
    # Same vector, but a query whose words only match the compiler chunk: BM25 lifts it.
    by_words = store.search(_unit(1, 1, 0.2, 0), "compilers machine code", limit=3)
    assert CHUNKS[2][0] in [h.chunk for h in by_words.hits[:2]]


def test_filter_by_document(store):
    result = store.search(_unit(1, 0, 0, 0), "penguins", limit=5, doc_ids=["doc-b"])
    assert {h.chunk.doc_id for h in result.hits} == {"doc-b"}


def test_count_and_delete_by_document(store):
    assert (store.count(), store.count("doc-a"), store.count("doc-b")) == (3, 2, 1)
    store.delete_document("doc-a")
    assert (store.count(), store.count("doc-a")) == (1, 0)
    assert {h.chunk.doc_id for h in store.search(_unit(1, 0, 0, 0), "penguins", limit=5).hits} == {"doc-b"}


def test_keyword_search_finds_only_passages_with_the_words(store):
    assert store.keyword_search("volcanoes", 5) == [CHUNKS[1][0]]
    assert store.keyword_search("volcanoes", 5, doc_ids=["doc-b"]) == []
    assert store.keyword_search("jupyter", 5) == []
    assert store.keyword_search("the of and", 5) == []  # only stopwords


def test_a_passage_s_keywords_are_its_own_language_s_words(store):
    # German stems "Häuser" and "Haus" alike, English does not; "der" and "die" are German stopwords, not English.
    german = Chunk("doc-de", "stadt.pdf", 1, 0, "Das alte Haus steht in der Altstadt", language="de")
    store.upsert([german], [_unit(0, 0, 0, 1)])
    assert store.keyword_search("Häuser", 5, languages=["de"]) == [german]
    assert store.keyword_search("Häuser", 5) == []  # a question searched as English only meets English words
    assert store.keyword_search("der die", 5, languages=["de"]) == []  # only German stopwords
    # The English passages are still met in English words, whatever other languages the library holds.
    assert store.keyword_search("volcano erupting", 5, languages=["de"]) == [CHUNKS[1][0]]


def test_a_question_meets_passages_in_other_languages_by_meaning_where_its_words_cannot(store):
    # An English question whose words only an English passage shares, whose meaning a French passage is nearer.
    english = Chunk("doc-en", "en.pdf", 1, 0, "compilers translate source code and programs", language="en")
    french = Chunk("doc-fr", "fr.pdf", 1, 0, "les compilateurs traduisent les programmes", language="fr")
    store.upsert([english, french], [_unit(1, 0.3, 0, 0), _unit(0.2, 1, 0, 0)])
    question, words = _unit(0.5, 1, 0, 0), "how do compilers translate source code"
    alone = [h.chunk for h in store.search(question, words, limit=2).hits]
    assert alone == [english, french]  # the words outweigh the meaning
    result = store.search(question, words, limit=2, languages=["en", "fr"], across="en")
    assert [h.chunk for h in result.hits] == [french, english]
    # How near the best passage in another language is: the French one's cosine (0.5*0.2 + 1*1) / norms.
    assert result.top_across == pytest.approx(1.1 / (1.25**0.5 * 1.04**0.5), abs=0.01)
    assert alone and store.search(question, words, limit=2).top_across is None
    # Where a passage in the question's language is far nearer than any other (a translation of it, say), the
    # others are not searched again: the ranking is the plain one.
    near_english = _unit(1, 0.25, 0, 0)
    plain = store.search(near_english, words, limit=2)
    assert store.search(near_english, words, limit=2, languages=["en", "fr"], across="en").hits == plain.hits
    # Across from French, the French passage is the question's own language: it is not searched a second time.
    own = [h.chunk for h in store.search(question, words, limit=2, languages=["en", "fr"], across="fr").hits]
    assert own[0] == english


def test_upsert_is_idempotent(store):
    store.upsert([c for c, _ in CHUNKS], [v for _, v in CHUNKS])
    assert store.count() == 3


def test_point_ids_are_deterministic():
    assert point_id("doc", 3) == point_id("doc", 3) != point_id("doc", 4)


def test_a_different_embedding_model_is_refused(tmp_path):
    EdgeStore(tmp_path / "q", "model-one", DIM).close()
    with pytest.raises(StoreError, match="indexed with the embedding model model-one"):
        EdgeStore(tmp_path / "q", "model-two", 8)


def test_data_survives_close_and_reopen(tmp_path):
    s = EdgeStore(tmp_path / "q", "m", DIM)
    s.upsert([CHUNKS[0][0]], [CHUNKS[0][1]])
    s.close()
    s = EdgeStore(tmp_path / "q", "m", DIM)
    assert s.count() == 1
    s.close()


def test_a_second_process_gets_a_clear_busy_error(tmp_path):
    s = EdgeStore(tmp_path / "q", "m", DIM)
    try:
        code = (
            "import sys; from pathlib import Path\n"
            "from rag.errors import StoreBusyError\nfrom rag.store.edge import EdgeStore\n"
            "try:\n    EdgeStore(Path(sys.argv[1]), 'm', 4)\n"
            "except StoreBusyError as e:\n    print(e); sys.exit(3)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / "q")], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 3, proc.stderr
        assert "open in another DocChat process" in proc.stdout and "QDRANT_URL" in proc.stdout
    finally:
        s.close()


def test_a_refused_second_process_leaves_the_first_store_whole(tmp_path):
    # EdgeShard.load in a second process deleted the live shard's BM25 tracker journal, and the first
    # process's next flush failed. Our lock refuses before Edge reads a file.
    path = tmp_path / "q"
    s = EdgeStore(path, "m", DIM)
    try:
        s.upsert([CHUNKS[0][0]], [CHUNKS[0][1]])
        before = sorted(str(f.relative_to(path)) for f in path.rglob("*") if f.is_file())
        code = "import sys,pathlib\nfrom rag.store.edge import EdgeStore\nEdgeStore(pathlib.Path(sys.argv[1]), 'm', 4)"
        for _ in range(3):
            proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
            assert proc.returncode != 0 and "StoreBusyError" in proc.stderr
        assert sorted(str(f.relative_to(path)) for f in path.rglob("*") if f.is_file()) == before
        s.upsert([c for c, _ in CHUNKS[1:]], [v for _, v in CHUNKS[1:]])  # flushes: failed before the fix
        s.delete_document("doc-b")
    finally:
        s.close()
    reopened = EdgeStore(path, "m", DIM)
    assert reopened.count() == 2 and reopened.count("doc-b") == 0
    reopened.close()


def test_optimize_keeps_every_point_and_the_ranking(store):
    # No ties: the score fusion would give equal scores to the two passages equally far from the query.
    query = _unit(0.2, 1, 0.1, 0)
    before = store.search(query, "volcanoes lava", limit=3)
    store.optimize()
    after = store.search(query, "volcanoes lava", limit=3)
    assert store.count() == 3
    assert [h.chunk for h in after.hits] == [h.chunk for h in before.hits]


def test_keyword_search_can_require_a_string(store):
    # BM25 matches "hot" in one passage; the passage must also hold one of the strings ("and" is no word of BM25's).
    assert store.keyword_search("hot lava", 5, containing=["lava and"]) == [CHUNKS[1][0]]
    assert store.keyword_search("hot lava", 5, containing=["glacier"]) == []
    assert store.keyword_search("code", 5, containing=["nothing here", "machine code"]) == [CHUNKS[2][0]]
    assert store.keyword_search("code", 5, doc_ids=["doc-a"], containing=["machine code"]) == []


def test_passages_by_their_place_in_the_document(store):
    assert store.passages("doc-a", [1, 0, 7]) == [CHUNKS[1][0], CHUNKS[0][0]]
    assert store.passages("doc-b", [1]) == []


def test_an_english_library_s_keywords_are_english_bm25_as_before():
    import qdrant_edge as qe

    from rag.store.base import Keywords

    before = qe.Bm25(qe.Bm25Config(language="english"))
    keywords, text = Keywords(), "Installing the packages: run dpkg-reconfigure, then reboot the machines."
    for language in ("en", "", None):  # detected English, and passages stored before languages were told
        new, old = keywords.document(text, language), before.embed_document(text)
        assert (new.indices, new.values) == (old.indices, old.values)
    new, old = keywords.query(text, ["en"]), before.embed_query(text)
    assert sorted(zip(new.indices, new.values, strict=True)) == sorted(zip(old.indices, old.values, strict=True))


def test_a_store_made_before_languages_gets_their_index_when_opened(tmp_path):
    # A store as DocChat made it before passages were told apart by language: no index on their language, which
    # a search across languages filters on.
    path = tmp_path / "qdrant"
    path.mkdir()
    shard = qe.EdgeShard.create(str(path), EdgeStore._config(DIM))
    for field in ("doc_id", "workspaces"):
        shard.update(qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword))
    shard.flush()
    shard.close()
    (path / IDENTITY_FILE).write_text(json.dumps({"embedding_model": "test-model", "dimension": DIM}))
    store = EdgeStore(path, "test-model", DIM)
    try:
        assert {"doc_id", "workspaces", "language"} <= set(store._shard.info().payload_schema)
    finally:
        store.close()
