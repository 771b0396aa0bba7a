"""Documents: upload PDFs, watch each one being indexed, and manage the library."""

import streamlit as st

from rag.ingest import ingest_bytes
from rag.library import delete_document, index_new_passages, list_documents
from ui.shared import model_indicator, services

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
        with st.status(f"Adding {file.name}", expanded=True) as status:
            bar = st.progress(0.0, text="Saving")
            result = ingest_bytes(
                svc,
                file.getvalue(),
                file.name,
                progress=lambda message, fraction, bar=bar: bar.progress(fraction, text=message),
            )
            if result.status == "indexed":
                status.update(label=f"{result.file}: added ({result.pages} pages)", state="complete", expanded=False)
            elif result.status == "duplicate":
                status.update(label=f"{result.file}: already in your library", state="complete", expanded=False)
            else:
                bar.empty()
                st.error(result.error)
                status.update(label=f"{result.file}: not added", state="error", expanded=True)
        results.append(result)
    with st.spinner("Indexing the new passages…"):
        index_new_passages(svc)
    # A fresh uploader key empties the widget, so a rerun does not index the same files again.
    st.session_state.upload_results = results
    st.session_state.uploader_key += 1
    st.rerun()

for result in st.session_state.pop("upload_results", []):
    if result.status == "indexed":
        st.success(f"**{result.file}** was added: {result.pages} pages, {result.chunks} passages.", icon="✅")
    elif result.status == "duplicate":
        st.info(f"**{result.file}** is already in your library. {result.error}", icon="ℹ️")
    else:
        st.error(f"**{result.file}** could not be added. {result.error}", icon="🚫")

st.subheader("Library")
documents = list_documents(svc)
if not documents:
    st.info("Your library is empty. Add a PDF above to get started.", icon="📥")
for document in documents:
    name, pages, chunks, added, action = st.columns([5, 1, 1, 2, 1.5], vertical_alignment="center")
    name.markdown(f"**{document.filename}**")
    pages.caption(f"{document.pages} pages")
    chunks.caption(f"{document.chunks} passages")
    added.caption(f"added {document.created_at:%Y-%m-%d %H:%M}")
    with action.popover("Delete", icon="🗑️"):
        st.write(f"Delete **{document.filename}**? Its passages will no longer be searched.")
        if st.button("Delete for good", key=f"delete_{document.doc_id}", type="primary"):
            delete_document(svc, document.doc_id)
            st.toast(f"Deleted {document.filename}")
            st.rerun()
