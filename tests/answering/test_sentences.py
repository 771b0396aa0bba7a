"""A passage cut into the pieces a quote is made of: prose sentences, and lines that stand alone, each whole."""

from __future__ import annotations

from rag.answering.sentences import passage_pieces, passage_sentences

TIME_FIELDS = (
    "The fields of the time structure returned by localtime are the following ones, with their ranges given in\n"
    "brackets after each description of the field:\n"
    "hour Hours since midnight (0-23).\n"
    "mday Day of the month (1-31).\n"
    "mon Months since January (0-11).\n"
    "year Years since 1900.\n"
)


def test_each_entry_of_a_definition_list_is_a_piece_of_its_own():
    texts = passage_sentences(TIME_FIELDS)
    assert "mon Months since January (0-11)." in texts
    assert "hour Hours since midnight (0-23)." in texts
    # Joined into one line and cut at sentence ends, the entries ran together: "(0-23). mday Day of...".
    assert not any("(0-23). mday" in t for t in texts)


def test_a_term_on_its_own_line_heads_its_description():
    text = (
        "Job control builtins are described in this section of the manual, one command after another, each with\n"
        "its options.\n"
        "kill [-s sigspec] jobspec\n"
        "Send a signal specified by sigspec to the process named by job specification jobspec. If sigspec is\n"
        "not present, SIGTERM is used.\n"
    )
    pieces = passage_pieces(text)
    after = [p for p in pieces if p.text.startswith("If sigspec")]
    assert after and after[0].heading == "kill [-s sigspec] jobspec"


def test_lines_of_code_stay_whole_and_apart_from_the_prose():
    text = (
        "Here is an example source file, named diff.xml, which declares the type and gives it two glob\n"
        "patterns and a comment:\n"
        '<mime-type type="text/x-diff">\n'
        '<glob pattern="*.diff"/>\n'
        "</mime-type>\n"
    )
    pieces = [p.text for p in passage_pieces(text)]
    assert '<mime-type type="text/x-diff">' in pieces and '<glob pattern="*.diff"/>' in pieces


def test_a_long_sentence_is_cut_after_a_clause_and_never_inside_a_word():
    clause = "the option changes how the output is written, "
    text = "When it is given " + clause * 14 + "and the rest follows."
    pieces = passage_sentences(text)
    assert len(pieces) >= 2 and all(len(p) <= 400 for p in pieces)
    words = set(text.split())
    assert all(p.split()[0] in words and p.split()[-1] in words for p in pieces)
    assert pieces[0].endswith(",")  # cut after the clause's comma, not mid-clause


def test_each_row_of_a_table_is_a_piece_of_its_own_with_its_header():
    text = (
        "Table 2 gives the genotypes of the samples taken in the river and of the controls kept at the lab for the\n"
        "whole of the study.\n"
        "Genotype | In situ | Control | Total\n"
        "Genotype: AA; In situ: 6; Control: 32; Total: 38\n"
        "Genotype: AG; In situ: 8; Control: 47; Total: 55\n"
        "Genotype: Total; In situ: 24; Control: 99; Total: 123\n"
    )
    pieces = [p.text for p in passage_pieces(text)]
    # Rows as wide as the prose ran on into each other before: one piece of three rows, cut at a semicolon.
    assert "Genotype: AG; In situ: 8; Control: 47; Total: 55" in pieces
    assert "Genotype: Total; In situ: 24; Control: 99; Total: 123" in pieces


def test_a_row_whose_label_column_has_no_header_is_a_row_too():
    text = (
        "median | Kaplan-Meier | Powell\n"
        "n = 50; median: 1.602; Kaplan-Meier: 1.972; Powell: 2.037\n"
        "n = 200; median: 1.581; Kaplan-Meier: 1.924; Powell: 2.110\n"
        "Table 1: Scaled MSE for Several Estimators of the Median.\n"
    )
    assert "n = 200; median: 1.581; Kaplan-Meier: 1.924; Powell: 2.110" in passage_sentences(text)
