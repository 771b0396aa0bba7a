"""Thumbs up or down under an answer, with an optional reason: what the admins' review queue reads."""

from __future__ import annotations

import streamlit as st

from rag.schemas import MessagePublic
from rag.usecases import conversations
from rag.usecases.accounts import Caller
from rag.usecases.startup import Services
from ui.shared import database_guard

THUMBS = {0: "down", 1: "up"}


def render_feedback(svc: Services, who: Caller, conversation_id: str, message: MessagePublic) -> None:
    key = f"feedback_{message.id}"
    if key not in st.session_state and message.feedback:
        st.session_state[key] = 1 if message.feedback == "up" else 0  # what was given before, shown as given
    given = st.feedback("thumbs", key=key)
    chosen = THUMBS.get(given) if given is not None else None
    if chosen != message.feedback:
        with database_guard():
            conversations.give_feedback(svc, conversation_id, message.id, chosen, caller=who)
        message.feedback = chosen  # type: ignore[assignment]
    if chosen == "down":
        with st.container(horizontal=True, vertical_alignment="bottom", key=f"reason_row_{message.id}"):
            reason = st.text_input(
                "What was wrong with it? (optional)",
                value=message.feedback_reason or "",
                key=f"reason_{message.id}",
                max_chars=2000,
            )
            if reason != (message.feedback_reason or "") and st.button("Send", key=f"send_reason_{message.id}"):
                with database_guard():
                    conversations.give_feedback(svc, conversation_id, message.id, "down", reason, caller=who)
                st.toast("Thanks: an admin will look at this answer.", icon="🙏")
