"""Running heads, running feet and page numbers are taken off the pages; what a page says is kept."""

from __future__ import annotations

from rag.reading.furniture import without_furniture
from rag.reading.page import Page
from rag.reading.pdf import extract_pages, open_pdf
from tests.conftest import need_corpus

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()


def _body(n: int) -> list[str]:
    return [f"What {WORDS[n % 16]} says.", f"And then {WORDS[(n * 7) % 16]} {WORDS[(n * 3) % 16]}."]


def _book(pages: int) -> list[Page]:
    """A book's pages: the even ones headed by the title, the odd ones by the chapter, each with its number."""
    out = []
    for n in range(1, pages + 1):
        head = f"{n} The Manual (version 2.1)" if n % 2 == 0 else f"Chapter {1 + n // 8}: Using it {n}"
        out.append(Page(n, "\n".join([head, *_body(n)]) + "\n"))
    return out


def test_alternating_running_heads_are_taken_off_and_the_text_kept():
    pages = list(without_furniture(_book(12)))
    assert [p.number for p in pages] == list(range(1, 13))
    for page in pages:
        assert page.text.splitlines() == _body(page.number)


def test_page_numbers_at_the_foot_go_but_a_number_ending_a_table_stays():
    pages = [Page(n, f"Report\n{_body(n)[0]}\n{_body(n)[1]}\n{n + 4}") for n in range(1, 9)]
    # Page 5 ends its table with a count where the others have their printed number (the file's page + 4).
    pages[4] = Page(5, "Report\nPeople in the study\nTotal\n123\n9")
    out = list(without_furniture(pages))
    assert out[0].text.splitlines() == _body(1)
    assert out[4].text.splitlines() == ["People in the study", "Total", "123"]


def test_roman_page_numbers_of_the_front_matter_go():
    pages = [Page(n, f"{_body(n)[1]}\n{r}") for n, r in enumerate(["i", "ii", "iii", "iv", "v"], 1)]
    assert [p.text for p in without_furniture(pages)] == [_body(n)[1] for n in range(1, 6)]


def test_a_line_on_two_pages_only_is_not_furniture():
    pages = [Page(n, "\n".join(_body(n))) for n in range(1, 7)]
    pages[2] = Page(3, "Name Age Town\nAna 31 Porto")
    pages[3] = Page(4, "Name Age Town\nBo 40 Lund")  # a table's header on two pages in a row
    out = list(without_furniture(pages))
    assert out[2].text.startswith("Name Age Town") and out[3].text.startswith("Name Age Town")


def test_a_page_that_is_only_its_head_is_kept_whole_and_scans_are_untouched():
    pages = _book(8)
    pages[3] = Page(4, "4 The Manual (version 2.1)\n")
    pages[5] = Page(6, "6 The Manual (version 2.1)\nRead by OCR.", ocr_lines=())
    out = list(without_furniture(pages))
    assert out[3].text == pages[3].text
    assert out[5].text == pages[5].text


def test_without_furniture_is_lazy():
    given = []

    def reading():
        for page in _book(20):
            given.append(page.number)
            yield page

    first = next(iter(without_furniture(reading())))
    assert first.number == 1 and len(given) < 20


def test_a_real_manual_loses_its_running_heads_and_numbers():
    corpus = need_corpus("libtasn1.pdf", "shared-mime-info-spec.pdf")
    data = (corpus / "libtasn1.pdf").read_bytes()
    pages = extract_pages(data, open_pdf(data))
    # Chapter 3 has two pages with its head: a head seen once near a page is kept, like a table's header.
    assert pages[10].text.lstrip().startswith("4 Function reference")  # the printed "8" above it is gone
    assert pages[12].text.lstrip().startswith("asn1 create element")
    data = (corpus / "shared-mime-info-spec.pdf").read_bytes()
    page = extract_pages(data, open_pdf(data))[8]
    assert "Shared MIME-info Database" not in page.text
    assert page.text.rstrip().endswith("|text/x-diff].>0=|")


def test_a_slide_built_up_a_bullet_at_a_time_keeps_its_title_and_first_bullets():
    bullets = ["Primarily an intellectual exercise", "But useful for graphics", "Irritating builds", "Done"]
    pages = [Page(1, "Introducing\nSlide Show Macros\nDeck of 2004")]
    pages += [Page(n + 2, "\n".join(["Rationale", *bullets[: n + 1], "Deck of 2004"])) for n in range(4)]
    pages += [Page(6, "Current practice\nLaTeX and metapost\nDeck of 2004"), Page(7, "Summary\nIt works\nDeck of 2004")]
    out = list(without_furniture(pages))
    for page in out[1:5]:
        lines = page.text.splitlines()
        assert lines[:2] == ["Rationale", bullets[0]]  # what the slide says, though its neighbours repeat it
        assert "Deck of 2004" not in lines  # the deck's foot, on slides that differ, is furniture
