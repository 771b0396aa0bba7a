"""Asking, as every front end does it: a question in, a stored, streamed, checked answer out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import text

from rag.accounts.access import resolve
from rag.accounts.caller import Caller
from rag.answering.pipeline import start_turn
from rag.answering.search import retrieve
from rag.answering.sources import to_sources
from rag.answering.suggestions import suggest_questions
from rag.errors import DocChatError, InvalidInputError
from rag.language import detect, translator
from rag.records import transcripts
from rag.schemas import ComponentHealth, Health, ModelCapabilities, Retrieval, Turn
from rag.services import Services
from rag.usecases._shared import own_conversation


def checked_question(services: Services, question: str) -> str:
    """The question as asked, or InvalidInputError saying what is wrong with it."""
    question = (question or "").strip()
    if not question:
        raise InvalidInputError("The question is empty: type what you want to know about your documents.")
    limit = services.settings.max_question_chars
    if len(question) > limit:
        said = translator(detect(question))("The question is {length} characters long; ask in at most {limit}.")
        raise InvalidInputError(said.format(length=f"{len(question):,}", limit=f"{limit:,}"))
    return question


def ask(
    services: Services,
    question: str,
    conversation_id: str | None = None,
    doc_ids: Sequence[str] | None = None,
    *,
    caller: Caller | None = None,
    background: bool = False,
) -> Turn:
    """Starts an answer from the caller's workspace. With no conversation, one is created (its title is the
    question); an existing one must be the caller's own. `doc_ids` limits the search to those documents; None
    keeps the conversation's own choice. Consume `turn.tokens` once: the answer is stored as it streams, and
    `turn.close()` stores what came so far if the reader goes away.

    With `background`, an answer whose quotes come first (`turn.quotes_first`, stored already) is finished on a
    thread of its own: the model's words are written, checked and stored with the suggestions while the caller
    goes on, and `turn.tokens` is empty. Until then the stored answer says `check_pending`."""
    question = checked_question(services, question)
    who = resolve(services, caller)
    if conversation_id:
        conversation, _ = own_conversation(services, conversation_id, who)
        scope = conversation.doc_ids if doc_ids is None else list(doc_ids)
    else:
        scope = list(doc_ids or ())
        conversation = transcripts.create_conversation(
            services, scope, workspace_id=who.workspace_id, user_id=who.user_id
        )
    stop = services.finisher.stop if background else None
    try:
        turn = start_turn(services, conversation.id, question, scope, stop)
    except DocChatError as exc:
        # The question (and the failure beside it) is stored in this conversation: a front end opens it.
        exc.conversation_id = conversation.id  # type: ignore[attr-defined]
        raise
    if not (background and turn.quotes_first):
        return turn
    services.finisher.finish(turn.tokens)
    # The caller's copy streams nothing: the thread alone reads the answer, and fills in its own turn.
    return replace(turn, tokens=iter(()))


def retrieve_only(
    services: Services,
    question: str,
    conversation_id: str | None = None,
    doc_ids: Sequence[str] | None = None,
    *,
    caller: Caller | None = None,
) -> Retrieval:
    """The passages a question finds in the caller's workspace, with no language model, and nothing stored."""
    question = checked_question(services, question)
    who = resolve(services, caller)
    past = []
    if conversation_id:
        conversation = transcripts.get_conversation(
            services, conversation_id, workspace_id=who.workspace_id, user_id=who.user_id
        )
        past = transcripts.history(services, conversation.id, services.settings.history_turns)
    standalone, docs = retrieve(services, question, past, doc_ids=doc_ids or None, workspace_id=who.workspace_id)
    return Retrieval(standalone_question=standalone, sources=to_sources(docs))


def first_questions(
    services: Services, doc_ids: Sequence[str] | None = None, *, caller: Caller | None = None
) -> list[str]:
    """Questions the workspace's documents can answer, for an empty chat; each checked to find its section."""
    return suggest_questions(services, doc_ids or None, workspace_id=resolve(services, caller).workspace_id)


def model_in_use(services: Services) -> str:
    return services.capabilities.label


def model_capabilities(services: Services) -> ModelCapabilities:
    """What the model in use can do (nothing is loaded to say it): front ends ask this, never the provider."""
    return services.capabilities


def health(services: Services) -> Health:
    """The database, the store and the model, each with its state, without loading anything new."""
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = ComponentHealth(state="ok", detail=services.engine.dialect.name)
    except DocChatError as exc:
        database = ComponentHealth(state="unavailable", detail=str(exc))
    try:
        store = ComponentHealth(state="ok", detail=f"{services.store.count()} passages")
    except DocChatError as exc:
        store = ComponentHealth(state="unavailable", detail=str(exc))
    loaded = "llm" in services.__dict__ or services.chat_model is not None
    model = ComponentHealth(state="ok" if loaded else "not loaded", detail=services.capabilities.label)
    ok = database.state == "ok" and store.state == "ok"
    return Health(status="ok" if ok else "degraded", database=database, store=store, model=model)
