"""Reading a page from where its text stands: columns one after the other, tables a row a line under their headers."""

from __future__ import annotations

import re

from rag.reading.layout import Run, read_page, rows_of, table_lines

LINE = 0.015  # a line's height as a share of the page


def words(text: str, x: float, y: float, char: float = 0.007) -> list[Run]:
    """The words of a line set from (x, y), each a run as PDFium's characters give them."""
    runs = []
    for word in text.split():
        runs.append(Run(word, x, y, x + char * len(word), y + LINE))
        x += char * (len(word) + 1)
    return runs


def printout(lines: list[str], x: float, y: float, char: float = 0.007) -> list[Run]:
    """Lines set in a monospaced font as a program printed them, spaces and all: each word where its characters
    fall."""
    runs = []
    for n, line in enumerate(lines):
        top = y + n * 1.2 * LINE
        runs += [
            Run(m.group(), x + char * m.start(), top, x + char * m.end(), top + LINE) for m in re.finditer(r"\S+", line)
        ]
    return runs


def table(rows: list[list[str]], top: float, columns: list[float]) -> list[Run]:
    runs = []
    for n, row in enumerate(rows):
        for cell, x in zip(row, columns, strict=True):
            runs += words(cell, x, top + n * 1.2 * LINE)
    return runs


PROSE = [
    "Gene expression was measured in every sample we took",
    "from the river, and the counts were modelled with a",
    "negative binomial model fitted by maximum likelihood",
    "over the two seasons of the study and both sites.",
]


def test_a_table_comes_out_a_row_a_line_each_cell_under_its_header():
    runs = words("The genotypes of the study are counted below.", 0.1, 0.1)
    runs += table(
        [
            ["Genotype", "In situ", "Control", "Total"],
            ["AA", "6", "32", "38"],
            ["AG", "8", "47", "55"],
            ["Total", "24", "99", "123"],
        ],
        0.2,
        [0.1, 0.3, 0.5, 0.7],
    )
    lines = read_page(runs).text.splitlines()
    assert lines[0] == "The genotypes of the study are counted below."
    assert lines[1] == "Genotype | In situ | Control | Total"
    assert lines[2] == "Genotype: AA; In situ: 6; Control: 32; Total: 38"
    assert lines[4] == "Genotype: Total; In situ: 24; Control: 99; Total: 123"


def test_a_table_headed_by_years_names_them():
    runs = table([["Site", "1990", "1991"], ["North", "12", "14"], ["South", "15", "18"]], 0.2, [0.1, 0.4, 0.7])
    assert read_page(runs).text.splitlines()[2] == "Site: South; 1990: 15; 1991: 18"


def test_an_empty_cell_is_left_out_of_its_row():
    rows = rows_of(table([["Model", "AIC", "BIC"], ["full", "210", "230"], ["null", "", "250"]], 0.2, [0.1, 0.4, 0.7]))
    assert table_lines([list(r.cells) for r in rows])[0][2] == "Model: null; BIC: 250"


def test_two_columns_of_prose_are_read_one_after_the_other():
    runs = []
    for n, line in enumerate(PROSE):
        runs += words(line, 0.08, 0.2 + n * 1.2 * LINE, 0.0075)
        runs += words(line.upper(), 0.54, 0.2 + n * 1.2 * LINE, 0.0075)
    lines = read_page(runs).text.splitlines()
    assert lines == PROSE + [line.upper() for line in PROSE]


def test_one_column_of_prose_keeps_the_files_own_order():
    runs = [run for n, line in enumerate(PROSE) for run in words(line, 0.1, 0.2 + n * 1.2 * LINE)]
    assert read_page(runs).text is None


def test_a_superscript_stays_on_its_line():
    line = words("the error falls as n grows", 0.1, 0.2)
    mark = Run("2", line[4].x1, 0.2 - 0.3 * LINE, line[4].x1 + 0.004, 0.2 + 0.4 * LINE)
    rows = rows_of([*line, mark, *words("and then it stops", 0.1, 0.2 + 1.2 * LINE)])
    assert [r.text for r in rows] == ["the error falls as n 2 grows", "and then it stops"]


def test_a_table_running_on_over_a_page_break_keeps_its_header():
    first = table([["Year", "Births", "Deaths"], ["1990", "12", "14"], ["1991", "15", "18"]], 0.7, [0.1, 0.4, 0.7])
    reading = read_page(first)
    assert reading.header == ("Year", "Births", "Deaths")
    rest = table([["1992", "17", "21"], ["1993", "19", "20"], ["1994", "22", "25"]], 0.1, [0.1, 0.4, 0.7])
    lines = read_page(rest, reading.header).text.splitlines()
    assert lines[0] == "Year: 1992; Births: 17; Deaths: 21"
    # A table of another shape does not take it: its first row is its header.
    other = table([["1", "2"], ["3", "4"], ["5", "6"]], 0.1, [0.1, 0.5])
    assert read_page(other, reading.header).text.splitlines()[:2] == ["1 | 2", "1: 3; 2: 4"]


def test_a_table_split_by_a_group_label_keeps_its_header():
    runs = table([["Group", "Young", "Old"], ["Low", "738", "638"], ["High", "32", "30"]], 0.1, [0.1, 0.4, 0.7])
    runs += words("Males", 0.1, 0.1 + 3 * 1.2 * LINE)
    runs += table(
        [["Low", "658", "553"], ["Med", "111", "127"], ["High", "26", "33"]], 0.1 + 4 * 1.2 * LINE, [0.1, 0.4, 0.7]
    )
    lines = read_page(runs).text.splitlines()
    assert lines[3] == "Males"
    # The group's label names each of its rows: "Low" alone would be the women's low group as much as the men's.
    assert lines[4] == "Group: Males Low; Young: 658; Old: 553"


def test_a_header_over_a_table_of_numbers_is_read_from_its_words():
    # The header's words are centred over their columns and do not line up as cells; a line over them spans
    # three columns a word; each group of rows has its label on a line of its own.
    runs = words("Intercept Slope", 0.35, 0.1)
    runs += words("Bias MAE RMSE Bias MAE RMSE", 0.3, 0.1 + 1.2 * LINE)
    runs += words("Powell", 0.1, 0.1 + 2.4 * LINE)
    columns = [0.1, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    numbers = [
        ["n = 100", "-0.0014", "0.0694", "0.1039", "0.0068", "0.0827", "0.1252"],
        ["n = 400", "-0.0066", "0.0429", "0.0622", "0.0098", "0.0475", "0.0734"],
        ["n = 1000", "-0.0008", "0.0224", "0.0339", "0.0013", "0.0264", "0.0396"],
    ]
    runs += table(numbers, 0.1 + 3.6 * LINE, columns)
    runs += words("GMLE", 0.1, 0.1 + 7.2 * LINE)
    runs += table([[row[0], *row[1:][::-1]] for row in numbers], 0.1 + 8.4 * LINE, columns)
    lines = read_page(runs).text.splitlines()
    assert "Intercept Bias | Intercept MAE | Intercept RMSE | Slope Bias | Slope MAE | Slope RMSE" in lines
    assert (
        "Powell n = 400; Intercept Bias: -0.0066; Intercept MAE: 0.0429; Intercept RMSE: 0.0622; "
        "Slope Bias: 0.0098; Slope MAE: 0.0475; Slope RMSE: 0.0734"
    ) in lines
    assert any(line.startswith("GMLE n = 100; Intercept Bias: 0.1252;") for line in lines)


def test_code_over_a_matrix_is_no_header_and_no_label():
    runs = words("circshift (x, 1)", 0.1, 0.1)
    runs += table([["7", "8", "9"], ["1", "2", "3"], ["4", "5", "6"]], 0.1 + 1.2 * LINE, [0.3, 0.4, 0.5])
    lines = read_page(runs).text.splitlines()
    assert lines[1] == "7 | 8 | 9" and lines[2] == "7: 1; 8: 2; 9: 3"


def test_a_label_spanning_rows_names_each_of_them():
    runs = table(
        [
            ["Curve", "Method", "ISE"],
            ["Leaf", "Search", "4.04"],
            ["", "Evolution", "2.34"],
            ["Eight", "Search", "3.69"],
        ],
        0.2,
        [0.1, 0.4, 0.7],
    )
    assert read_page(runs).text.splitlines()[2] == "Curve: Leaf; Method: Evolution; ISE: 2.34"


def test_a_bracket_three_lines_high_does_not_take_in_the_rows_around_it():
    lines = [words(text, 0.1, 0.2 + n * 1.2 * LINE) for n, text in enumerate(["six", "seven", "eight"])]
    bracket = Run("(", 0.3, 0.2 - 0.1 * LINE, 0.31, 0.2 + 3.3 * LINE)
    rows = rows_of([*lines[0], *lines[1], bracket, *lines[2]])
    assert [r.text.replace(" (", "") for r in rows] == ["six", "seven", "eight"]


def test_a_table_across_a_two_column_page_keeps_its_rows():
    runs = table(
        [
            ["Species", "Woodland", "Farmland", "Total"],
            ["Blackbird", "14", "9", "23"],
            ["Chaffinch", "11", "6", "17"],
            ["Skylark", "2", "15", "17"],
        ],
        0.1,
        [0.08, 0.3, 0.56, 0.8],
    )
    for n, line in enumerate(PROSE):
        runs += words(line, 0.08, 0.3 + n * 1.2 * LINE, 0.0075)
        runs += words(line.upper(), 0.54, 0.3 + n * 1.2 * LINE, 0.0075)
    lines = read_page(runs).text.splitlines()
    assert lines[:3] == [
        "Species | Woodland | Farmland | Total",
        "Species: Blackbird; Woodland: 14; Farmland: 9; Total: 23",
        "Species: Chaffinch; Woodland: 11; Farmland: 6; Total: 17",
    ]
    assert lines[4:] == PROSE + [line.upper() for line in PROSE]


def test_a_list_of_options_or_of_bullets_is_not_a_table():
    options = table(
        [
            ["-c, --check", "checks the syntax only"],
            ["-b, --benchmark", "perform a benchmark"],
            ["-s, --strict", "use strict parsing"],
        ],
        0.2,
        [0.1, 0.4],
    )
    assert read_page(options).text is None
    bullets = table([["•", "BOOLEAN;"], ["•", "INTEGER;"], ["•", "UTF8String;"]], 0.2, [0.1, 0.14])
    assert read_page(bullets).text is None


def test_a_matrix_printed_in_monospace_is_read_as_a_table():
    # R's print pads its columns to line up at the right, a word space apart: no gap tells the cells.
    runs = printout(
        [
            'R> gofstat(list(fendo.ln, fendo.P), fitnames = c("lnorm", "Pareto"))',
            "Goodness-of-fit statistics",
            "                              lnorm   Pareto",
            "Kolmogorov-Smirnov statistic 0.1672  0.08488",
            "Anderson-Darling statistic   3.4721  0.89206",
        ],
        0.1,
        0.1,
    )
    lines = read_page(runs).text.splitlines()
    assert lines[:3] == [
        'R> gofstat(list(fendo.ln, fendo.P), fitnames = c("lnorm", "Pareto"))',
        "Goodness-of-fit statistics",
        "lnorm | Pareto",
    ]
    assert lines[4] == "Anderson-Darling statistic; lnorm: 3.4721; Pareto: 0.89206"


def test_a_printed_column_name_of_two_words_heads_one_column_and_the_stars_stay():
    runs = printout(
        [
            "            Estimate Std. Error z value Pr(>|z|)",
            "(Intercept)  1.02887    0.02378  43.258   <2e-16 ***",
            "hosp         0.16480    0.00598  27.549   0.0012 **",
        ],
        0.1,
        0.1,
    )
    lines = read_page(runs).text.splitlines()
    assert lines[0] == "Estimate | Std. Error | z value | Pr(>|z|)"
    assert lines[1] == "(Intercept); Estimate: 1.02887; Std. Error: 0.02378; z value: 43.258; Pr(>|z|): <2e-16 ***"


def test_numbers_at_the_end_of_lines_with_no_names_over_them_are_left_as_they_are():
    # A line starting where the rows' labels do is no header: the page keeps the file's own order.
    runs = printout(["Counts for the two seasons:", "first site   12  14", "second site  15  18"], 0.1, 0.1)
    assert read_page(runs).text is None


def test_names_that_repeat_under_the_groups_over_them_take_the_groups_names():
    runs = words("Method", 0.1, 0.1) + words("Chromosome (n = 60)", 0.3, 0.1) + words("Leaf (n = 120)", 0.6, 0.1)
    runs += table(
        [
            ["", "nb", "ISE", "nb", "ISE"],
            ["Pei and Horng", "15", "6.18", "31", "19.66"],
            ["Proposed ESA", "5", "2.22", "16", "2.34"],
        ],
        0.1 + 1.2 * LINE,
        [0.1, 0.32, 0.42, 0.62, 0.72],
    )
    lines = read_page(runs).text.splitlines()
    assert "Method | Chromosome (n = 60) nb | Chromosome (n = 60) ISE | Leaf (n = 120) nb | Leaf (n = 120) ISE" in lines
    assert (
        "Method: Proposed ESA; Chromosome (n = 60) nb: 5; Chromosome (n = 60) ISE: 2.22; Leaf (n = 120) nb: 16; "
        "Leaf (n = 120) ISE: 2.34"
    ) in lines


def test_a_label_set_on_two_lines_names_its_rows_whole():
    runs = table(
        [
            ["Curve", "Method", "FOM"],
            ["Infinity", "Teh and Chin", "0.59"],
            ["(n = 45)", "Ray and Ray", "0.626"],
            ["", "Proposed TDLSA", "1.524"],
        ],
        0.1,
        [0.1, 0.3, 0.6],
    )
    lines = read_page(runs).text.splitlines()
    assert lines[2] == "Curve: Infinity (n = 45); Method: Ray and Ray; FOM: 0.626"
    assert lines[3] == "Curve: Infinity (n = 45); Method: Proposed TDLSA; FOM: 1.524"
