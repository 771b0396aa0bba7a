"""Chat: ask questions, get answers streamed from your documents, with the pages they came from."""

import streamlit as st

from rag.chain import LLMError
from rag.chat import ask_in_conversation
from rag.library import list_documents
from rag.transcripts import (
    create_conversation,
    delete_conversation,
    export_markdown,
    list_conversations,
    list_messages,
    rename_conversation,
)
from ui.shared import database_guard, model_indicator, render_answer, services

svc = services()
# A question typed while the database is away is refused out loud, naming it, so nothing is lost silently.
pending = st.session_state.get("question")
refusal = f", so your question was not sent: “{pending}”. Try again in a moment." if pending else None
with database_guard(refusal):
    documents = list_documents(svc)
    conversations = list_conversations(svc)
names = {d.doc_id: d.filename for d in documents}
# The open conversation lives in the URL, so a reload (or a bookmark) comes back to it.
current = next((c for c in conversations if c.id == st.query_params.get("c")), None)

with st.sidebar:
    if st.button("New conversation", icon="➕", use_container_width=True):
        st.query_params.clear()
        st.rerun()
    st.caption("Conversations")
    if not conversations:
        st.caption("Your conversations will be listed here.")
    for conversation in conversations:
        selected = current is not None and conversation.id == current.id
        if st.button(
            conversation.title,
            key=f"open_{conversation.id}",
            use_container_width=True,
            type="primary" if selected else "tertiary",
        ):
            st.query_params["c"] = conversation.id
            st.rerun()
    st.divider()
    model_indicator(svc.settings)

if current:
    # A toolbar above the title, so neither a long title nor the buttons' labels wrap or clip.
    row = st.container(horizontal=True, horizontal_alignment="right", gap="small")
    with row.popover("Rename", icon="✏️"):
        new_title = st.text_input("Title", value=current.title, key=f"title_{current.id}")
        if st.button("Save", key=f"rename_{current.id}"):
            with database_guard(refusal):
                rename_conversation(svc, current.id, new_title or current.title)
            st.rerun()
    with database_guard(refusal):
        markdown = export_markdown(svc, current.id, names.keys())
    row.download_button("Export", markdown, file_name=f"{current.title[:60]}.md", mime="text/markdown", icon="⬇️")
    with row.popover("Delete", icon="🗑️"):
        st.write("Delete this conversation and all its messages?")
        if st.button("Delete for good", key=f"delete_{current.id}", type="primary"):
            with database_guard(refusal):
                delete_conversation(svc, current.id)
            st.query_params.clear()
            st.rerun()
st.title(current.title if current else "💬 Chat with your documents")

if not documents:
    st.info("**Step 1:** add PDFs on the Documents page. **Step 2:** ask anything about them here.", icon="👋")
    st.page_link("ui/documents.py", label="Add your first PDF", icon="📄")

scope = st.multiselect(
    "Search in",
    options=list(names),
    format_func=names.get,
    placeholder="All documents",
    default=[d for d in (current.doc_ids if current else []) if d in names],
    key=f"scope_{current.id if current else ''}",
    help="Leave empty to search every document.",
)

if current:
    with database_guard(refusal):
        messages = list_messages(svc, current.id)
    question_text = ""
    for message in messages:
        with st.chat_message(message.role):
            if message.role == "user":
                question_text = message.content
                st.markdown(message.content)
            else:
                render_answer(svc, message, question_text, names.keys())

question = st.chat_input(
    "Ask a question about your documents" if documents else "Add a PDF on the Documents page first",
    disabled=not documents,
    key="question",
)
if st.session_state.get("failed_question") and st.button("Ask the last question again", icon="🔁"):
    question = st.session_state.pop("failed_question")

if question:
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        try:
            with database_guard(f", so your question was not sent: “{question}”. Try again in a moment."):
                conversation_id = current.id if current else create_conversation(svc, scope).id
                st.query_params["c"] = conversation_id
                with st.spinner("Searching your documents…"):
                    turn = ask_in_conversation(svc, conversation_id, question, scope)
                if turn.standalone_question != question:
                    with st.expander("Searched for"):
                        st.write(turn.standalone_question)
                st.write_stream(turn.tokens)
        except LLMError as exc:
            st.session_state.failed_question = question
            st.error(f"{exc} Your question is saved; use the button below to ask it again.", icon="⚠️")
        else:
            st.session_state.pop("failed_question", None)
            st.rerun()  # draw the stored turn, with its sources, from the database
