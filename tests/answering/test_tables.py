"""Tables and figures in answers: the one a question names (its caption found as written, its page read first,
its rows quoted), a table cut between two passages read whole, a row told by the number the question gives, and the
passage of a long sheet holding the row whose cells the question names."""

import pytest
from langchain_core.documents import Document as LCDocument

from rag.answering.captions import Part, caption_passage, named_part
from rag.answering.quotes import extract_quotes
from rag.answering.retrieval import HybridRetriever, named_rows, whole_tables
from rag.store.base import Hit
from rag.store.chunk import Chunk
from rag.store.edge import EdgeStore
from rag.store.server import ServerStore
from rag.text import cells_named


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


def test_a_table_cut_between_two_passages_is_read_whole(tmp_path, embedding):
    # One page, three passages: prose, then a table whose rows run over the second and third.
    page = [
        Chunk("t", "t.pdf", 4, 0, "We simulate the median estimators.\nThe table below gives the scaled MSE."),
        Chunk("t", "t.pdf", 4, 1, "estimator | n | MSE\nestimator: Kaplan-Meier; n: 50; MSE: 1.972"),
        Chunk("t", "t.pdf", 4, 2, "estimator: Kaplan-Meier; n: 200; MSE: 1.924\nestimator: Powell; n: 200; MSE: 2.110"),
        Chunk("t", "t.pdf", 5, 3, "estimator: Powell; n: 500; MSE: 2.187\nThe next section turns to regression."),
    ]
    dimension = len(embedding.embeddings.embed_query("x"))
    store = EdgeStore(tmp_path / "q", "m", dimension)
    try:
        store.upsert(page, embedding.embeddings.embed_documents([c.text for c in page]))
        hits = [Hit(page[1], 1.0), Hit(page[0], 0.5)]
        read = whole_tables(store, hits)
        # The table's passage goes on into the next one on its page, never into the next page's.
        assert read[0].chunk.text == f"{page[1].text}\n{page[2].text}"
        assert read[1] == hits[1]  # prose at both ends: read as it is
        last = whole_tables(store, [Hit(page[2], 1.0)])[0].chunk.text
        assert last == f"{page[1].text}\n{page[2].text}"
    finally:
        store.close()


def test_a_table_over_four_passages_is_read_as_far_as_it_goes_on_its_page(tmp_path, embedding):
    rows = [
        f"Curve: {curve}; Method: {method}; FOM: {n}.{m}"
        for n, curve in enumerate(("Chromosome", "Infinity"))
        for m, method in enumerate(("Teh", "Ray", "Cornic", "Proposed"))
    ]
    page = [
        Chunk("t", "t.pdf", 9, 0, "Table 2 gives the results.\nCurve | Method | FOM\n" + "\n".join(rows[:2])),
        Chunk("t", "t.pdf", 9, 1, "\n".join(rows[2:4])),
        Chunk("t", "t.pdf", 9, 2, "\n".join(rows[4:6])),
        Chunk("t", "t.pdf", 9, 3, "\n".join(rows[6:]) + "\nThe proposed method needs the fewest points."),
        Chunk("t", "t.pdf", 10, 4, "Curve: Leaf; Method: Teh; FOM: 2.0\nThe leaf is the hardest curve."),
    ]
    dimension = len(embedding.embeddings.embed_query("x"))
    store = EdgeStore(tmp_path / "q", "m", dimension)
    try:
        store.upsert(page, embedding.embeddings.embed_documents([c.text for c in page]))
        read = whole_tables(store, [Hit(page[1], 1.0)])[0].chunk.text
        # Back to where the table starts, on to where prose ends it: every row, the header once.
        assert read == "\n".join(c.text for c in page[:4])
    finally:
        store.close()


def test_a_row_holding_the_number_the_question_gives_is_quoted(embedding):
    # Prose about the table shares the question's words; the row that answers is told by its number.
    rows = "\n".join(
        f"estimator: Kaplan-Meier; n: {n}; MSE: {mse}" for n, mse in ((10, 1.972), (20, 1.924), (50, 2.016))
    )
    docs = [
        LCDocument(page_content=text, metadata={"doc_id": "t", "filename": "t.pdf", "page": page})
        for page, text in ((3, "The MSE of Kaplan-Meier is given for three sizes."), (4, rows))
    ]
    quotes = extract_quotes("What MSE did Kaplan-Meier get with 20 observations?", docs, embedding.embeddings)
    assert quotes[0].text == "estimator: Kaplan-Meier; n: 20; MSE: 1.924"


def test_the_cells_a_question_names_are_whole_values_not_parts_of_numbers_or_words():
    row = "Sample Number: 4; Island: Torgersen; Culmen Length (mm): 39.1; Comments: Adult not sampled."
    assert cells_named("What comment was recorded for sample number 4 on Torgersen island?", row) == 2
    assert cells_named("What comment was recorded for sample 48 on Torgersen island?", row) == 1  # "4" is not in 48
    assert cells_named("Which sample has 4.5 mm on Torgersen?", row) == 1  # nor in 4.5
    assert cells_named("Which sample is from Torgersenland?", row) == 0
    assert cells_named("sample 4 on Torgersen", "Sample Number | Island") == 0  # a header names no row
    assert cells_named("sample 4 on Torgersen", "Sample 4 was taken on Torgersen.") == 0  # prose is no row


def test_the_passage_of_a_sheet_read_is_the_one_holding_the_row_the_question_names(tmp_path, embedding):
    # One unit of a sheet, six passages of two rows: every row says "Adelie" and "Dream"; one is sample 48.
    rows = [f"Species: Adelie; Island: Dream; Sample Number: {n}; Date Egg: 2007-11-{n - 30}" for n in range(37, 49)]
    page = [Chunk("s", "penguins.csv", 2, i, "\n".join(rows[2 * i : 2 * i + 2])) for i in range(6)]
    page.append(Chunk("s", "penguins.csv", 3, 6, "Species: Gentoo; Island: Biscoe; Sample Number: 48; Date Egg: x"))
    prose = Chunk("p", "notes.txt", 1, 0, "The penguins on Dream island were sampled in 2007.")
    dimension = len(embedding.embeddings.embed_query("x"))
    store = EdgeStore(tmp_path / "q", "m", dimension)
    try:
        chunks = [*page, prose]
        store.upsert(chunks, embedding.embeddings.embed_documents([c.text for c in chunks]))
        question = "On what date was the egg recorded for Adelie penguin sample 48 on Dream island?"
        read = named_rows(store, [Hit(page[0], 0.9), Hit(prose, 0.5)], question)
        # The unit's passage that names three cells (Adelie, Dream, 48), on the unit's own page, not the next one's.
        assert read[0].chunk == page[5] and read[0].score == 0.9
        assert read[1].chunk == prose  # prose is read as found
        # A passage that names as many as any other is kept: nothing moves for a question naming no row.
        assert named_rows(store, [Hit(page[2], 0.9)], "Which species were sampled?")[0].chunk == page[2]
    finally:
        store.close()
