"""Chat: ask questions, get answers streamed from your documents, with the pages they came from."""

from collections.abc import Iterator
from functools import partial

import streamlit as st

from rag.errors import DatabaseUnavailableError, DocChatError
from rag.presentation import (
    MODEL_STARTING,
    MODEL_WAITING,
    READING,
    READING_ONE,
    SEARCHED_FOR,
    SEARCHING,
    label_markdown,
    words_of,
)
from rag.schemas import ConversationPublic
from rag.usecases import asking, conversations, documents
from ui.feedback import render_feedback
from ui.session import caller
from ui.shared import database_guard, model_indicator, render_answer, render_quotes, render_suggestions, services


@st.cache_data(max_entries=16, show_spinner=False)
def _first_questions(_svc, _who, workspace: str, library: tuple[str, ...], scope: tuple[str, ...]) -> list[str]:  # type: ignore[no-untyped-def]
    # Keyed by the workspace, its library and the scope: each suggestion is checked with a retrieval, so not on
    # every rerun.
    return asking.first_questions(_svc, list(scope), caller=_who)


def _until_first_token(tokens: Iterator[str], notice) -> Iterator[str]:  # type: ignore[no-untyped-def]
    for n, token in enumerate(tokens):
        if n == 0:
            notice.empty()
        yield token


def export_button(row, conversation: ConversationPublic) -> None:  # type: ignore[no-untyped-def]
    # Made when clicked, not at every drawing of the page: an export is written to the audit log, and showing a
    # conversation is not exporting it.
    row.download_button(
        "Export",
        partial(conversations.export_conversation, svc, conversation.id, caller=who),
        file_name=f"{conversation.title[:60]}.md",
        mime="text/markdown",
        icon="⬇️",
        on_click="ignore",
    )


def rename(conversation: ConversationPublic) -> None:
    # A callback, run before the page is drawn again: a popover of a new key is drawn closed. Closing a tracked
    # popover through its state left it open when Save came during the rerun that opening it started.
    title = st.session_state.get(f"title_{conversation.id}") or conversation.title
    try:
        conversations.rename_conversation(svc, conversation.id, title, caller=who)
    except DocChatError as exc:
        st.session_state.rename_refused = str(exc)
        return
    st.session_state.renamed = st.session_state.get("renamed", 0) + 1


svc = services()
who = caller()
# The question typed (the chat input's value, this run only), or one a retry button set for this run.
question = st.session_state.get("question") or st.session_state.pop("pending", None)
# A question typed while the database is away is refused out loud, naming it, so nothing is lost silently.
refusal = f", so your question was not sent: “{question}”. Try again in a moment." if question else None
with database_guard(refusal):
    my_documents = documents.list_documents(svc, caller=who)
    my_conversations = conversations.list_conversations(svc, caller=who)
names = {d.id: d.filename for d in my_documents}
# The open conversation lives in the URL, so a reload (or a bookmark) comes back to it.
current = next((c for c in my_conversations if c.id == st.query_params.get("c")), None)
if st.query_params.get("c") and current is None:
    # A link without its workspace (?ws=), or opened while another workspace is chosen: it opens where it is.
    with database_guard(refusal):
        home = conversations.find_workspace(svc, st.query_params["c"], caller=who)
    if home is not None and home != who.workspace_id:
        st.query_params["ws"] = home
        st.rerun()
    st.query_params.pop("c")
    st.warning(
        "That conversation is not in any of your workspaces: it was deleted, or it is not shared with you.", icon="🔗"
    )

with st.sidebar:
    if st.button("New conversation", icon="➕", use_container_width=True):
        st.query_params.clear()
        st.rerun()
    st.caption("Conversations")
    if not my_conversations:
        st.caption("Your conversations will be listed here.")
    for conversation in my_conversations:
        selected = current is not None and conversation.id == current.id
        by = f" · {conversation.started_by}" if conversation.read_only else ""
        if st.button(
            label_markdown(conversation.title + by),
            key=f"open_{conversation.id}",
            use_container_width=True,
            type="primary" if selected else "tertiary",
        ):
            st.query_params["c"] = conversation.id
            st.rerun()
    st.divider()
    model_indicator(svc)

if current and current.read_only:
    row = st.container(horizontal=True, horizontal_alignment="right", gap="small", vertical_alignment="center")
    row.caption(f"Shared by **{label_markdown(current.started_by)}** · read only")
    export_button(row, current)
elif current:
    # A toolbar above the title, so neither a long title nor the buttons' labels wrap or clip.
    row = st.container(horizontal=True, horizontal_alignment="right", gap="small")
    if not who.personal:
        shared = row.toggle(
            "Shared",
            value=current.shared,
            key=f"share_{current.id}",
            help="Let the others in this workspace read this conversation (never write to it).",
        )
        if shared != current.shared:
            with database_guard(refusal):
                conversations.share_conversation(svc, current.id, shared, caller=who)
            st.rerun()
    # Keyed and tracked, so that Save can close it: it stayed open over the new title.
    with row.popover("Rename", icon="✏️", key=f"renaming_{current.id}_{st.session_state.get('renamed', 0)}"):
        st.text_input("Title", value=current.title, key=f"title_{current.id}")
        st.button("Save", key=f"rename_{current.id}", on_click=rename, args=(current,))
    export_button(row, current)
    with row.popover("Delete", icon="🗑️"):
        st.write("Delete this conversation and all its messages?")
        if st.button("Delete for good", key=f"delete_{current.id}", type="primary"):
            with database_guard(refusal):
                conversations.delete_conversation(svc, current.id, caller=who)
            st.query_params.clear()
            st.rerun()
st.title(label_markdown(current.title) if current else "💬 Chat with your documents")
if refused := st.session_state.pop("rename_refused", None):
    st.warning(f"The conversation was not renamed: {refused}", icon="✏️")

if not my_documents:
    st.info("**Step 1:** add PDFs on the Documents page. **Step 2:** ask anything about them here.", icon="👋")
    st.page_link("documents.py", label="Add your first PDF", icon="📄")

scope = st.multiselect(
    "Search in",
    options=list(names),
    format_func=names.get,
    placeholder="All documents",
    default=[d for d in (current.doc_ids if current else []) if d in names],
    key=f"scope_{current.id if current else ''}",
    help="Leave empty to search every document.",
)

messages = []
questions: dict[int, str] = {}
if current:
    with database_guard(refusal):
        messages = conversations.get_conversation(svc, current.id, caller=who).messages
    # Each answer's own question, by its link: with questions asked at once, the message above may be another's.
    questions = {m.id: m.content for m in messages if m.role == "user"}
    for message in messages:
        with st.chat_message(message.role):
            if message.role == "user":
                st.markdown(label_markdown(message.content))
            else:
                # Polled only in a run that asks nothing: a poll ends by drawing the page again, which would drop
                # the question being asked.
                polls = current.id if question is None else None
                render_answer(svc, message, questions.get(message.question_id or 0, ""), polls)
                if not current.read_only and message.status == "complete":
                    render_feedback(svc, who, current.id, message)

read_only = current is not None and current.read_only
st.chat_input(
    "Shared with you to read: start a new conversation to ask"
    if read_only
    else "Ask a question about your documents"
    if my_documents
    else "Add a PDF on the Documents page first",
    disabled=not my_documents or read_only,
    key="question",
    # Disabled while the answer streams, its button a Stop: a second question typed meanwhile cut the first
    # answer off at "The" and was answered about the old topic. A stopped answer is stored, with a retry. Quotes
    # first, the run ends with the quotes: the model's words are checked and stored in the background.
    submit_mode="stop",
)
last = messages[-1] if messages else None
if question is None and last is not None and last.role == "assistant" and last.status == "complete":
    render_suggestions(last.suggestions or [], str(last.id))
if question is None and not messages and my_documents:
    st.caption("Try asking:")
    with database_guard(refusal):
        render_suggestions(_first_questions(svc, who, who.workspace_id, tuple(sorted(names)), tuple(scope)), "start")
if question is None and last is not None and last.role == "assistant" and last.status in ("interrupted", "failed"):
    asked = questions.get(last.question_id or 0, "")
    if asked and st.button("Ask this question again", icon="🔁", key=f"retry_{last.id}"):
        st.session_state.pending = asked
        st.rerun()
if question is None and last is not None and last.role == "assistant" and last.new_topic:
    asked = questions.get(last.question_id or 0, "")
    if asked and st.button(
        "New topic? Start a new conversation",
        icon="🆕",
        key=f"new_topic_{last.id}",
        help="This question found its answer in other documents than this conversation's: asked again in a "
        "conversation of its own, its follow-ups are searched with it rather than with this topic.",
    ):
        st.query_params.clear()
        st.session_state.pending = asked
        st.rerun()

if question:
    with st.chat_message("user"):
        st.markdown(label_markdown(question))
    with st.chat_message("assistant"):
        notice = st.empty()
        turn = None
        said = words_of(question)
        try:
            notice.caption(f"🔎 {said(SEARCHING)}")
            # A question asked from a conversation shared with you to read (a suggestion clicked under it)
            # starts a conversation of your own: only its starter writes to that one.
            mine = current.id if current and not current.read_only else None
            # Quotes first, the model's words are written and checked in the background: this run ends with the
            # quotes, and the chat input is free for the next question while the stored answer is polled.
            turn = asking.ask(svc, question, mine, scope, caller=who, background=True)
            st.query_params["c"] = turn.conversation_id
            if turn.standalone_question != question:
                with st.expander(said(SEARCHED_FOR)):
                    st.text(turn.standalone_question)
            found = len(turn.sources)
            if turn.quotes_first:
                # The documents' own words are the answer: shown at once, before the model has said anything.
                notice.empty()
                render_quotes(svc, "live", turn.quotes, question)
            else:
                waiting = said(MODEL_STARTING if asking.model_capabilities(svc).in_process else MODEL_WAITING)
                reading = said(READING_ONE if found == 1 else READING).format(count=found, waiting=waiting)
                notice.caption(f"📖 {reading}" if found else "✍️ …")
                st.write_stream(_until_first_token(turn.tokens, notice))
                notice.empty()
        except DatabaseUnavailableError:
            notice.empty()
            kept = ". What was written of the answer is kept; reload the page once it is back."
            st.error(f"DocChat cannot reach its database{refusal if turn is None else kept}", icon="🔌")
            st.stop()
        except DocChatError as exc:
            # Stored with the question as a failed answer, which the rerun shows with its reason and a retry.
            if getattr(exc, "conversation_id", None):
                st.query_params["c"] = exc.conversation_id  # type: ignore[attr-defined]
            else:
                notice.empty()
                st.error(str(exc), icon="⚠️")
                st.stop()
        finally:
            if turn is not None:
                turn.close()  # a rerun that overtakes the answer: what streamed so far is stored
    st.rerun()  # draw the stored turn, with its sources, from the database
