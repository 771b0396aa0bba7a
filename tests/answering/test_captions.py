"""The table or figure a question names: its caption found as written, its page read first, its rows quoted."""

import pytest
from langchain_core.documents import Document as LCDocument

from rag.answering.captions import Part, caption_passage, named_part
from rag.answering.quotes import extract_quotes
from rag.answering.retrieval import HybridRetriever
from rag.store.chunk import Chunk
from rag.store.edge import EdgeStore
from rag.store.server import ServerStore


@pytest.mark.parametrize(
    ("question", "part"),
    [
        ("What does Table 1 of the paper report?", Part("Table", "1")),
        ("In table 6.5, which value is given?", Part("Table", "6.5")),
        ("What is plotted in Fig. 9?", Part("Figure", "9")),
        ("What does Figure 12 show?", Part("Figure", "12")),
        ("Which rows are in Table iv?", Part("Table", "IV")),
        ("How do I make a table of contents?", None),
        ("Which figure shows the results?", None),
    ],
)
def test_the_part_a_question_names(question, part):
    assert named_part(question) == part


def test_a_caption_is_the_label_starting_a_line_not_a_mention_in_prose():
    caption = Part("Table", "1").caption()
    assert caption.search("Some prose.\nTable 1: Scaled MSE for several estimators")
    assert caption.search("TABLE 1. Results")
    assert caption.search("Table 1\nEstimator | n | MSE")
    assert not caption.search("As Table 1 shows, the bias is small.")
    assert not caption.search("results reported in Table 1 this is surprising")
    assert not caption.search("Table 10: Other results")
    assert not caption.search("Table 1.5: A subsection's table")
    assert Part("Figure", "9").caption().search("Fig. 9: Generation number against fitness")


PAGES = [
    # The prose that cites Table 2 shares the question's words; the caption's page does not say "results" at all.
    Chunk("paper", "paper.pdf", 3, 0, "The results in Table 2 show that the new estimator has the smallest error."),
    Chunk(
        "paper",
        "paper.pdf",
        7,
        1,
        "Table 2: Mean error by method\nmethod | n | error\nmethod: Powell; n: 400; error: 0.0734\n"
        "method: Portnoy; n: 400; error: 0.0812",
    ),
    Chunk("paper", "paper.pdf", 9, 2, "Table 3: Bias by method\nmethod | bias\nmethod: Powell; bias: 0.01"),
    Chunk("other", "other.pdf", 2, 0, "Table 2: Opening hours of the zoo\nday | hours\nday: Monday; hours: 9-18"),
]


@pytest.fixture(params=["edge", "client-memory"])
def paper_store(request, tmp_path, embedding):
    dimension = len(embedding.embeddings.embed_query("x"))
    if request.param == "edge":
        store = EdgeStore(tmp_path / "q", "m", dimension)
    else:
        store = ServerStore(":memory:", None, "t", "m", dimension)
    store.upsert(PAGES, embedding.embeddings.embed_documents([c.text for c in PAGES]))
    yield store
    store.close()


def test_the_caption_is_looked_for_in_the_documents_found_best_first(paper_store):
    question = "In Table 2, what error did the Powell method get with 400 observations?"
    assert caption_passage(paper_store, question, ["paper", "other"]) == PAGES[1]
    assert caption_passage(paper_store, question, ["other", "paper"]) == PAGES[3]
    assert caption_passage(paper_store, question, ["nobody"]) is None
    assert caption_passage(paper_store, "What error did the Powell method get?", ["paper"]) is None


def test_the_named_tables_page_is_read_first_and_its_row_quoted(paper_store, embedding):
    retriever = HybridRetriever(store=paper_store, embeddings=embedding.embeddings, k=3, min_relevance=-1.0)
    question = "Which estimator has the smallest error in Table 2?"
    pages = [(d.metadata["doc_id"], d.metadata["page"]) for d in retriever.invoke(question)]
    assert pages[0] == ("paper", 7) and len(pages) == len(set(pages)) <= 3
    # Unnamed, the prose that shares the question's words comes first.
    unnamed = retriever.invoke("Which estimator has the smallest error?")
    assert (unnamed[0].metadata["doc_id"], unnamed[0].metadata["page"]) == ("paper", 3)


def test_a_row_of_the_named_table_is_quoted_before_prose_about_it(embedding):
    prose = Chunk("paper", "paper.pdf", 3, 0, "Table 2 compares the error of each method on the simulated data.")
    docs = [
        LCDocument(page_content=c.text, metadata={"doc_id": c.doc_id, "filename": c.filename, "page": c.page})
        for c in [prose, *PAGES[1:3]]
    ]
    quotes = extract_quotes("In Table 2, what error did the Powell method get?", docs, embedding.embeddings)
    assert "0.0734" in quotes[0].text
    # The rows of another table are not the named one's.
    assert not any("bias: 0.01" in q.text for q in quotes[:1])
