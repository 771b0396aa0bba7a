"""What both pages share: the cached services, database error handling and how answers are drawn."""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from rag.config import Settings
from rag.db import display_url
from rag.grounding import SentenceCheck, verdict
from rag.library import purge_incomplete
from rag.llm import model_label
from rag.models import Message
from rag.preview import PagePreview, PreviewError, render_file, stored_pdf
from rag.services import Services, open_services
from rag.vectorstore import StoreError


@st.cache_resource(show_spinner="Loading DocChat: models and your library…", on_release=lambda s: s.close())
def _load_services(settings_json: str) -> Services:
    # Keyed on the settings, so a different STORAGE_DIR (e.g. in tests) gets its own services.
    services = open_services(Settings.model_validate_json(settings_json))
    if not services.settings.qdrant_url:
        purge_incomplete(services)
    return services


def services() -> Services:
    """The process-wide services, or a clear message and a stopped page."""
    try:
        settings = Settings()
        return _load_services(settings.model_dump_json())
    except StoreError as exc:
        st.error(str(exc), icon="🔒")
    except SQLAlchemyError:
        where = display_url(settings.db_url)
        st.error(f"DocChat cannot reach its database ({where}). Reload the page once it is back.", icon="🔌")
    except Exception as exc:  # noqa: BLE001 - configuration errors of every kind end here
        st.error(f"DocChat could not start: {exc}", icon="⚠️")
    st.stop()


def model_indicator(settings: Settings) -> None:
    """Which model answers, where the documents go, and how to change it, in the sidebar."""
    if settings.llm_provider == "local":
        st.markdown(f"🖥️ **Offline** · {model_label(settings)}")
        st.caption(
            "A tiny model that runs on this computer: trust the sources more than its wording. For better "
            "answers, start DocChat with OPENAI_API_KEY set, or OPENAI_BASE_URL for Ollama."
        )
    else:
        st.markdown(f"☁️ **Online** · {model_label(settings)}")
        st.caption("Questions and passages are sent to this model. To stay offline, start with LLM_PROVIDER=local.")


@contextmanager
def database_guard(consequence: str | None = None) -> Iterator[None]:
    """Turns a lost database connection into a message on the page instead of a crash."""
    try:
        yield
    except SQLAlchemyError:
        st.error(f"DocChat cannot reach its database{consequence or '. Reload the page once it is back.'}", icon="🔌")
        st.stop()


UNSUPPORTED_STYLE = (
    "text-decoration: underline dotted #b45309; text-decoration-thickness: 2px; "
    "text-underline-offset: 3px; cursor: help"
)
UNSUPPORTED_TIP = "Not found in your documents"


def marked_answer(content: str, grounding: Sequence[dict] | None) -> str:
    """The answer as Markdown, with each sentence no source supports underlined (dotted, with a tooltip).
    The text is HTML-escaped first: with the marks, it is rendered as HTML, and it came from a model."""
    text = html.escape(content, quote=False)
    position = 0
    for check in grounding or []:
        sentence = html.escape(check["text"], quote=False)
        found = text.find(sentence, position)
        if found < 0:
            continue
        if check["supported"] is False:
            span = f'<span style="{UNSUPPORTED_STYLE}" title="{UNSUPPORTED_TIP}">{sentence}</span>'
            text = text[:found] + span + text[found + len(sentence) :]
            position = found + len(span)
        else:
            position = found + len(sentence)
    return text


def literal(text: str) -> str:
    """Text from a PDF, shown as written: Markdown would read `*`, `_` or `$...$` (LaTeX) in it as formatting."""
    return re.sub(r"([\\`*_{}\[\]<>#|~$])", r"\\\1", " ".join(text.split()))


def render_answer(svc: Services, message: Message, question: str, library: Collection[str]) -> None:
    checks = message.grounding or []
    if any(c["supported"] is False for c in checks):
        st.markdown(marked_answer(message.content or "", checks), unsafe_allow_html=True)
        if verdict([SentenceCheck(**c) for c in checks]) == "unsupported":
            st.caption("⚠️ Nothing in this answer could be found in your documents: it is probably not in them.")
        else:
            st.caption("Dotted underline: not found in your documents. Check it against the sources.")
    else:
        st.markdown(message.content or "")
    if message.status == "interrupted":
        st.caption("⚠️ This answer was interrupted before it finished.")
    elif message.status == "failed":
        st.error(message.error or "The answer failed.", icon="⚠️")
    if message.standalone_question and message.standalone_question != question:
        with st.expander("Searched for"):
            st.write(message.standalone_question)
    render_sources(svc, message.id, message.sources or [], library)


def render_sources(svc: Services, message_id: str, sources: Sequence[dict], library: Collection[str]) -> None:
    """One compact chip per cited page: hovering shows the passage, clicking opens the page itself."""
    if not sources:
        return
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key=f"sources_{message_id}"):
        st.caption("Sources")
        for n, source in enumerate(sources, 1):
            removed = " (document removed)" if source["doc_id"] not in library else ""
            label = f"{source['filename']} · p. {source['page']}{removed}"
            if st.button(label, key=f"page_{message_id}_{n}", icon="📄", help=literal(source["snippet"])):
                show_page(svc, source)


@st.cache_data(max_entries=32, show_spinner=False)
def _page_picture(path: Path, page: int, snippet: str) -> PagePreview:
    # Keyed by the stored file, whose name is the hash of its content; whether the document is still in the
    # library is asked afresh each time, outside the cache.
    return render_file(path, page, snippet)


@st.dialog("Cited page", width="large")
def show_page(svc: Services, source: dict) -> None:
    st.markdown(f"**{source['filename']}** · page {source['page']}")
    picture, quote = st.columns([3, 2])
    quote.caption("The passage cited")
    quote.markdown(f"> {literal(source['snippet'])}")
    try:
        with st.spinner("Drawing the page…"):
            preview = _page_picture(stored_pdf(svc, source["doc_id"]), source["page"], source["snippet"])
    except PreviewError as exc:
        picture.info(str(exc), icon="📄")
        return
    picture.image(preview.png, width="stretch")
    if preview.highlighted:
        quote.caption("It is highlighted in yellow on the page.")
