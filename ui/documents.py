"""Documents: upload PDFs, watch each one being indexed, and manage the library and its trash."""

import streamlit as st

from rag.cards import DocumentCard
from rag.errors import DocChatError
from rag.ingest import display_name, ingest_bytes
from rag.library import (
    document_cards,
    empty_trash,
    index_new_passages,
    list_documents,
    list_trash,
    restore_document,
    trash_document,
)
from rag.safe_markdown import label_markdown
from rag.transcripts import create_conversation
from ui.shared import database_guard, model_indicator, services


def show_card(card: DocumentCard | None, waiting_for_model: bool) -> None:
    """What the document is about: its summary in its own words, and its chapters with their pages."""
    if card is None:
        st.caption("Its summary could not be made: the stored file cannot be read.")
        return
    st.markdown(f"**{label_markdown(card.title)}** · {card.pages} pages")
    if card.model_summary:
        st.caption("Summary written by the language model")
        st.markdown(label_markdown(card.model_summary))
    elif waiting_for_model:
        st.caption("The language model’s summary appears here once written; meanwhile, the document’s own words:")
    for sentence in card.summary:
        st.markdown(f"> {label_markdown(sentence.text)} (p. {sentence.page})")
    if card.top_sections():
        st.caption("Contents" + (" (from its headings)" if card.outline_source == "headings" else ""))
        st.markdown("\n".join(f"- {label_markdown(e.title)} · p. {e.page}" for e in card.top_sections()))


svc = services()
st.title("📄 Your documents")
where = (
    "Everything stays on this computer."
    if svc.settings.embeddings_provider == "local"
    else f"Passages are sent to OpenAI ({svc.settings.openai_embeddings_model}) to be indexed."
)
st.caption(f"Add PDFs here, then ask about them in the chat. {where}")
with st.sidebar:
    model_indicator(svc.settings)

st.session_state.setdefault("uploader_key", 0)
files = st.file_uploader(
    "Add PDFs",
    type=["pdf"],
    accept_multiple_files=True,
    key=f"uploader_{st.session_state.uploader_key}",
    help=f"Up to {svc.settings.max_upload_mb} MB per file. Scanned PDFs need OCR first.",
)

if files:
    results = []
    for file in files:
        shown = label_markdown(file.name)
        with st.status(f"Adding {shown}", expanded=True) as status:
            bar = st.progress(0.0, text="Saving")
            result = ingest_bytes(
                svc,
                file.getvalue(),
                file.name,
                progress=lambda message, fraction, bar=bar: bar.progress(fraction, text=message),
            )
            shown = label_markdown(result.file)
            if result.status == "indexed":
                status.update(label=f"{shown}: added ({result.pages} pages)", state="complete", expanded=False)
            elif result.status == "duplicate":
                status.update(label=f"{shown}: already in your library", state="complete", expanded=False)
            else:
                bar.empty()
                st.error(result.error)
                status.update(label=f"{shown}: not added", state="error", expanded=True)
        results.append((display_name(file.name), result))
    with st.spinner("Indexing the new passages…"), database_guard():
        index_new_passages(svc)
    # A fresh uploader key empties the widget, so a rerun does not index the same files again.
    st.session_state.upload_results = results
    st.session_state.uploader_key += 1
    st.rerun()

for given, result in st.session_state.pop("upload_results", []):
    shown = label_markdown(result.file)
    renamed = f" (another document is called {label_markdown(given)})" if result.file != given else ""
    if result.status == "indexed":
        st.success(f"**{shown}** was added{renamed}: {result.pages} pages, {result.chunks} passages.", icon="✅")
    elif result.status == "duplicate":
        st.info(f"**{shown}** is already in your library. {label_markdown(result.error or '')}", icon="ℹ️")
    else:
        st.error(f"**{shown}** could not be added. {label_markdown(result.error or '')}", icon="🚫")

# An undo sits above the list, away from the rows: after a delete the next row moves under the pointer,
# and a double click there deleted a second document.
undo = st.session_state.get("undo")
if undo:
    doc_id, filename = undo
    with st.container(horizontal=True, vertical_alignment="center"):
        st.info(f"**{label_markdown(filename)}** was moved to the trash.", icon="🗑️")
        if st.button("Undo", key=f"undo_{doc_id}", icon="↩️"):
            with database_guard():
                try:
                    restore_document(svc, doc_id)
                except DocChatError as exc:
                    st.warning(str(exc))
            st.session_state.pop("undo", None)
            st.rerun()

st.subheader("Library")
with database_guard():
    documents = list_documents(svc)
    trash = list_trash(svc)
    # Documents added before summaries existed get theirs now, once: a few seconds each.
    with st.spinner("Summarising your documents…"):
        cards = document_cards(svc)
if not documents:
    st.info("Your library is empty. Add a PDF above to get started.", icon="📥")
for document in documents:
    name, pages, chunks, added, about, summarise, action = st.columns(
        [4, 0.9, 1, 1.6, 1.2, 1.5, 1.4], vertical_alignment="center"
    )
    name.markdown(f"**{label_markdown(document.filename)}**")
    pages.caption(f"{document.pages} pages")
    chunks.caption(f"{document.chunks} passages")
    added.caption(f"added {document.created_at:%Y-%m-%d %H:%M}")
    with about.popover("About", icon="ℹ️", key=f"card_{document.doc_id}"):
        show_card(cards.get(document.doc_id), svc.settings.llm_provider == "openai")
    if summarise.button("Summarise", key=f"summarise_{document.doc_id}", icon="📝"):
        # A conversation of its own, searching this document only; the chat page asks the question.
        with database_guard():
            conversation = create_conversation(svc, [document.doc_id])
        st.session_state.pending = f"Summarise {document.filename}"
        st.switch_page("ui/chat.py", query_params={"c": conversation.id})
    # Keyed by the document, so a popover left open never passes to the row that moves into its place.
    with action.popover("Delete", icon="🗑️", key=f"confirm_{document.doc_id}"):
        st.write(f"Move **{label_markdown(document.filename)}** to the trash? It will no longer be searched.")
        if st.button("Move to trash", key=f"delete_{document.doc_id}", type="primary"):
            with database_guard():
                try:
                    trash_document(svc, document.doc_id)
                    st.session_state.undo = (document.doc_id, document.filename)
                except DocChatError as exc:
                    st.warning(str(exc))
            st.rerun()

if trash:
    with st.expander(f"Trash ({len(trash)})", icon="🗑️"):
        st.caption("Documents in the trash are not searched. They are deleted for good only when you empty it.")
        for document in trash:
            name, action = st.columns([6, 2], vertical_alignment="center")
            name.markdown(label_markdown(document.filename))
            if action.button("Restore", key=f"restore_{document.doc_id}", icon="↩️"):
                with database_guard():
                    restore_document(svc, document.doc_id)
                st.session_state.pop("undo", None)
                st.rerun()
        with st.popover("Empty the trash", icon="⚠️"):
            st.write(f"Delete {len(trash)} document(s), their passages and files for good? This cannot be undone.")
            if st.button("Delete for good", key="empty_trash", type="primary"):
                with database_guard():
                    empty_trash(svc)
                st.session_state.pop("undo", None)
                st.rerun()
