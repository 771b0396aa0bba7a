"""A two-column paper read through the real reader (PDFium in its guarded child, then rag/reading/layout.py): the
columns one after the other, a sentence carried from one column into the next, and its table a row a line under
its header. The paper is built in code (tests/pdfs.py two_column_paper), its file order running across the gutter.
"""

from __future__ import annotations

import pypdfium2 as pdfium

from rag.reading.pdf import read_pdf
from rag.text import flat
from tests.pdfs import (
    PAPER_ABSTRACT,
    PAPER_ACROSS,
    PAPER_AUTHORS,
    PAPER_CAPTION,
    PAPER_COLUMNS,
    PAPER_TITLE,
    two_column_paper,
)

MB = 1024 * 1024
PAPER = two_column_paper()


def test_the_papers_own_order_runs_across_the_gutter():
    # The premise of the tests below: read in the order the file stores it, a line of the left column runs on
    # into the right column's line beside it, so a reader that kept the file's order would fail them.
    raw = pdfium.PdfDocument(PAPER)[0].get_textpage().get_text_range()
    assert "1 Introduction the first to abandon their nests" in raw


def test_the_left_column_is_read_before_the_right_one():
    first, second = read_pdf(PAPER, MB)
    (left, right), (left_2, right_2) = PAPER_COLUMNS
    assert first.text.splitlines() == [PAPER_TITLE, PAPER_AUTHORS, *PAPER_ABSTRACT, *left, *right]
    lines = second.text.splitlines()
    # Under the table, the left column's prose, then the right column's: each whole, and in its own order.
    at = lines.index(left_2[0])
    assert lines[at:] == left_2 + right_2


def test_a_sentence_runs_on_from_the_foot_of_one_column_to_the_head_of_the_next():
    first = read_pdf(PAPER, MB)[0]
    assert PAPER_ACROSS in flat(first.text)


def test_the_table_comes_out_a_row_a_line_each_cell_under_its_header():
    lines = read_pdf(PAPER, MB)[1].text.splitlines()
    assert lines[:6] == [
        PAPER_CAPTION,
        "Species | Woodland | Farmland | Total",
        "Species: Blackbird; Woodland: 14; Farmland: 9; Total: 23",
        "Species: Chaffinch; Woodland: 11; Farmland: 6; Total: 17",
        "Species: Song thrush; Woodland: 7; Farmland: 3; Total: 10",
        "Species: Yellowhammer; Woodland: 2; Farmland: 12; Total: 14",
    ]
