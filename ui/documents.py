"""Documents: upload PDFs, watch each one being indexed, and manage the library and its trash."""

import streamlit as st

from rag.errors import DocChatError
from rag.presentation import counted_units, label_markdown, people, text_html
from rag.schemas import DocumentPublic, IngestResult
from rag.usecases import asking, conversations, documents, jobs
from rag.usecases.documents import DocumentCard
from ui.session import caller
from ui.shared import database_guard, model_indicator, services


def show_card(card: DocumentCard | None, name: str, waiting_for_model: bool) -> None:
    """What the document is about: who wrote it, its abstract and summary in its own words, and its chapters with
    their pages."""
    if card is None:
        st.caption("Its summary could not be made: the stored file cannot be read.")
        return
    st.markdown(f"**{label_markdown(card.title)}** · {counted_units(name, card.pages)}")
    if card.authors:
        st.caption("by " + label_markdown(people(card.authors)))
    if card.abstract:
        # Folded: the summary below opens with the abstract's own sentences.
        with st.expander("Abstract"):
            st.markdown(text_html(card.abstract), unsafe_allow_html=True)
    if card.model_summary:
        st.caption("Summary written by the language model")
        st.markdown(label_markdown(card.model_summary))
    elif waiting_for_model:
        st.caption("The language model’s summary appears here once written; meanwhile, the document’s own words:")
    for sentence in card.summary:
        st.markdown(f"> {text_html(sentence.text)} (p. {sentence.page})", unsafe_allow_html=True)
    if card.top_sections():
        st.caption("Contents" + (" (from its headings)" if card.outline_source == "headings" else ""))
        st.markdown("\n".join(f"- {label_markdown(e.title)} · p. {e.page}" for e in card.top_sections()))


svc = services()
who = caller()
st.title("📄 Your documents" if who.personal else f"📄 {label_markdown(who.workspace_name)}")
where = (
    f"Passages are sent to OpenAI ({svc.settings.openai_embeddings_model}) to be indexed."
    if svc.settings.embeddings_provider == "openai"
    else "Everything stays on this computer."
)
st.caption(f"Add documents here, then ask about them in the chat. {where}")
with st.sidebar:
    model_indicator(svc)

st.session_state.setdefault("uploader_key", 0)
files = None
if who.can_edit:
    files = st.file_uploader(
        "Add documents",
        type=[suffix.lstrip(".") for suffix in documents.ACCEPTED_SUFFIXES],
        accept_multiple_files=True,
        key=f"uploader_{st.session_state.uploader_key}",
        help=f"{documents.KINDS_READ}. Up to {svc.settings.max_upload_mb} MB per file.",
    )
else:
    st.info(
        f"You can read and ask in **{label_markdown(who.workspace_name)}**; adding and removing documents is for "
        "its editors. An admin can make you one.",
        icon="👀",
    )

if files:
    # Checked and stored at once; indexed in the background, so leaving the page stops nothing.
    with st.spinner("Checking your files…"), database_guard():
        results = documents.queue_uploads(svc, [(file.name, file.getvalue()) for file in files], caller=who)
    # A fresh uploader key empties the widget, so a rerun does not add the same files again.
    st.session_state.upload_results = [(file.name, result) for file, result in zip(files, results, strict=True)]
    st.session_state.uploader_key += 1
    st.rerun()


def notice(given: str, result: IngestResult) -> tuple[str, str] | None:
    """What the page says about an upload at once; a queued one is announced when it is indexed."""
    shown = label_markdown(result.file)
    renamed = f" (another document is called {label_markdown(given)})" if result.file != given else ""
    if result.status == "queued":
        st.session_state.watching[result.doc_id] = renamed
        return None
    if result.status == "duplicate":
        return "info", f"**{shown}** is already in your library. {label_markdown(result.error or '')}"
    if result.status == "indexed":
        # Its content is indexed already, in another of your workspaces: its passages serve this one at once.
        counted = counted_units(result.file, result.pages or 0)
        text = f"**{shown}** was added{renamed}: {counted}, {result.chunks} passages."
        text += f" {result.ocr_note}." if result.ocr_note else ""
        return "success", text + (f" {result.language_note}" if result.language_note else "")
    return "error", f"**{shown}** could not be added. {label_markdown(result.error or '')}"


# Uploads of this browser session, by id, until they are indexed. What the last upload said stays on the page
# until the next one: an upload's refusal must not vanish when another file of it finishes indexing. It is said
# of one workspace, and is not carried into another one chosen meanwhile.
st.session_state.setdefault("watching", {})
if st.session_state.get("notices_of") != who.workspace_id:
    st.session_state.notices, st.session_state.notices_of = [], who.workspace_id
if "upload_results" in st.session_state:
    given_results = st.session_state.pop("upload_results")
    st.session_state.notices = [n for g, r in given_results if (n := notice(documents.display_name(g), r))]
for document, renamed in st.session_state.pop("added", []):
    shown = label_markdown(document.filename)
    counted = counted_units(document.filename, document.pages)
    text = f"**{shown}** was added{renamed}: {counted}, {document.passages} passages."
    text += f" {document.ocr_note}." if document.ocr_note else ""
    text += f" {document.language_note}" if document.language_note else ""
    st.session_state.notices = [*st.session_state.notices, ("success", text)]
for kind, text in st.session_state.notices:
    {"info": st.info, "error": st.error, "success": st.success}[kind](
        text, icon={"info": "ℹ️", "error": "🚫", "success": "✅"}[kind]
    )


def pending_uploads() -> list:  # type: ignore[type-arg]
    with database_guard():
        return [
            d for d in documents.list_all_documents(svc, caller=who) if d.status in ("queued", "indexing", "failed")
        ]


def progress_text(document: DocumentPublic) -> str:
    """The file, what its job is doing, and once its passages are being embedded, the pages it has read."""
    message = label_markdown(document.progress_message or "Waiting")
    if document.status == "indexing" and document.passages_done:
        message += f" · {document.pages_done} of {counted_units(document.filename, document.pages)} read"
    return f"**{label_markdown(document.filename)}** · {message}"


def indexing_progress() -> None:
    """Uploads being indexed, each with its progress, redrawn every second while there are any; once one is
    indexed the whole page reruns, so the library lists it. Another tab's or an API client's uploads show too."""
    pending = pending_uploads()
    with database_guard():
        watched = {d.id: d for d in documents.list_documents(svc, caller=who) if d.id in st.session_state.watching}
    waiting = [d for d in pending if d.status != "failed"]
    if waiting and jobs.queue_paused(svc):
        st.warning(
            "Indexing is paused: the job queue cannot be reached. Your uploads are kept and will be indexed "
            "as soon as it is back; nothing needs to be added again.",
            icon="⏸️",
        )
    for document in waiting:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.progress(document.progress or 0.0, text=progress_text(document))
            if who.can_edit and st.button("Cancel", key=f"cancel_{document.id}", icon="✖️"):
                with database_guard():
                    try:
                        jobs.cancel_job(svc, document.id, caller=who)
                    except DocChatError as exc:
                        st.warning(str(exc))
                st.session_state.watching.pop(document.id, None)
                st.rerun()
    for document in (d for d in pending if d.status == "failed"):
        with st.container(horizontal=True, vertical_alignment="center"):
            reason = label_markdown(document.error or "")
            st.error(f"**{label_markdown(document.filename)}** could not be added. {reason}", icon="🚫")
            if st.button("Dismiss", key=f"dismiss_{document.id}"):
                with database_guard():
                    documents.dismiss_failed(svc, document.id, caller=who)
                st.rerun(scope="fragment")
    for document in pending:
        if document.status == "failed":  # its reason stays on the page until dismissed
            st.session_state.watching.pop(document.id, None)
    if watched:
        st.session_state.added = [(d, st.session_state.watching.pop(d.id)) for d in watched.values()]
    # Shown waiting at the last redraw and waiting no longer (indexed, cancelled, failed), whoever added it.
    now = {d.id for d in waiting}
    gone = st.session_state.get("waiting_shown", set()) - now
    st.session_state.waiting_shown = now
    if watched or gone or (polling and not waiting):
        st.rerun()  # the whole page: the library lists what was indexed, and the polling slows down


# Every second while something is being indexed; every five otherwise, so that what another tab, the command
# line or an API client queues meanwhile shows up on its own.
polling = any(d.status != "failed" for d in pending_uploads())
st.fragment(run_every=1.0 if polling else 5.0)(indexing_progress)()

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
                    documents.restore_document(svc, doc_id, caller=who)
                except DocChatError as exc:
                    st.warning(str(exc))
            st.session_state.pop("undo", None)
            st.rerun()

st.subheader("Library")
with database_guard():
    listed = documents.list_documents(svc, caller=who)
    trash = documents.list_trash(svc, caller=who)
    # Documents added before summaries existed get theirs now, once: a few seconds each.
    with st.spinner("Summarising your documents…"):
        cards = documents.document_cards(svc, caller=who)
if not listed:
    st.info("Your library is empty. Add a PDF above to get started.", icon="📥")
for document in listed:
    # One row a document: its name and facts take the room that is left, the buttons only what their labels need.
    # In fixed columns the labels were cut to "A…" and "Summ…" on a 1366 px screen.
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key=f"row_{document.id}"):
        with st.container(width="stretch", gap=None):
            st.markdown(f"**{label_markdown(document.filename)}**")
            added = f"added {document.created_at:%Y-%m-%d %H:%M}"
            st.caption(f"{counted_units(document.filename, document.pages)} · {document.passages} passages · {added}")
            if document.ocr_note:
                st.caption(
                    f"🔍 {document.ocr_note}", help="Scanned pages have no text layer: OCR read them from the picture."
                )
            if document.language_note:
                st.caption(
                    f"🌐 {document.language_note}",
                    help="The library's search model reads English only: questions may miss this document's pages.",
                )
        with st.popover("About", icon="ℹ️", key=f"card_{document.id}"):
            show_card(cards.get(document.id), document.filename, asking.model_capabilities(svc).writes_suggestions)
        if st.button("Summarise", key=f"summarise_{document.id}", icon="📝"):
            # A conversation of its own, searching this document only; the chat page asks the question.
            with database_guard():
                conversation = conversations.create_conversation(svc, [document.id], caller=who)
            st.session_state.pending = f"Summarise {document.filename}"
            st.switch_page("chat.py", query_params={"c": conversation.id})
        if who.can_edit:
            # Keyed by the document, so a popover left open never passes to the row that moves into its place.
            with st.popover("Delete", icon="🗑️", key=f"confirm_{document.id}"):
                st.write(f"Move **{label_markdown(document.filename)}** to the trash? It will no longer be searched.")
                if st.button("Move to trash", key=f"delete_{document.id}", type="primary"):
                    with database_guard():
                        try:
                            documents.trash_document(svc, document.id, caller=who)
                            st.session_state.undo = (document.id, document.filename)
                        except DocChatError as exc:
                            st.warning(str(exc))
                    st.rerun()

if trash and who.can_edit:
    with st.expander(f"Trash ({len(trash)})", icon="🗑️"):
        st.caption("Documents in the trash are not searched. They are deleted for good only when you empty it.")
        for document in trash:
            name, action = st.columns([6, 2], vertical_alignment="center")
            name.markdown(label_markdown(document.filename))
            if action.button("Restore", key=f"restore_{document.id}", icon="↩️"):
                with database_guard():
                    documents.restore_document(svc, document.id, caller=who)
                st.session_state.pop("undo", None)
                st.rerun()
        with st.popover("Empty the trash", icon="⚠️"):
            st.write(f"Delete {len(trash)} document(s), their passages and files for good? This cannot be undone.")
            if st.button("Delete for good", key="empty_trash", type="primary"):
                with database_guard():
                    documents.empty_trash(svc, caller=who)
                st.session_state.pop("undo", None)
                st.rerun()
