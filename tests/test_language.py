"""Telling a text's language offline (rag/language/): a question's, and a document's from its pages."""

import pytest

from rag.language import detect, detect_document, name


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Wie installiere ich ein Paket, wenn das Netzwerk nicht erreichbar ist?", "de"),
        ("Comment installer un paquet quand le réseau est indisponible ?", "fr"),
        ("¿Cómo instalo un paquete cuando la red no está disponible?", "es"),
        ("Come si installa un pacchetto quando la rete non è disponibile?", "it"),
        ("How do I install a package when the network is down?", "en"),
        # English with program names in it, which a detector over all its languages took for Latin or Malay.
        ("What does iptstate show about netfilter connections?", "en"),
    ],
)
def test_a_question_s_language_is_told(text, language):
    assert detect(text) == language


@pytest.mark.parametrize("text", ["", "kernel?", "tar -xzf", "42 / 7"])
def test_too_few_letters_tell_no_language(text):
    assert detect(text) is None


def test_a_document_s_language_is_told_from_all_of_it_not_its_first_page():
    english_title = "Debian Reference. Copyright the authors. Licensed under the GNU General Public License."
    german = "Die Paketverwaltung lädt die Pakete herunter und prüft ihre Signaturen, bevor sie installiert werden."
    pages = [english_title, "", *[german] * 12]
    assert detect_document(pages) == "de"
    assert detect_document(["", "  "]) is None


def test_languages_are_named_for_people():
    assert (name("de"), name("fr"), name(None)) == ("German", "French", "an unknown language")
