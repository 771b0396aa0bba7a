"""A paper's title, authors, abstract and conclusions read from its pages' text, on first pages laid out as the
layout corpus prints them (JSS, TUGboat, Elsevier, R Journal, reports), and on manuals' title pages, which must
get nothing invented."""

import pytest

from rag.indexing.papers import conclusions, front_matter, joined_lines, readable, useful_title
from rag.reading.page import Page

ABSTRACT = [
    "Owls are counted at night by volunteers who listen for their calls. We present the R",
    "package owlcount, which turns these recordings into estimates of how many owls live in",
    "a wood. It fits an occupancy model to the calls heard at each station and corrects for",
    "owls that stay silent. The package is compared with transect counts on twelve com-",
    "binatorial designs.",
]
INTRODUCTION = [
    "1. Introduction",
    "Counting birds that hunt at night is hard, and most surveys rely on the calls they make.",
]


def _first(*lines: str, heads: tuple[str, ...] = ()) -> list[Page]:
    return [Page(1, "\n".join(lines), heads=heads)]


def test_a_journal_first_page_gives_its_title_authors_and_abstract():
    pages = _first(
        "Counting Owls at Night: The",
        "owlcount Package for R",
        "Ada M. Lovelace",
        "University of Somerset",
        "Grace Hopper",
        "Naval Research Laboratory",
        "Abstract",
        *ABSTRACT,
        "Keywords: owls, occupancy, R.",
        *INTRODUCTION,
    )
    front = front_matter(pages)
    assert front.title == "Counting Owls at Night: The owlcount Package for R"
    assert front.authors == ("Ada M. Lovelace", "Grace Hopper")
    assert front.abstract is not None and front.paper
    # One paragraph, in the paper's words: no line breaks, the word hyphenated at a line's end whole again.
    assert front.abstract.text == (
        "Owls are counted at night by volunteers who listen for their calls. We present the R package owlcount, "
        "which turns these recordings into estimates of how many owls live in a wood. It fits an occupancy model "
        "to the calls heard at each station and corrects for owls that stay silent. The package is compared with "
        "transect counts on twelve combinatorial designs."
    )
    assert front.abstract.parts[0][0] == 1


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("by Benedikt Gruber, Edzer Pebble and Gerard Heuvel", ("Benedikt Gruber", "Edzer Pebble", "Gerard Heuvel")),
        (
            "Esther Herb, Torsten Hoth, Daniel Nett & Thomas Poll",
            ("Esther Herb", "Torsten Hoth", "Daniel Nett", "Thomas Poll"),
        ),
        ("Sebastian Rahtz\u2217 Heiko Oberdiek\u2020 The LATEX3 Project\u2021", ("Sebastian Rahtz", "Heiko Oberdiek")),
        ("Robert W. Scheifler, X Consortium", ("Robert W. Scheifler",)),
        ("Walter R. Mebane, Jr.", ("Walter R. Mebane, Jr.",)),
        ("Terry M Therneau, Cynthia S Crowson", ("Terry M Therneau", "Cynthia S Crowson")),
        ("Richard Stallman, et al.", ("Richard Stallman",)),
        ("Nikos Mavrogiannopoulos (help-libtasn1@gnu.org)", ("Nikos Mavrogiannopoulos",)),
        ("Lu\u00b4\u0131s Nobre Gon\u00b8calves", ("Lu\u00eds Nobre Gon\u00e7alves",)),  # TeX's loose accents
    ],
)
def test_a_line_of_authors_as_papers_print_it(line, authors):
    front = front_matter(_first("Counting Owls at Night", line, "Abstract", *ABSTRACT))
    assert front.authors == authors


def test_affiliation_letters_are_not_part_of_the_names():
    pages = _first(
        "Pattern Recognition 40 (2007) 2730 \u2013 2741",
        "www.elsevier.com/locate/pr",
        "Cubic approximation of a digitized owl",
        "Sarbajit Pala,\u2217, Pankaj Gangulyb, P.K. Biswasc",
        "aVariable Energy Cyclotron Centre, Kolkata 700064, India",
        "bABV-Indian Institute of Information Technology, Gwalior, India cIndian Institute of Technology, India",
        "Abstract",
        *ABSTRACT,
    )
    front = front_matter(pages)
    assert front.authors == ("Sarbajit Pal", "Pankaj Ganguly", "P.K. Biswas")
    assert front.title == "Cubic approximation of a digitized owl"  # the masthead and the address left out
    # Without such affiliations, a name's last letter is its own.
    assert front_matter(_first("Owls", "Maria Costa, Anna Silva", "Abstract", *ABSTRACT)).authors == (
        "Maria Costa",
        "Anna Silva",
    )


def test_title_lines_are_told_from_authors_by_what_runs_on_and_by_the_declared_title():
    # A title's second line under one that runs on into it, or a line of the title the PDF declares.
    pages = _first("Bayesian Inference for", "Generalized Owl Counts", "John Smith, Mary Jones", *INTRODUCTION)
    front = front_matter(pages)
    assert (front.title, front.authors) == (
        "Bayesian Inference for Generalized Owl Counts",
        ("John Smith", "Mary Jones"),
    )
    pages = _first("X Logical Font", "Description Conventions", "Jim Flowers, Digital Equipment Corporation")
    assert front_matter(pages).authors == ("Jim Flowers",)
    # A second line shaped like a name is the title's when the PDF's declared title holds it.
    pages = _first("The Collected Letters", "Gilbert White", "Ann Bee, University of Somerset", *INTRODUCTION)
    assert front_matter(pages, "The Collected Letters of Gilbert White").authors == ("Ann Bee",)
    assert front_matter(pages).authors == ("Gilbert White", "Ann Bee")  # without it, nothing tells
    # The first line is the title even when it is shaped like a name.
    assert front_matter(_first("Adjusted Survival Curves", "Terry Thern", *INTRODUCTION)).authors == ("Terry Thern",)


def test_a_two_column_article_its_masthead_rubric_and_a_title_taken_off_as_a_running_head():
    tugboat = _first(
        "274 TUGboat, Volume 18 (1997), No. 4",
        "Graphics Applications",
        "Creating 3D owls with METAPOST",
        "Denis Roegel",
        "Abstract",
        "METAPOST can be used to draw owls. We",
        "show here an example of an owl in flight,",
        "introducing the owl package.",
        "Introduction",
        "METAPOST is a drawing language very similar to METAFONT.",
    )
    front = front_matter(tugboat)
    assert (front.title, front.authors) == ("Creating 3D owls with METAPOST", ("Denis Roegel",))
    assert front.abstract is not None
    assert front.abstract.text.endswith("introducing the owl package.")  # the heading after it is not in it
    # Printed on every page, the title and author were taken off the page's text as running heads.
    heads = ("A beginner\u2019s guide to owls", "Troy Henderson")
    front = front_matter(_first("Department of Mathematical Sciences", "Abstract", *ABSTRACT, heads=heads))
    assert (front.title, front.authors) == ("A beginner\u2019s guide to owls", ("Troy Henderson",))


def test_an_abstract_opening_its_paragraph_and_a_summary_heading():
    pages = _first(
        "Owl Interpolation",
        "by Ann Bee",
        "Mar 25, 2016",
        "Abstract We present new tools to count owls in R.",
        "1 Introduction",
    )
    assert front_matter(pages).abstract.text == "We present new tools to count owls in R."
    # "Summary" is a paper's abstract on its first page, once its authors are found.
    pages = _first("A re-evaluation of owl counts", "Esther Herb & Thomas Poll", "Summary", *ABSTRACT, *INTRODUCTION)
    front = front_matter(pages)
    assert front.abstract is not None and front.abstract.heading == "Summary"


def test_a_manuals_title_page_gets_no_title_or_abstract_invented():
    libtasn1 = [
        Page(
            1,
            "Libtasn1\nAbstract Syntax Notation One (ASN.1) library for the GNU system\n"
            "for version 4.19.0, 18 August 2022\nFabio Fiorina\nSimon Josefsson",
        ),
        Page(2, "This manual is for GNU Libtasn1.\nCopyright 2001-2022 Free Software Foundation, Inc."),
    ]
    front = front_matter(libtasn1)
    assert (front.title, front.abstract, front.paper) == (None, None, False)  # a title page: not a paper's
    assert front.authors == ("Fabio Fiorina", "Simon Josefsson")  # clearly printed
    for page in (
        "GNU MPFR\nThe Multiple Precision Floating-Point Reliable Library\nEdition 4.2.0\nThe MPFR team",
        "GNU Octave\nA high-level interactive language\nNovember 2022\nFree Your Numbers\nJohn W. Eaton",
        "Scheme 48 Reference Manual\nRichard Kelsey Jonathan Rees Mike Sperber\nMarcel Turino Martin Gasb",
        "Filesystem Hierarchy Standard\nLSB Workgroup, The Linux Foundation",
    ):
        front = front_matter([Page(1, page)])
        assert front.abstract is None and all(name in page for name in front.authors)
        assert not any(word in " ".join(front.authors) for word in ("MPFR", "Numbers", "Workgroup", "Turino"))


def test_a_declared_title_is_useful_unless_a_file_name_or_a_doi():
    assert useful_title("Compound Text Encoding - X Consortium Standard")
    assert not any(map(useful_title, [None, "", "tb57roeg.dvi", "doi:10.1016/j.patcog.2007.01.019", "123"]))


def _paper(conclusion_heading: str, pages: int = 6) -> list[Page]:
    body = "The owls were counted on every station of the wood during the spring."
    found = [Page(1, "\n".join(["Owl Counts", "Ann Bee", "Summary", *ABSTRACT, *INTRODUCTION]))]
    found += [Page(n, f"{n} Results\n{body}") for n in range(2, pages)]
    ending = [conclusion_heading, "Owls can be counted from their calls alone.", "References", "Bee A (2020). Owls."]
    return [*found, Page(pages, "\n".join(ending))]


def test_the_conclusions_are_found_by_the_outline_or_by_their_heading():
    pages = _paper("6. Conclusions")
    by_heading = conclusions(pages, [])
    assert by_heading is not None and by_heading.heading == "6. Conclusions"
    assert by_heading.parts == ((6, "Owls can be counted from their calls alone."),)  # up to the references
    by_outline = conclusions(pages, [("Results", 2), ("Conclusions", 6)])
    assert by_outline is not None and by_outline.heading == "Conclusions"  # the outline's name: its section
    assert by_outline.parts == by_heading.parts
    # The abstract's "Summary" on the first page is no conclusion, nor is a heading in the first half.
    assert conclusions(_paper("Introduction"), []) is None
    assert conclusions([*_paper("5. Discussion"), *[Page(n, "Some text.") for n in range(7, 14)]], []) is None


def test_lines_joined_and_accents_put_back():
    assert joined_lines(["combina-", "torial and C++-", "implementation of Peng-", "Huang"]) == [
        "combinatorial and C++-implementation of Peng-Huang"
    ]
    assert readable("M\u00a8uller  Universit\u00b4e  Franc\u00b8ois") == "M\u00fcller Universit\u00e9 Fran\u00e7ois"
