"""The sentence and word rules of rag/text.py, each where it differs from the others."""

from rag.text import ANY_BREAK, PASSAGE_BREAK, PROSE_BREAK, answer_sentences, content_words, flat, long_words

TEXT = "Install it first. 2 options exist. `asy -V` opens a window. Done!"


def test_a_card_breaks_only_where_prose_starts():
    assert PROSE_BREAK.split(TEXT) == ["Install it first. 2 options exist. `asy -V` opens a window.", "Done!"]
    assert PROSE_BREAK.split("One. Two. (Three.)") == ["One.", "Two.", "(Three.)"]


def test_a_quoted_passage_also_breaks_before_numbers_and_commands():
    assert PASSAGE_BREAK.split(TEXT) == ["Install it first.", "2 options exist.", "`asy -V` opens a window.", "Done!"]


def test_a_model_answer_also_breaks_at_line_ends_and_list_marks_and_keeps_each_sentence_as_written():
    answer = "It works [p.2]. - Run make.\n* Then install it. e.g. this"
    assert answer_sentences(answer) == ["It works [p.2].", "- Run make.", "* Then install it. e.g. this"]


def test_the_fake_model_breaks_at_every_full_stop():
    assert ANY_BREAK.split("a. b! c? d") == ["a.", "b!", "c?", "d"]


def test_content_words_leave_out_function_words_and_short_ones():
    assert content_words("How do I install the PDF viewer on it?") == {"install", "pdf", "viewer"}


def test_long_words_keep_function_words_of_four_letters():
    assert long_words("What does that option do with PDFs?") == {"what", "does", "that", "option", "with", "pdfs"}


def test_flat_puts_a_pdf_line_break_back_into_its_sentence():
    assert flat("a line\nbroken   here\n") == "a line broken here"


def test_words_and_sentences_of_other_alphabets_and_languages():
    # Whole words in any alphabet ("[a-z]" made "gro" of "Größe"), other languages' function words left out, and
    # the English manual's own words among them kept ("DES" the cipher, "MIT" the licence).
    assert content_words("Die Größe der Datei; la durée est longue; MIT licence, DES cipher") == {
        "die", "größe", "datei", "durée", "longue", "mit", "licence", "des", "cipher"
    }  # fmt: skip
    text = "La tâche est finie. À la fin, on redémarre. ¿Cómo se instala? Über die Größe."
    expected = ["La tâche est finie.", "À la fin, on redémarre.", "¿Cómo se instala?", "Über die Größe."]
    assert PASSAGE_BREAK.split(text) == PROSE_BREAK.split(text) == expected
