"""What each kind of chat model can do: the one place that knows providers by name."""

from __future__ import annotations

from rag.config import Settings
from rag.models.chat import model_label
from rag.schemas import ModelCapabilities


def capabilities_of(settings: Settings) -> ModelCapabilities:
    """The configured model's capabilities, from the settings alone: nothing is loaded."""
    try:
        label = model_label(settings)
    except FileNotFoundError:
        # Indexing and the pages ask what the model can do: a missing model package must fail only the answer
        # that needs the model, with its own message (rag/models/chat.py load_failure).
        label = "the local model (not installed)"
    if settings.llm_provider == "local":
        return ModelCapabilities(
            label=label,
            in_process=True,
            rewrites_questions=False,
            answers_first=False,
            writes_summaries=False,
            writes_suggestions=False,
        )
    # The fake model of the tests and the benchmarks stands in for a capable one, except for the extras nobody
    # waits on, which would only slow the tests.
    capable = settings.llm_provider == "openai"
    return ModelCapabilities(
        label=label,
        in_process=False,
        rewrites_questions=True,
        answers_first=True,
        writes_summaries=True,
        writes_suggestions=capable,
    )
