"""The app's own words in the reader's language (rag/language/words.py): every catalogue translates every text
the app passes through it, keeps its placeholders, and a refusal comes in the question's language."""

import re

import pytest
from babel.messages.pofile import read_po

from rag.answering.gates import NO_ANSWERING_PASSAGE, NOT_FOUND, NOT_FOUND_ABOUT, OR
from rag.answering.pipeline import draft_answer
from rag.config import Settings
from rag.errors import InvalidInputError
from rag.language.words import LOCALE, catalogued, translator
from rag.presentation import (
    DOUBT,
    INTERRUPTED_NOTE,
    MODEL_STARTING,
    MODEL_WAITING,
    QUOTES_HEADING,
    READING,
    READING_ONE,
    SEARCHED_FOR,
    SEARCHING,
    words_of,
)
from rag.usecases.asking import checked_question
from rag.usecases.startup import open_services

TOO_LONG = "The question is {length} characters long; ask in at most {limit}."
SAID = [NOT_FOUND, NO_ANSWERING_PASSAGE, DOUBT, QUOTES_HEADING, INTERRUPTED_NOTE, TOO_LONG]
SAID += [NOT_FOUND_ABOUT, OR]  # a refusal that names what the documents never mention
SAID += [SEARCHING, READING, READING_ONE, MODEL_STARTING, MODEL_WAITING, SEARCHED_FOR]  # the chat's progress


def test_the_issue_s_languages_have_catalogues():
    assert {"de", "fr", "es"} <= set(catalogued())


@pytest.mark.parametrize("language", catalogued())
def test_every_catalogue_translates_every_text_and_keeps_its_placeholders(language):
    with (LOCALE / language / "LC_MESSAGES" / "docchat.po").open("rb") as po:
        catalog = read_po(po)
    for text in SAID:
        translated = catalog.get(text)
        assert translated is not None and translated.string, f"{language}: no translation of {text!r}"
        assert re.findall(r"{\w+}", translated.string) == re.findall(r"{\w+}", text), translated.string
        assert translator(language)(text) == translated.string != text


def test_english_and_languages_without_a_catalogue_read_as_written():
    assert translator(None)(DOUBT) == translator("en")(DOUBT) == translator("pt")(DOUBT) == DOUBT
    assert words_of("Is it in my documents?")(QUOTES_HEADING) == QUOTES_HEADING
    assert words_of("Steht das in meinen Dokumenten, bitte?")(QUOTES_HEADING) == "Aus Ihren Dokumenten, Wort für Wort:"


def test_a_refusal_comes_in_the_question_s_language(tmp_path, embedding):
    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "s", max_question_chars=60), embedding)
    try:
        refused = draft_answer(services, "Comment installer un paquet quand le réseau est coupé ?")
        assert "".join(refused.tokens) == "Je n'ai rien trouvé à ce sujet dans vos documents."
        assert "".join(draft_answer(services, "How do I install a package offline?").tokens) == NOT_FOUND
        with pytest.raises(InvalidInputError, match="Die Frage ist 77 Zeichen lang; fragen Sie in höchstens 60"):
            checked_question(services, "Wie installiere ich ein Paket, wenn das Netzwerk nicht erreichbar ist, bitte?")
    finally:
        services.close()
