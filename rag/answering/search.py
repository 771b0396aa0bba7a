"""The retrieve stage: a question, and the conversation before it, in; the question searched for and the
passages found, best first, out. A follow-up is searched with a model's standalone rewrite where the model
writes usable ones, and without one (rag/answering/followups.py) where it does not."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from langchain_core.documents import Document as LCDocument
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import Runnable, RunnableLambda

from rag.answering.followups import depends_on_conversation, joining_helps, search_followup
from rag.answering.retrieval import HybridRetriever, make_retriever
from rag.errors import LLMError
from rag.records.library import library_languages, library_names, unsearchable_ids
from rag.services import Services
from rag.text import long_words

CONDENSE_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "Rewrite the user's last question as one standalone question that can be understood "
            "without the conversation. Keep every name and technical term. Do not answer it. "
            "Reply with the question only.",
        ),
        MessagesPlaceholder("chat_history"),
        ("human", "{input}"),
    ]
)


class Retrieved(NamedTuple):
    question: str  # what was searched for: the question, or a follow-up made standalone
    passages: list[LCDocument]


def _clean_rewrite(text: str) -> str:
    text = text.strip().splitlines()[0] if text.strip() else ""
    return re.sub(r"^(standalone question|question)\s*:\s*", "", text, flags=re.I).strip(" \"'")


def _plausible_rewrite(rewritten: str, question: str, previous: str) -> bool:
    """A rewrite we can trust: a question, of sensible length, that is the input itself or takes context
    from the conversation. Small models often answer instead, or drift off the topic."""
    if not rewritten.endswith("?") or len(rewritten) > 2 * (len(question) + len(previous)) + 40:
        return False
    asked, said_before, rewrite = long_words(question), long_words(previous), long_words(rewritten)
    return rewrite == asked or bool(rewrite & (said_before - asked))


def history_aware_question(llm: BaseChatModel) -> Runnable:
    """{input, chat_history} -> a standalone question."""
    rewrite = CONDENSE_PROMPT | llm | StrOutputParser() | RunnableLambda(_clean_rewrite)

    def guarded(inputs: dict) -> str:
        question = inputs["input"]
        previous = next((m.content for m in reversed(inputs["chat_history"]) if isinstance(m, HumanMessage)), "")
        rewritten = rewrite.invoke(inputs)
        if _plausible_rewrite(rewritten, question, previous):
            return rewritten
        # The previous question plus this one is a safe standalone search when the rewrite is not.
        return f"{previous} {question}".strip()

    return RunnableLambda(guarded)


def scope(services: Services, doc_ids: Sequence[str] | None = None, workspace_id: str | None = None) -> HybridRetriever:
    """The retriever of one question: the workspace's searchable documents (all, or `doc_ids`), none in the trash."""
    return make_retriever(
        services,
        doc_ids,
        unsearchable_ids(services, workspace_id),
        workspace_id,
        library_names(services, workspace_id),
        library_languages(services, workspace_id),
    )


def retrieve(
    services: Services,
    question: str,
    history: Sequence[BaseMessage] = (),
    doc_ids: Sequence[str] | None = None,
    previous_doc_ids: Sequence[str] = (),
    workspace_id: str | None = None,
    *,
    retriever: HybridRetriever | None = None,
) -> Retrieved:
    """The standalone question and the workspace's retrieved passages, best first. `previous_doc_ids`: the
    documents the previous answer cited, a soft preference for a follow-up. `retriever`: the question's scope,
    when the caller has built it already."""
    retriever = retriever or scope(services, doc_ids, workspace_id)
    history = list(history)[-2 * services.settings.history_turns :] if services.settings.history_turns else []
    previous = next((m.content for m in reversed(history) if isinstance(m, HumanMessage)), "")
    if not previous:
        return Retrieved(question, retriever.invoke(question))
    if not services.capabilities.rewrites_questions:
        if not depends_on_conversation(question):
            # A new topic in the same conversation: joined to the previous question it was searched as the old
            # topic ("…on Windows? Why is it called R?" answered about Windows). Unless the join finds far more:
            # then the question left its subject to the conversation.
            together = f"{previous} {question}".strip()  # as search_followup joins them
            alone, joined = retriever.find(question), retriever.find(together)
            if joining_helps(alone.top_similarity, joined.top_similarity):
                return Retrieved(together, joined.passages)
            return Retrieved(question, alone.passages)
        # SmolLM2's rewrites were never usable (bench/followups.py): the follow-up is searched without one.
        return Retrieved(*search_followup(services, retriever, question, previous, previous_doc_ids))
    try:
        standalone = history_aware_question(services.llm).invoke({"input": question, "chat_history": history})
    except LLMError:
        raise
    except Exception as exc:
        raise LLMError(f"The language model failed while reading the conversation: {exc}") from exc
    return Retrieved(standalone, retriever.invoke(standalone))
