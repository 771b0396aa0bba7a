"""Quote mode: the documents' own sentences as the answer, and what the user reads with each answer strategy.
The fast tier: the fake embedder (alike where the words are) and a real store, a fake chat model."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.documents import Document as LCDocument
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from rag.answering.grounding import SentenceCheck
from rag.answering.pipeline import start_turn
from rag.answering.policy import decide
from rag.answering.quotes import WEIGHTS_BEFORE, extract_quotes, passage_sentences
from rag.config import Settings
from rag.indexing.ingest import ingest_bytes
from rag.presentation import quotes_markdown
from rag.records.transcripts import create_conversation, list_messages
from rag.schemas import Quote
from rag.usecases import conversations
from rag.usecases.startup import open_services
from tests.pdfs import make_pdf

ZOO = make_pdf(
    [
        [
            "The city zoo was founded in 1921 by a group of local teachers.",
            "Adult penguins eat herring and krill, about two kilograms a day.",
            "Visitors may not feed the animals. The café is next to the main gate.",
        ],
        ["The zoo opens at nine in the morning and closes at six in the evening, every day of the year."],
    ]
)
SUPPORTED = "Adult penguins eat herring and krill, about two kilograms a day."
UNSUPPORTED = "Penguins are fed 15 kilograms of chocolate cake at 11 every night."  # invented numbers: never supported


class Fake(BaseChatModel):
    """Streams a fixed answer word by word."""

    answer: str

    @property
    def _llm_type(self) -> str:
        return "fake"

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self.answer))])

    def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        for word in self.answer.split(" "):
            yield ChatGenerationChunk(message=AIMessageChunk(word + " "))


def _passage(text: str, page: int, filename: str = "zoo.pdf") -> LCDocument:
    return LCDocument(page_content=text, metadata={"doc_id": "d" * 64, "filename": filename, "page": page})


def test_sentences_are_joined_across_line_breaks_and_long_runs_are_cut():
    # A line that runs to the margin goes on into the next (a short one ends its paragraph: tests/answering/
    # test_sentences.py).
    text = (
        "Adult penguins eat herring and krill, and sometimes squid, in the cold sea\nwater every day.\n"
        "Contents ........................ 3\n" + "word " * 200
    )
    sentences = passage_sentences(text)
    assert sentences[0] == "Adult penguins eat herring and krill, and sometimes squid, in the cold sea water every day."
    assert not any("....." in s for s in sentences)  # a table of contents line is no quote
    assert all(len(s) <= 400 for s in sentences) and len(sentences) >= 3


def test_a_licence_notice_is_quoted_only_for_a_question_about_the_licence(embedding):
    # R-FAQ's notice page: "See the GNU General Public License for more details." came first, for a question
    # that shares its words with it ("more details"), and ran on into quotes as the sentence after the best one.
    notice = "See the GNU General Public License for more details."
    docs = [
        _passage(f"The package manager gives more details about each package. {notice}", 1, "r-faq.pdf"),
        _passage(f"This program is distributed in the hope that it will be useful. {notice}", 2, "r-faq.pdf"),
    ]
    quotes = extract_quotes("Where do I find more details about a package?", docs, embedding.embeddings)
    assert quotes and not any("GNU General Public" in q.text for q in quotes)
    assert quotes[0].text == "The package manager gives more details about each package."
    about = extract_quotes(
        "Under which licence is it distributed, and where are the details?", docs, embedding.embeddings
    )
    assert any("GNU General Public License" in q.text for q in about)


def test_a_title_slide_of_short_lines_can_be_quoted(embedding):
    # Each line is too short to quote alone; together they say who wrote the talk.
    title = LCDocument(
        "Introducing\nSlide Show Macros\nby\nPatrick TJ McPhee",
        metadata={"doc_id": "s", "filename": "talk.pdf", "page": 3, "section": "", "unit": "slide"},
    )
    rationale = LCDocument(
        "Rationale\n➢ The slide show macros are an intellectual exercise in MetaPost programming",
        metadata={"doc_id": "s", "filename": "talk.pdf", "page": 8, "section": "", "unit": "slide"},
    )
    quotes = extract_quotes("Who wrote the slide show macros?", [title, rationale], embedding.embeddings)
    assert quotes[0].text == "Introducing Slide Show Macros by Patrick TJ McPhee"
    assert quotes[0].unit == "slide" and quotes[0].page == 3
    # A page of a document that is no deck keeps its short lines apart: they may finish a quote, not start one.
    page = LCDocument(title.page_content, metadata={**title.metadata, "unit": "page"})
    assert all("McPhee" not in q.text for q in extract_quotes("Who wrote the macros?", [page], embedding.embeddings))


def test_the_quote_is_the_sentence_that_answers_with_its_file_and_page(embedding):
    docs = [
        _passage("The zoo opens at nine in the morning. The café is next to the main gate.", 2),
        _passage("The city zoo was founded in 1921. Adult penguins eat herring and krill every day.", 1),
    ]
    quotes = extract_quotes("What do penguins eat?", docs, embedding.embeddings)
    assert 1 <= len(quotes) <= 3
    assert "herring" in quotes[0].text
    assert (quotes[0].filename, quotes[0].page) == ("zoo.pdf", 1)
    assert len({q.text for q in quotes}) == len(quotes)
    assert "> — zoo.pdf, p. 1" in quotes_markdown(quotes[:1])


def _check(supported: bool | None) -> SentenceCheck:
    return SentenceCheck("A sentence of the answer.", supported, 0.0, 0.0)


@pytest.mark.parametrize(
    ("strategy", "checks", "expected"),
    [
        ("quotes", [_check(True)], "quotes"),
        ("quotes_first", [_check(True), _check(None)], "quotes+model"),
        ("quotes_first", [_check(True), _check(False)], "quotes"),
        ("quotes_first", [_check(None)], "quotes"),  # nothing could be judged: not shown
        ("model_checked", [_check(True), _check(False)], "model"),
        ("model_checked", [_check(False), _check(False), _check(True)], "quotes"),
        ("model", [_check(False)], "model"),
    ],
)
def test_what_the_user_reads_for_each_strategy(strategy, checks, expected):
    assert decide(strategy, True, "An answer.", checks) == expected


def _services(tmp_path, embedding, mode: str, answer: str):  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, storage_dir=tmp_path / "s", answer_mode=mode)
    services = open_services(settings, embedding)
    services.__dict__["llm"] = Fake(answer=answer)  # the cached_property's slot: no llama.cpp in the fast tier
    ingest_bytes(services, ZOO, "zoo.pdf")
    return services


def _ask(services, question: str):  # type: ignore[no-untyped-def]
    conversation = create_conversation(services)
    return conversation, start_turn(services, conversation.id, question)


@pytest.mark.parametrize(("answer", "shown"), [(SUPPORTED, True), (UNSUPPORTED, False)])
def test_quotes_first_shows_the_quotes_at_once_and_the_model_only_when_supported(tmp_path, embedding, answer, shown):
    services = _services(tmp_path, embedding, "quotes_first", answer)
    try:
        conversation, turn = _ask(services, "What do penguins eat?")
        # Before a single token: the quotes are there, and already stored as the answer.
        assert turn.quotes_first and "herring" in turn.quotes[0].text
        stored = list_messages(services, conversation.id)[-1]
        assert stored.mode == "quotes" and stored.quotes[0]["page"] == 1 and stored.first_token_ms is not None
        streamed = "".join(turn.tokens)
        assert (streamed.strip() == answer) is shown and (streamed == "") is not shown
        stored = list_messages(services, conversation.id)[-1]
        assert stored.mode == ("quotes+model" if shown else "quotes")
        assert stored.content.strip() == (answer if shown else "")
        assert stored.status == "complete" and stored.grounding  # why the model's answer was or was not shown
        markdown = conversations.export_conversation(services, conversation.id)
        assert f"> {turn.quotes[0].text}" in markdown.replace("\\", "")
        assert "> — zoo.pdf, p. 1" in markdown
        assert ("The model's short answer" in markdown) is shown
    finally:
        services.close()


def test_model_mode_streams_the_model_and_keeps_the_quotes_one_click_away(tmp_path, embedding):
    services = _services(tmp_path, embedding, "model", UNSUPPORTED)
    try:
        conversation, turn = _ask(services, "What do penguins eat?")
        assert not turn.quotes_first
        first = next(turn.tokens)
        assert first.strip() == "Penguins"  # streamed as it comes, unchecked
        "".join(turn.tokens)
        stored = list_messages(services, conversation.id)[-1]
        assert stored.mode == "model" and stored.content.strip() == UNSUPPORTED
        assert stored.quotes and "herring" in stored.quotes[0]["text"]
    finally:
        services.close()


def test_model_checked_replaces_a_mostly_unsupported_answer_by_the_quotes(tmp_path, embedding):
    services = _services(tmp_path, embedding, "model_checked", UNSUPPORTED)
    try:
        conversation, turn = _ask(services, "What do penguins eat?")
        "".join(turn.tokens)
        assert turn.mode == "quotes"
        assert list_messages(services, conversation.id)[-1].mode == "quotes"
    finally:
        services.close()


def test_quotes_alone_never_ask_the_model(tmp_path, embedding):
    services = _services(tmp_path, embedding, "quotes", SUPPORTED)
    services.__dict__["llm"] = None  # any use of the model would fail
    try:
        _, turn = _ask(services, "When does the zoo open?")
        assert "".join(turn.tokens) == ""
        assert turn.mode == "quotes" and "nine in the morning" in turn.quotes[0].text
        assert turn.quotes[0].page == 2
    finally:
        services.close()


def test_a_checked_answer_is_stored_before_it_is_shown(tmp_path, embedding):
    services = _services(tmp_path, embedding, "quotes_first", SUPPORTED)
    try:
        conversation, turn = _ask(services, "What do penguins eat?")
        shown = next(turn.tokens)  # the whole checked answer, at once
        turn.close()  # the reader went away right after it
        stored = list_messages(services, conversation.id)[-1]
        assert (stored.status, stored.mode, stored.content) == ("complete", "quotes+model", shown)
    finally:
        services.close()


# R-FAQ's case: the page is right, but the vague sentence about packages shares the question's words and the
# one that answers names the command.
INSTALL_PAGE = (
    "5.1 Add-on packages\n"
    "Extra packages are a great way to extend what R can do for you.\n"
    'Use install.packages("foo") to get one from a mirror.\n'
)


def test_how_do_i_quotes_the_sentence_that_names_the_command(embedding):
    docs = [_passage(INSTALL_PAGE, 41, "r-faq.pdf")]
    question = "How do I install an extra package?"
    best = extract_quotes(question, docs, embedding.embeddings, limit=1, fill=0, window=0)
    assert best[0].text == 'Use install.packages("foo") to get one from a mirror.'
    # Scored as before issue 30 (meaning and keywords only), the vague sentence came first.
    before = extract_quotes(question, docs, embedding.embeddings, limit=1, fill=0, window=0, weights=WEIGHTS_BEFORE)
    assert "install.packages" not in before[0].text
    assert "install.packages(" in extract_quotes(question, docs, embedding.embeddings)[0].text


def test_a_definition_list_entry_is_quoted_whole(embedding):
    page = (
        "Given a value returned from time, localtime returns a time structure with the following\n"
        "fields, each described below in the order that they are stored:\n"
        "hour Hours since midnight (0-23).\n"
        "mday Day of the month (1-31).\n"
        "mon Months since January (0-11).\n"
        "year Years since 1900.\n"
    )
    quotes = extract_quotes(
        "How are the months numbered in the time structure?", [_passage(page, 7)], embedding.embeddings
    )
    # Whole: never "...January" without its range, nor the range without its term.
    assert any("mon Months since January (0-11)." in q.text for q in quotes)
    alone = extract_quotes("How are the months numbered?", [_passage(page, 7)], embedding.embeddings, fill=0)
    assert all(q.text.endswith(")") or q.text.endswith(".") or q.text.endswith(":") for q in alone)


def test_a_table_row_is_quoted_whole(embedding):
    page = (
        "The settings below may be given on the command line, in the configuration file or in the environment\n"
        "variable ASYMPTOTE_SETTINGS, and the command line wins over the file, which wins over the environment.\n"
        "Each is listed here with its default value, and a short description of what it changes in the output:\n"
        "papertype letter the paper size used to center the output\n"
        "outformat eps the format of the output file\n"
        "render 4 pixels per bp of three-dimensional rendered images\n"
    )
    quotes = extract_quotes("Which paper type is the default?", [_passage(page, 3)], embedding.embeddings)
    assert any("papertype letter the paper size used to center the output" in q.text for q in quotes)
    rows = extract_quotes(
        "Which paper type is the default?", [_passage(page, 3)], embedding.embeddings, fill=0, window=0
    )
    assert "papertype letter the paper size used to center the output" in [q.text for q in rows]


def test_no_quote_starts_or_ends_inside_a_word(embedding):
    sentence = (
        "The program reads its configuration file, then the environment, then the command line, and each "
        "setting found later overrides the same setting found earlier, "
    )
    text = "Settings are read in order. " + sentence * 6 + "so the command line always wins.\nThe end of it."
    quotes = extract_quotes("In which order are settings read?", [_passage(text, 2)], embedding.embeddings)
    flat_text = " ".join(text.split())
    assert quotes
    for q in quotes:
        at = flat_text.find(q.text)
        assert at >= 0  # word for word
        end = at + len(q.text)
        assert (at == 0 or flat_text[at - 1] == " ") and (end == len(flat_text) or flat_text[end] == " ")


def test_quotes_that_would_share_a_sentence_are_one_quote_in_the_page_order(embedding):
    sentences = [
        "Ctrl-C stops the program that runs in the terminal.",
        "Ctrl-D ends the input, and leaves the shell when nothing is typed.",
        "Ctrl-Z suspends the program that runs and gives the prompt back.",
        "Ctrl-S halts the output to the screen until Ctrl-Q is typed.",
        "Ctrl-R searches the history of the commands typed before.",
        "Ctrl-L clears the screen and keeps what was typed on the line.",
    ]
    text = "\n".join(sentences)
    docs = [_passage(text, 49, "keys.pdf")]
    question = "Which key suspends the program that runs and gives the prompt back?"
    kept = extract_quotes(question, docs, embedding.embeddings, fill=150, overlaps="keep")
    assert any(sum(s in q.text for q in kept) > 1 for s in sentences)  # the same words read twice, before
    quotes = extract_quotes(question, docs, embedding.embeddings, fill=150)
    flat_text = " ".join(text.split())
    assert all(sum(s in q.text for q in quotes) <= 1 for s in sentences)
    assert all(q.text in flat_text for q in quotes)  # each the page's words, in its order
    # Nothing the quotes held before merging is lost.
    assert {s for s in sentences if any(s in q.text for q in kept)} <= {
        s for s in sentences if any(s in q.text for q in quotes)
    }


def test_a_quote_that_leans_on_the_sentence_before_starts_with_it(embedding):
    text = (
        "The cache directory is emptied every time the program starts.\n"
        "The option KEEPCACHE changes that. If set, the files are kept between runs, whatever their age."
    )
    question = "How do I keep the files between runs?"
    alone = extract_quotes(question, [_passage(text, 4)], embedding.embeddings, limit=1, lean_back=False)
    assert alone[0].text.startswith("If set, the files are kept")  # cut mid-thought: set what?
    quote = extract_quotes(question, [_passage(text, 4)], embedding.embeddings, limit=1)[0]
    assert quote.text.startswith("The option KEEPCACHE changes that. If set, the files are kept between runs")


def test_a_quote_of_a_slide_names_the_slide():
    slide = Quote("Adults eat herring.", "d", "talk.pdf", 7, 0.9, unit="slide")
    page = Quote("Adults eat herring.", "d", "zoo.pdf", 7, 0.9)
    assert quotes_markdown([slide, page]) == (
        "> “Adults eat herring.”\n> — talk.pdf, slide 7\n\n> “Adults eat herring.”\n> — zoo.pdf, p. 7"
    )
