from rag.indexing.chunking import chunk_pages, clean_text, is_listing
from rag.indexing.ingest import display_name
from rag.reading.page import Page
from rag.store.chunk import Chunk


def test_every_chunk_belongs_to_one_page_and_carries_its_metadata():
    pages = [Page(1, "first page. " * 200), Page(2, ""), Page(3, "third page. " * 30)]
    chunks = chunk_pages(pages, doc_id="d" * 64, filename="a.pdf", chunk_size=300, chunk_overlap=50)
    assert {c.page for c in chunks} == {1, 3}
    assert all(("first" in c.text) != ("third" in c.text) for c in chunks)
    assert [c.chunk_index for c in chunks] == list(range(len(chunks)))
    assert all(c.doc_id == "d" * 64 and c.filename == "a.pdf" for c in chunks)
    assert max(len(c.text) for c in chunks) <= 300


def test_payload_round_trip():
    chunk = Chunk("abc", "f.pdf", 7, 3, "text")
    assert Chunk.from_payload(chunk.payload() | {"extra": 1}) == chunk


def test_clean_text_joins_hyphenated_line_breaks_and_spaces():
    assert clean_text("hyphen-\nated   words\n\n\n\nnext") == "hyphenated words\n\nnext"


def test_display_name_has_no_path_and_keeps_unicode():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\me\\Résumé – 2024.pdf") == "Résumé – 2024.pdf"
    assert display_name("日本語の文書.pdf") == "日本語の文書.pdf"
    assert display_name("a\x00b\nc.pdf") == "a_b_c.pdf"
    assert display_name("...") == "document.pdf"
    assert len(display_name("x" * 500 + ".pdf")) <= 200 and display_name("x" * 500 + ".pdf").endswith(".pdf")


def test_chunks_carry_the_document_title_and_the_section_they_sit_in():
    overview = "The tool draws pictures from a description. " * 8
    install = "Run make install as root, then check the path. " * 8
    pages = [
        Page(1, overview, sections=(("1 Overview",),)),
        Page(2, overview + "\n2 Installation\n" + install, sections=(("2 Installation",),)),
        Page(3, install),  # no heading starts here: the section carries over
    ]
    chunks = chunk_pages(pages, doc_id="d", filename="tool-manual.pdf", chunk_size=300, chunk_overlap=0, title=None)
    for chunk in chunks:
        expected = "tool manual > 1 Overview" if "draws pictures" in chunk.text else "tool manual > 2 Installation"
        assert chunk.context == expected, chunk
        assert chunk.search_text == f"{expected}\n{chunk.text}"
    assert {c.page for c in chunks if c.context.endswith("Installation")} == {2, 3}
    titled = chunk_pages(pages[:1], doc_id="d", filename="x.pdf", chunk_size=300, chunk_overlap=0, title="Tool Guide")
    assert titled[0].context == "Tool Guide > 1 Overview"


def test_passages_stored_before_sections_existed_still_load():
    old_payload = {"doc_id": "abc", "filename": "f.pdf", "page": 7, "chunk_index": 3, "text": "text"}
    assert Chunk.from_payload(old_payload) == Chunk("abc", "f.pdf", 7, 3, "text", "")


CONTENTS = "\n".join(
    f"{n}.{k} {topic} . . . . . . . . . . . . . . . . {10 * n + k}"
    for n, topic in enumerate(["Installing", "Configuring", "Running", "Upgrading"], 1)
    for k in range(1, 5)
)
INDEX = "\n".join(f"{word}........................{n}" for n, word in enumerate(["abs", "acos", "find", "grid"], 3))
PROSE = "Set the proxy in the settings file. It is read once, at start-up. " * 6


def test_contents_and_index_lines_are_listings_and_prose_is_not():
    assert is_listing(CONTENTS) and is_listing(INDEX)
    assert not is_listing(PROSE)
    # A passage of prose with a few dotted lines in it (an ellipsis, a short table) is still prose.
    assert not is_listing(PROSE.replace(". ", ".\n") + "\n" + "\n".join(INDEX.splitlines()[:3]))
    assert not is_listing("Wait...\nand then.....\nnothing")  # two dotted lines are not a listing


def test_contents_and_index_pages_are_not_indexed_and_the_rest_is_numbered_without_gaps():
    body = [Page(n, f"{PROSE}\n\n{PROSE} (page {n})") for n in (2, 3, 4)]  # pages that differ, as real pages do
    pages = [Page(1, CONTENTS), *body, Page(5, INDEX)]
    chunks = chunk_pages(pages, doc_id="d", filename="m.pdf", chunk_size=400, chunk_overlap=0)
    assert chunks and {c.page for c in chunks} == {2, 3, 4}
    assert not any(is_listing(c.text) for c in chunks)
    assert [c.chunk_index for c in chunks] == list(range(len(chunks)))


def test_a_document_made_mostly_of_listings_keeps_them_so_it_can_still_be_searched():
    price_list = "\n".join(f"Item {n} coffee beans . . . . . . . . {n}.50" for n in range(20))
    pages = [Page(1, price_list), Page(2, price_list), Page(3, PROSE)]
    chunks = chunk_pages(pages, doc_id="d", filename="prices.pdf", chunk_size=400, chunk_overlap=0)
    assert {c.page for c in chunks} == {1, 2, 3}
    assert sum(is_listing(c.text) for c in chunks) > len(chunks) / 2


def test_a_slide_built_up_a_bullet_at_a_time_is_one_passage_on_its_fullest_page():
    bullets = ["Primarily an intellectual exercise", "But useful for graphics-heavy talks", "Builds irritate"]
    pages = [Page(1, "Introducing Slide Show Macros", (("Introduction",),))]
    pages += [Page(n + 2, "\n".join(["Rationale", *bullets[: n + 1]]), ((f"Step {n}",),)) for n in range(3)]
    pages += [Page(5, "Current practice\nLaTeX and metapost"), Page(6, "Current practice\nLaTeX and metapost")]
    pages += [Page(7, "")]  # a blank page is no build of the next
    pages += [Page(8, "Summary\nIt works")]
    chunks = chunk_pages(pages, doc_id="d", filename="talk.pdf", chunk_size=800, chunk_overlap=0)
    assert [c.page for c in chunks] == [1, 4, 6, 8]
    assert chunks[1].text.splitlines() == ["Rationale", *bullets]
    assert chunks[1].context.endswith("Step 2")  # the sections of the pages left out go on with it

    manual = [Page(n, f"Chapter 1: Using it {n}\nWhat page {n} says, and no other.") for n in range(1, 5)]
    assert [c.page for c in chunk_pages(manual, doc_id="m", filename="m.pdf", chunk_size=800, chunk_overlap=0)] == [
        1,
        2,
        3,
        4,
    ]


def test_a_running_head_taken_off_the_page_is_searched_with_its_passages_but_not_in_their_text():
    page = Page(14, "The for loop runs its body once for each word.", heads=("Chapter 3: Basic Shell Features",))
    (chunk,) = chunk_pages([page], doc_id="d", filename="bash.pdf", chunk_size=800, chunk_overlap=0, title="Bash")
    assert chunk.text == "The for loop runs its body once for each word."
    assert chunk.context == "Bash > Chapter 3: Basic Shell Features"
    assert "Basic Shell Features" in chunk.search_text
