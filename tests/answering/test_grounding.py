"""The grounding check on fixed inputs: which sentences the sources support, and how the UI marks the others."""

from rag.answering.grounding import (
    SentenceCheck,
    check_sentences,
    claim_clauses,
    named_terms,
    numbers,
    split_sentences,
    unmatched_terms,
    verdict,
)
from rag.presentation import UNSUPPORTED_TIP, answer_html

SOURCE = (
    "Penguin care. Adult penguins eat two kilograms of herring every day. Keepers weigh each bird on Mondays. "
    "The pool water is kept at 4 degrees Celsius."
)


def test_sentences_are_split_exactly_as_written():
    answer = "Penguins eat herring [p.1]. They are weighed on Mondays!\nWater: 4 °C. e.g. cold"
    assert split_sentences(answer) == [
        "Penguins eat herring [p.1].",
        "They are weighed on Mondays!",
        "Water: 4 °C. e.g. cold",
    ]


def test_supported_paraphrases_pass_and_invented_claims_are_flagged(embedding):
    answer = (
        "Adult penguins eat two kilograms of herring each day [p.1]. "
        "Every bird is weighed by the keepers on Monday. "
        "The pool water is kept at 12 degrees Celsius. "
        "Penguins should be vaccinated against avian flu every spring. "
        "Sure!"
    )
    checks = check_sentences(answer, [SOURCE], embedding.embeddings)
    assert [c.supported for c in checks] == [True, True, False, False, None]
    assert checks[0].overlap == 1.0  # the citation is not counted as a claim
    assert verdict(checks) == "partly"
    assert verdict([c for c in checks if c.supported is not True]) == "unsupported"
    assert verdict(check_sentences("Ok.", [SOURCE], embedding.embeddings)) is None


def test_the_ui_underlines_only_unsupported_sentences_and_escapes_the_answer():
    content = "Penguins eat herring. They <b>love</b> jazz music. Water is cold."
    checks = [
        SentenceCheck("Penguins eat herring.", True, 1.0, 0.9).to_dict(),
        SentenceCheck("They <b>love</b> jazz music.", False, 0.0, 0.1).to_dict(),
        SentenceCheck("Water is cold.", None, 0.0, 0.0).to_dict(),
    ]
    html = answer_html(content, [c["text"] for c in checks if c["supported"] is False])
    assert html.startswith("Penguins eat herring. <span ")
    assert f'title="{UNSUPPORTED_TIP}">They &lt;b>love&lt;/b> jazz music.</span> Water is cold.' in html
    assert html.count("<span") == 1 and "<b>" not in html


def test_the_names_a_question_asks_about():
    question = "Does Asymptote support Vulkan? Is there a GitLab project for it?"
    assert named_terms(question) == ["Asymptote", "Vulkan", "GitLab"]
    assert named_terms("Which CVEs were fixed in libtasn1 4.19.0, and what is ASN1_MAX_NAME_SIZE?") == [
        "CVEs",
        "libtasn1",
        "4.19.0",
        "ASN1_MAX_NAME_SIZE",
    ]
    assert named_terms("Can I export to a PowerPoint .pptx file or TikZ/PGF?") == ["PowerPoint", "pptx", "TikZ", "PGF"]
    assert named_terms("How do I make the arrowheads bigger in my drawings?") == []


def test_names_the_sources_never_mention_are_unmatched():
    sources = ["The Makefiles build libtasn1 with GCC. See the PDF manual, version 4.19."]
    question = "Do the makefiles of libtasn1 4.19 build PDFs with MSVC or with GCC, and with Google's OSS-Fuzz?"
    assert unmatched_terms(question, sources) == ["MSVC", "Google", "OSS", "Fuzz"]
    assert unmatched_terms("Is GCC's output a PDF?", sources) == []
    assert unmatched_terms("Does it read ASN.2 files?", sources) == ["ASN.2"]


FAQ = "Licensing. R is free software and can be used commercially. No fee is charged for installing it."


def _shown(answer: str, sources: list[str], embedding) -> bool:  # type: ignore[no-untyped-def]
    checks = check_sentences(answer, sources, embedding.embeddings)
    return verdict(checks) == "supported"


def test_a_negation_the_sources_do_not_make_is_refused(embedding):
    assert not _shown("R is not free to use for commercial work.", [FAQ], embedding)
    assert not _shown("R cannot be used commercially.", [FAQ], embedding)
    # Dropping a negation the source makes fails too: the source denies the fee, not the installing.
    assert not _shown("A fee is charged for installing R.", [FAQ], embedding)
    assert _shown("No fee is charged for installing R.", [FAQ], embedding)


def test_a_negation_elsewhere_in_the_source_sentence_does_not_flip_the_claim(embedding):
    source = "No global variables are used and multiple library handles and session handles may be used in parallel."
    assert _shown("Several session handles may be used in parallel.", [source], embedding)
    assert not _shown("Session handles may not be used in parallel.", [source], embedding)


def test_a_changed_number_or_unit_is_refused(embedding):
    assert not _shown("Adult penguins eat three kilograms of herring every day.", [SOURCE], embedding)
    assert not _shown("Adult penguins eat two grams of herring every day.", [SOURCE], embedding)
    # A number written as a word is the same number.
    assert _shown("Adult penguins eat 2 kilograms of herring every day.", [SOURCE], embedding)


def test_a_clause_no_source_holds_is_refused(embedding):
    assert not _shown(
        "Adult penguins eat two kilograms of herring every day, and they sleep in heated burrows.", [SOURCE], embedding
    )
    assert not _shown("R is free software, which is maintained by a company in Vienna.", [FAQ], embedding)


def test_another_named_thing_is_refused(embedding):
    assert not _shown("Python is free software and can be used commercially.", [FAQ], embedding)
    sources = ["Pass -s to asn1Decoding to use strict DER decoding."]
    assert _shown("Passing -s to asn1Decoding makes it use strict DER decoding.", sources, embedding)
    assert not _shown("Passing -t to asn1Decoding makes it use strict DER decoding.", sources, embedding)
    assert not _shown("Passing -s to asn1Coding makes it use strict DER decoding.", sources, embedding)


def test_faithful_paraphrases_that_keep_polarity_numbers_and_names_are_shown(embedding):
    # The words decide in the fast tier (its fake embedding knows no synonyms): a paraphrase that keeps the source's
    # content words passes; "for commercial work" for "commercially" is left to the real model's embedding.
    assert _shown("R can be used commercially, since it is free software.", [FAQ], embedding)
    assert _shown("R is free software, which can be used commercially.", [FAQ], embedding)
    # The name may come from the sentence before, as a heading or a subject does.
    sources = ["Penguin care at the zoo. Keepers weigh each bird on Mondays."]
    assert _shown("At the zoo, keepers weigh every penguin on Mondays.", sources, embedding)


def test_the_clauses_of_a_sentence():
    assert claim_clauses(
        "Coordinates, called pairs, are expressed in big points, and the default line width is 0.5bp."
    ) == [
        "Coordinates, called pairs",
        "are expressed in big points",
        "and the default line width is 0.5bp.",
    ]
    # A list is not cut into its items.
    assert claim_clauses("It supports SET, CHOICE and ANY.") == ["It supports SET, CHOICE, and ANY."]


def test_the_numbers_a_sentence_states():
    assert numbers("The tenant pays ten euros for 4 kB, 0.5bp and version 2.10, or 3.0.") == {
        ("10", ""),
        ("4", "kb"),
        ("4", ""),
        ("0.5", "bp"),
        ("0.5", ""),
        ("2.10", ""),
        ("3", ""),
    }
