"""What the user reads first: the documents' own sentences, the model's answer, or both.

The choice was made by measurement (bench/answers.py, the README's Answers table): with SmolLM2-135M the model's
answer contained the key fact far less often than the quoted sentences, and was often wholly unsupported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rag.answering.grounding import SentenceCheck, unsupported_share
from rag.config import Settings
from rag.schemas import ModelCapabilities

# How an answer is built (ANSWER_MODE):
# - quotes: the quoted sentences alone; the model is never asked.
# - quotes_first: the quotes, with the model's short answer under them only when the grounding check supports it.
# - model_checked: the model's answer, replaced by the quotes when the check finds it mostly unsupported.
# - model: the model's answer; the quotes are one click away.
Strategy = Literal["quotes", "quotes_first", "model_checked", "model"]
# What produced the answer the user sees, as stored with the message.
Mode = Literal["quotes", "quotes+model", "model", "summary", "not_found"]

# The local default, chosen on the dev set (see the README): quotes first.
LOCAL_DEFAULT: Strategy = "quotes_first"
# quotes_first shows the model's answer only when at most this share of its judged sentences is unsupported.
SHOW_MODEL_MAX_UNSUPPORTED = 0.0
# model_checked replaces the model's answer by the quotes when more than this share is unsupported.
REPLACE_MODEL_OVER_UNSUPPORTED = 0.5


# quotes_first: when the model, given the same passages, wrote nothing they support and even the best quote is
# this weak, the quotes probably do not answer the question, and the user is told so under them.
# Chosen on dev as the lowest threshold that says so for 0.9 of the unanswerable questions (bench/answers.py).
DOUBT_BELOW: float | None = 0.7


def doubtful(best_quote: float, checks: Sequence[SentenceCheck]) -> bool:
    """Whether quotes already shown probably do not answer the question (checked once the model has answered)."""
    judged = [c.supported for c in checks if c.supported is not None]
    return DOUBT_BELOW is not None and best_quote < DOUBT_BELOW and bool(judged) and not any(judged)


def strategy_for(settings: Settings, capabilities: ModelCapabilities) -> Strategy:
    if settings.answer_mode != "auto":
        return settings.answer_mode
    return "model" if capabilities.answers_first else LOCAL_DEFAULT


def uses_model(strategy: Strategy) -> bool:
    return strategy != "quotes"


def streams_model(strategy: Strategy) -> bool:
    """Whether the model's words reach the user as they come. quotes_first holds them until they are checked,
    so a confident wrong sentence never flashes under the quotes."""
    return strategy in ("model_checked", "model")


def decide(strategy: Strategy, has_quotes: bool, answer: str, checks: Sequence[SentenceCheck]) -> Mode:
    """The mode of a finished answer, from the model's text and its grounding checks."""
    if strategy == "quotes" or (not answer.strip() and has_quotes):
        return "quotes"
    judged = [c for c in checks if c.supported is not None]
    share = unsupported_share(checks)
    if strategy == "quotes_first":
        shown = bool(judged) and share <= SHOW_MODEL_MAX_UNSUPPORTED
        return "quotes+model" if shown else "quotes"
    if strategy == "model_checked" and has_quotes and share > REPLACE_MODEL_OVER_UNSUPPORTED:
        return "quotes"
    return "model"
