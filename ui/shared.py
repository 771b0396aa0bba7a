"""What both pages share: the cached services, database error handling and how answers are drawn."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import streamlit as st

from rag.config import load_settings
from rag.errors import DatabaseUnavailableError, DocChatError, StoreBusyError
from rag.presentation import (
    DOUBT,
    INTERRUPTED_NOTE,
    QUOTES_HEADING,
    answer_html,
    cited_at,
    label_markdown,
    text_html,
    unsupported_sentences,
    words_of,
)
from rag.schemas import MessagePublic, Quote, Source
from rag.usecases import accounts, asking, conversations, documents, startup
from rag.usecases.startup import Services


def services() -> Services:
    """The process-wide services, or a clear message and a stopped page."""
    try:
        # One per process, shared with the HTTP API served beside the pages (app.py); with the background
        # worker, uploads go on indexing while their page is closed, and a restart resumes them.
        return startup.shared_services(load_settings())
    except StoreBusyError as exc:
        st.error(str(exc), icon="🔒")
    except DocChatError as exc:
        st.error(str(exc), icon="⚠️")
    except Exception as exc:  # noqa: BLE001 - configuration errors of every kind end here
        st.error(f"DocChat could not start: {exc}", icon="⚠️")
    st.stop()


def model_indicator(svc: Services) -> None:
    """Which model answers, where the documents go, and how to change it, in the sidebar."""
    model = asking.model_capabilities(svc)
    if model.in_process:
        st.markdown(f"🖥️ **Offline** · {model.label}")
        st.caption(
            "A tiny model that runs on this computer: trust the sources more than its wording. For better "
            "answers, start DocChat with OPENAI_API_KEY set, or OPENAI_BASE_URL for Ollama."
        )
    else:
        st.markdown(f"☁️ **Online** · {model.label}")
        st.caption("Questions and passages are sent to this model. To stay offline, start with LLM_PROVIDER=local.")


@contextmanager
def database_guard(consequence: str | None = None) -> Iterator[None]:
    """Turns a lost database connection, or any other DocChat error, into a message on the page instead of a crash."""
    try:
        yield
    except DatabaseUnavailableError:
        st.error(f"DocChat cannot reach its database{consequence or '. Reload the page once it is back.'}", icon="🔌")
        st.stop()
    except DocChatError as exc:
        st.error(str(exc), icon="⚠️")
        st.stop()


def render_answer(svc: Services, message: MessagePublic, question: str, conversation_id: str | None = None) -> None:
    """A stored answer. One whose check is pending, given its conversation, polls for the model's words."""
    mode, quotes, words = message.mode, message.quotes, words_of(question)
    if quotes and mode in ("quotes", "quotes+model"):
        render_quotes(svc, message.id, quotes, question)
        if message.doubtful:
            st.caption(f"⚠️ {words(DOUBT)}")
    if message.check_pending and conversation_id:
        poll_check(svc, conversation_id, message)
    else:
        render_model_part(message)
    if message.status == "interrupted":
        st.caption(f"⚠️ {words(INTERRUPTED_NOTE)}")
    elif message.status == "failed":
        st.error(message.error or "The answer failed.", icon="⚠️")
    if quotes and mode == "model":
        with st.expander("What the documents say", icon=":material/format_quote:"):
            render_quotes(svc, f"{message.id}_more", quotes, question)
    if message.standalone_question and message.standalone_question != question:
        with st.expander("Searched for"):
            st.text(message.standalone_question)
    render_sources(svc, message.id, message.sources)


def render_model_part(message: MessagePublic) -> None:
    """The model's words under the quotes when their check passed, or why they are not there."""
    if message.content and message.mode == "quotes+model":
        st.caption("The model's short answer, checked against these passages:")
    if message.content:
        render_model_answer(message)
    elif message.check_pending:
        st.caption("✍️ The model is writing a short answer; it is shown here only if the passages support it…")
    elif message.mode == "quotes" and message.grounding:
        st.caption("The model's own answer is not shown: the passages do not support it.")


# How often an answer whose check is pending is read again: its words show at most this long after they are stored.
POLL_SECONDS = 1.0


@st.fragment(run_every=POLL_SECONDS)
def poll_check(svc: Services, conversation_id: str, message: MessagePublic) -> None:
    """The model's part of an answer whose check is pending, read again every second, alone: the page around it
    (and the chat input) stays as it is. Once the check is over the page is drawn again, whole (the suggestions
    come with it) and without this."""
    try:
        message = conversations.get_answer(svc, conversation_id, message.id, caller=st.session_state.caller)
    except DatabaseUnavailableError:
        pass  # the database is away for a moment: the answer is read again at the next poll
    except DocChatError:
        st.rerun()  # deleted meanwhile (in another tab): the page says what became of it
    render_model_part(message)
    if not message.check_pending:
        st.rerun()


def render_model_answer(message: MessagePublic) -> None:
    unsupported, wholly = unsupported_sentences(message.grounding)
    # Always through the sanitiser: a model echoing a document must not load an image or link out of the app.
    st.markdown(answer_html(message.content, unsupported), unsafe_allow_html=True)
    if wholly:
        st.caption("⚠️ Nothing in this answer could be found in your documents: it is probably not in them.")
    elif unsupported:
        st.caption("Dotted underline: not found in your documents. Check it against the sources.")


def render_quotes(svc: Services, key: object, quotes: Sequence[Quote], question: str = "") -> None:
    """The documents' own sentences, each a quote with the page it stands on; a click opens that page. Its heading
    is in the question's language."""
    st.caption(words_of(question)(QUOTES_HEADING))
    for n, quote in enumerate(quotes, 1):
        with st.container(key=f"quote_{key}_{n}"):
            # With HTML, a URL in the quote stays plain text that copies as written (rag/presentation.py).
            st.markdown(f"> {text_html(quote.text)}", unsafe_allow_html=True)
            removed = " (document removed)" if quote.removed else ""
            label = label_markdown(f"{quote.filename} · {cited_at(quote)}{removed}")
            if st.button(label, key=f"quote_page_{key}_{n}", icon="📄", type="tertiary"):
                cited = Source(
                    quote.doc_id,
                    quote.filename,
                    quote.page,
                    quote.text,
                    quote.score,
                    quote.removed,
                    unit=quote.unit,
                    place=quote.place,
                )
                show_page(svc, cited)


def render_suggestions(suggestions: Sequence[str], key: str) -> None:
    """Questions the documents can answer, each checked to find its own section; a click asks it."""
    if not suggestions:
        return
    with st.container(horizontal=True, gap="small", key=f"suggestions_{key}"):
        for n, suggestion in enumerate(suggestions):
            if st.button(label_markdown(suggestion), key=f"suggest_{key}_{n}", icon="💡"):
                st.session_state.pending = suggestion
                st.rerun()


def render_sources(svc: Services, message_id: object, sources: Sequence[Source]) -> None:
    """One compact chip per cited page: hovering shows the passage, clicking opens the page itself."""
    if not sources:
        return
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key=f"sources_{message_id}"):
        st.caption("Sources")
        for n, source in enumerate(sources, 1):
            removed = " (document removed)" if source.removed else ""
            label = label_markdown(f"{source.filename} · {cited_at(source)}{removed}")
            scan = " (a scanned page, read by OCR)" if source.ocr else ""
            if st.button(label, key=f"page_{message_id}_{n}", icon="📄", help=label_markdown(source.snippet + scan)):
                show_page(svc, source)


@st.cache_data(max_entries=32, show_spinner=False)
def _page_picture(
    _svc: Services, _who: accounts.Caller, workspace: str, doc_id: str, page: int, snippet: str
) -> documents.PagePreview:
    # Keyed by the workspace (whose members may all see it) and the document, whose id is the hash of its
    # content: the picture of a page never changes. Another workspace's key draws it only if it holds it too.
    return documents.page_preview(_svc, doc_id, page, snippet, caller=_who)


@st.dialog("Cited page", width="large")
def show_page(svc: Services, source: Source) -> None:
    st.markdown(f"**{text_html(source.filename)}** · {cited_at(source, short=False)}", unsafe_allow_html=True)
    picture, quote = st.columns([3, 2])
    quote.caption("The passage cited")
    quote.markdown(f"> {text_html(source.snippet)}", unsafe_allow_html=True)
    if source.ocr:
        quote.caption("🔍 This page is a scan: its words were read by OCR, and some may be misread.")
    who = st.session_state.caller
    # Asked afresh each time, outside the cache: the document may have been deleted since.
    if source.doc_id not in documents.library_ids(svc, caller=who):
        picture.info("This document is no longer in your library.", icon="📄")
        return
    try:
        with st.spinner("Drawing the page…"):
            preview = _page_picture(svc, who, who.workspace_id, source.doc_id, source.page, source.snippet)
    except DocChatError as exc:
        picture.info(str(exc), icon="📄")
        return
    picture.image(preview.png, width="stretch")
    if preview.highlighted:
        quote.caption("It is highlighted in yellow on the page.")
