"""What both pages share: the cached services, database error handling and how answers are drawn."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from rag.config import Settings
from rag.db import display_url
from rag.library import purge_incomplete
from rag.models import Message
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


@contextmanager
def database_guard(consequence: str | None = None) -> Iterator[None]:
    """Turns a lost database connection into a message on the page instead of a crash."""
    try:
        yield
    except SQLAlchemyError:
        st.error(f"DocChat cannot reach its database{consequence or '. Reload the page once it is back.'}", icon="🔌")
        st.stop()


def render_answer(message: Message, question: str, library: Collection[str]) -> None:
    st.markdown(message.content or "")
    if message.status == "interrupted":
        st.caption("⚠️ This answer was interrupted before it finished.")
    elif message.status == "failed":
        st.error(message.error or "The answer failed.", icon="⚠️")
    if message.standalone_question and message.standalone_question != question:
        with st.expander("Searched for"):
            st.write(message.standalone_question)
    sources = message.sources or []
    if sources:
        with st.expander(f"Sources ({len(sources)})"):
            for n, source in enumerate(sources, 1):
                removed = "" if source["doc_id"] in library else " · _document removed_"
                st.markdown(f"**[{n}] {source['filename']} · p. {source['page']}**{removed}")
                st.caption(source["snippet"])
