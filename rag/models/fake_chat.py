"""A fake chat model for the fast tests and the benchmarks (LLM_PROVIDER=fake): instant, deterministic, and
answering from the context it is given, so the grounding check, the quotes and the streaming all run for real.

It answers a question with the first sentence of the first passage in its context; asked to rewrite a
follow-up, it returns the follow-up unchanged; with no context it says it does not know. Told so (the settings'
FAKE_LLM_DELAY_S and FAKE_LLM_NEGATES, for the browser tests), it is slow to start, or denies what it read.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from rag.text import ANY_BREAK, flat

_CONTEXT = re.compile(r"Context:\n(.*?)\n\nQuestion:", re.S)
_HEADER = re.compile(r"^\[p\.\d+ · [^\]]*\]\n")
DONT_KNOW = "I don't know."


# The first verb a negation can follow ("is" -> "is not"); a sentence without one is denied as a whole.
_NEGATABLE = re.compile(r"\b(is|are|was|were|can|could|will|would|must|should|may|does|do|did|has|have)\b", re.I)


def negation(sentence: str) -> str:
    """The sentence, denied: "R is free software." -> "R is not free software."."""
    if _NEGATABLE.search(sentence):
        return _NEGATABLE.sub(r"\1 not", sentence, count=1)
    return f"It is not true that {sentence[:1].lower()}{sentence[1:]}"


class FakeChatModel(BaseChatModel):
    # When set, every answer is this text (a test that needs a model saying something in particular).
    reply: str | None = None
    # Seconds before its first word, as a slow local model keeps a reader waiting.
    delay_s: float = 0.0
    # Answers the negation of the sentence it would quote, as a small model contradicts its passage.
    negates: bool = False

    @property
    def _llm_type(self) -> str:
        return "docchat-fake"

    def answer(self, messages: list[BaseMessage]) -> str:
        if self.reply is not None:
            return self.reply
        system = next((m.content for m in messages if isinstance(m, SystemMessage)), "")
        human = next((m.content for m in reversed(messages) if isinstance(m, HumanMessage)), "")
        if "Rewrite" in str(system):
            return str(human)
        found = _CONTEXT.search(str(human))
        if not found:
            return DONT_KNOW
        passage = _HEADER.sub("", found.group(1).split("\n\n")[0]).strip()
        first = ANY_BREAK.split(flat(passage), maxsplit=1)[0]
        if first and self.negates:
            return negation(first)
        return first or DONT_KNOW

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        time.sleep(self.delay_s)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self.answer(messages)))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        time.sleep(self.delay_s)
        # Word by word, spaces kept, as a real model streams.
        for word in re.findall(r"\S+\s*", self.answer(messages)):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word))
