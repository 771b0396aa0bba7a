from rag.indexing.chunking import chunk_pages
from rag.indexing.slides import is_deck
from rag.reading.page import Page
from rag.reading.pdf import read_pdf
from rag.store.chunk import Chunk
from tests.pdfs import join_pdfs, make_pdf, slides_pdf

MB = 1024 * 1024
TOPICS = ["Why soil matters", "How we sampled", "What we found", "Nitrogen by field", "What comes next"]
WORDS = ["none", "one", "two", "three", "four", "five"]


def _passages(pdf: bytes, chunk_size: int = 800):
    return chunk_pages(read_pdf(pdf, MB), doc_id="d", filename="talk.pdf", chunk_size=chunk_size, chunk_overlap=0)


def _slide(topic: str, n: int) -> list[str]:
    return [topic, f"- the first point about {topic.lower()}", f"- and {WORDS[n]} more on it"]


def test_a_deck_is_most_pages_landscape_with_little_text():
    short = [Page(n, "Title\n- a point\n- another point", landscape=True) for n in range(1, 9)]
    assert is_deck(short)
    assert is_deck([*short, Page(9, "A handout page\nprinted upright")])  # most, not all
    assert not is_deck([Page(n, "Title\n- a point") for n in range(1, 9)])  # upright: a manual's short pages
    assert not is_deck(short[:4] + [Page(n, "Title\n- a point") for n in range(5, 9)])  # half is not most
    sheet = "\n".join(f"row {r}: 12 31 7 9" for r in range(45))
    assert not is_deck([Page(n, sheet, landscape=True) for n in range(1, 9)])  # a spreadsheet printed wide
    assert not is_deck([])


def test_each_slide_is_one_passage_cited_as_a_slide_its_title_first():
    chunks = _passages(slides_pdf([_slide(topic, n) for n, topic in enumerate(TOPICS, 1)]))
    assert [c.page for c in chunks] == [1, 2, 3, 4, 5]
    assert {c.unit for c in chunks} == {"slide"}
    assert [c.text.splitlines()[0] for c in chunks] == TOPICS
    assert chunks[2].text.splitlines() == _slide("What we found", 3)
    assert Chunk.from_payload(chunks[2].payload()) == chunks[2]  # stored and read back, still a slide


def test_the_same_slides_upright_are_pages_cut_as_before():
    pages = [_slide(topic, n) for n, topic in enumerate(TOPICS, 1)]
    chunks = _passages(make_pdf(pages), chunk_size=60)
    assert {c.unit for c in chunks} == {"page"}
    assert len(chunks) > len(TOPICS)  # the splitter cuts a page of 80 characters at 60
    assert len(_passages(slides_pdf(pages), chunk_size=60)) == len(TOPICS)  # a slide is not


def test_a_slide_built_up_a_line_at_a_time_is_one_passage_on_its_fullest_page():
    build = ["How we sampled", "- cores from 12 fields", "- taken in March", "- dried and sieved"]
    label = ["Results", "- nitrogen map", "soil", "- soil and subsoil, then the", "soil subsoil", "- yields"]
    deck = [_slide("Why soil matters", 1)] + [build[: n + 2] for n in range(3)]
    # A diagram's label that grows a word ("soil", then "soil subsoil") changes a line: still a build.
    deck += [label[:3], label[:5], label]
    chunks = _passages(slides_pdf(deck))
    assert [c.page for c in chunks] == [1, 4, 7]
    assert chunks[1].text.splitlines() == build


def test_a_repeated_title_bar_taken_off_each_slide_is_not_put_back_as_its_title():
    deck = [["Soil Survey Spring Review", *_slide(topic, n)] for n, topic in enumerate(TOPICS, 1)]
    chunks = _passages(slides_pdf(deck))
    assert [c.text.splitlines()[0] for c in chunks] == TOPICS
    assert all("Soil Survey" not in c.text and "Soil Survey Spring Review" in c.context for c in chunks)


def test_a_slide_passage_starts_with_its_title_not_the_navigation_bar_nor_ends_with_the_footline():
    bar = ["Introduction", "Methods", "Results", "Outlook"]  # one line a section, over each slide's title
    deck = [[*bar, *_slide(topic, n), f"Ana Lima (Porto) Soil survey {n} / 5"] for n, topic in enumerate(TOPICS, 1)]
    chunks = _passages(slides_pdf(deck))
    assert [c.text.splitlines() for c in chunks] == [_slide(topic, n) for n, topic in enumerate(TOPICS, 1)]


def test_titles_a_deck_draws_after_the_body_come_first():
    deck = [[*_slide(topic, n)[1:], topic] for n, topic in enumerate(TOPICS, 1)]
    deck.append(["Thanks for listening.", "Questions?"])  # no bullet: kept as it reads
    chunks = _passages(slides_pdf(deck))
    assert [c.text.splitlines()[0] for c in chunks] == [*TOPICS, "Thanks for listening."]
    assert chunks[0].text.splitlines() == _slide(TOPICS[0], 1)


def test_bullets_in_a_deck_whose_titles_come_first_stay_in_place():
    deck = [_slide(topic, n) for n, topic in enumerate(TOPICS, 1)]
    deck[2] = ["- a slide whose title is a picture", "- so it starts with a bullet", "and ends on a wrapped line"]
    chunks = _passages(slides_pdf(deck))
    assert chunks[2].text.splitlines() == deck[2]


def test_a_very_long_slide_is_cut_and_its_later_passages_are_searched_under_its_title():
    body = [f"- line {n} of a long listing of what the survey measured in each field" for n in range(18)]
    deck = [_slide(topic, n) for n, topic in enumerate(TOPICS[:3], 1)] + [["Everything we measured", *body]]
    chunks = [c for c in _passages(slides_pdf(deck), chunk_size=400) if c.page == 4]
    assert len(chunks) > 1 and chunks[0].text.startswith("Everything we measured")
    assert all(c.context.endswith("> Everything we measured") for c in chunks[1:])
    assert all(c.unit == "slide" for c in chunks)


def test_a_deck_with_an_upright_page_cites_every_page_as_a_slide():
    deck = slides_pdf([_slide(topic, n) for n, topic in enumerate(TOPICS, 1)])
    chunks = _passages(join_pdfs(deck, make_pdf([["Handout", "Read this at home."]])))
    assert [c.page for c in chunks] == [1, 2, 3, 4, 5, 6]
    assert {c.unit for c in chunks} == {"slide"}
