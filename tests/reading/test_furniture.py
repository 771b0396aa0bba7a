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


def test_running_heads_that_carry_the_page_number_stay_with_the_text():
    # Taken off, they cost the manuals recall (rag/reading/furniture.py): the chapter's name is what a page is about.
    book = _book(12)
    pages = list(without_furniture(book))
    assert [p.number for p in pages] == list(range(1, 13))
    assert [p.text for p in pages] == [p.text for p in book]


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


def test_a_table_header_printed_again_on_each_page_stays_and_a_title_on_every_page_goes():
    pages = [Page(n, "\n".join(["Shared MIME-info Database", *_body(n), f"{n}"])) for n in range(1, 13)]
    for n in (4, 5, 6):  # a table running over three pages, its header printed again on each
        pages[n - 1] = Page(n, "\n".join(["package popcon size keyword description", f"pkg{n} 12 3 net tools", f"{n}"]))
    out = without_furniture(pages)
    assert all("Shared MIME-info Database" not in p.text for p in out)
    assert all(p.text.startswith("package popcon size keyword description") for p in out[3:6])
    assert all(not p.text.rstrip().endswith(f"\n{p.number}") for p in out)


def test_a_real_manual_loses_its_page_numbers_and_the_title_on_every_page():
    corpus = need_corpus("libtasn1.pdf", "shared-mime-info-spec.pdf")
    data = (corpus / "libtasn1.pdf").read_bytes()
    pages = extract_pages(data, open_pdf(data))
    assert pages[10].text.lstrip().startswith("4 Function reference")  # the printed "8" above it is gone
    assert pages[12].text.lstrip().startswith("Chapter 4: Function reference 10")  # a running head stays
    data = (corpus / "shared-mime-info-spec.pdf").read_bytes()
    page = extract_pages(data, open_pdf(data))[8]
    assert "Shared MIME-info Database" not in page.text
    assert page.text.rstrip().endswith("|text/x-diff].>0=|")


def test_a_slide_built_up_a_bullet_at_a_time_keeps_its_title_and_first_bullets():
    bullets = ["Primarily an intellectual exercise", "But useful for graphics", "Irritating builds", "Done"]
    pages = [Page(1, "Introducing\nSlide Show Macros\nDeck by Ana")]
    pages += [Page(n + 2, "\n".join(["Rationale", *bullets[: n + 1], "Deck by Ana"])) for n in range(4)]
    pages += [Page(6, "Current practice\nLaTeX and metapost\nDeck by Ana"), Page(7, "Summary\nIt works\nDeck by Ana")]
    out = list(without_furniture(pages))
    for page in out[1:5]:
        lines = page.text.splitlines()
        assert lines[:2] == ["Rationale", bullets[0]]  # what the slide says, though its neighbours repeat it
        assert "Deck by Ana" not in lines  # the deck's foot, on every slide, is furniture
        assert page.heads == ("Deck by Ana",)  # searched with the slide's passages, never quoted
