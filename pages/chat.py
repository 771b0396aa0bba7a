"""Chat: ask questions, get answers streamed from your documents, with the pages they came from."""

import streamlit as st
from langchain_core.chat_history import InMemoryChatMessageHistory
from langchain_core.messages import AIMessage

from pages.shared import render_sources, services
from rag.chain import LLMError, ask
from rag.library import list_documents
from rag.llm import model_label

svc = services()
documents = list_documents(svc)
# The conversation lives in the browser session for now; any BaseChatMessageHistory can replace it.
history: InMemoryChatMessageHistory = st.session_state.setdefault("history", InMemoryChatMessageHistory())

with st.sidebar:
    st.caption(f"Model: {model_label(svc.settings)}")
    if svc.settings.llm_provider == "local":
        st.caption(
            "A tiny offline model: trust the sources more than its wording. "
            "Set OPENAI_API_KEY, or OPENAI_BASE_URL for Ollama, for better answers."
        )
    names = {d.doc_id: d.filename for d in documents}
    scope = st.multiselect(
        "Search in",
        options=list(names),
        format_func=names.get,
        placeholder="All documents",
        help="Leave empty to search every document.",
    )
    if st.button("New conversation", icon="➕", use_container_width=True):
        history.clear()
        st.session_state.pop("failed_question", None)
        st.rerun()

st.title("💬 Chat with your documents")

if not documents:
    st.info("**Step 1:** add PDFs on the Documents page. **Step 2:** ask anything about them here.", icon="👋")
    st.page_link("pages/documents.py", label="Add your first PDF", icon="📄")

for message in history.messages:
    with st.chat_message("user" if message.type == "human" else "assistant"):
        st.markdown(message.content)
        if message.type == "ai":
            render_sources(message.additional_kwargs.get("sources", []))

question = st.chat_input("Ask a question about your documents", disabled=not documents)
if st.session_state.get("failed_question") and st.button("Try the last question again", icon="🔁"):
    question = st.session_state.pop("failed_question")

if question:
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        try:
            with st.spinner("Searching your documents…"):
                answer = ask(svc, question, history.messages, doc_ids=scope)
            if answer.standalone_question != question:
                with st.expander("Searched for"):
                    st.write(answer.standalone_question)
            text = st.write_stream(answer.tokens)
            render_sources([s.to_dict() for s in answer.sources])
        except LLMError as exc:
            st.session_state.failed_question = question
            st.error(f"{exc} Your question was kept: use the retry button to ask it again.", icon="⚠️")
        else:
            history.add_user_message(question)
            history.add_message(
                AIMessage(
                    content=text,
                    additional_kwargs={
                        "sources": [s.to_dict() for s in answer.sources],
                        "standalone_question": answer.standalone_question,
                    },
                )
            )
            st.session_state.pop("failed_question", None)
