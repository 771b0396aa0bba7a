"""What both pages share: the cached services and how sources are drawn."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from rag.config import Settings
from rag.library import purge_incomplete
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
    except Exception as exc:  # noqa: BLE001 - configuration errors of every kind end here
        st.error(f"DocChat could not start: {exc}", icon="⚠️")
    st.stop()


def render_sources(sources: Iterable[dict]) -> None:
    sources = list(sources)
    if not sources:
        return
    with st.expander(f"Sources ({len(sources)})"):
        for n, source in enumerate(sources, 1):
            st.markdown(f"**[{n}] {source['filename']} · p. {source['page']}**")
            st.caption(source["snippet"])
