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
    # SmolLM2, the local default, was measured to do none of these well enough (bench/followups.py, answers.py).
    # The fake model of the tests and the benchmarks stands in for a capable one (or, told so, for the local one),
    # except for the extras nobody waits on, which would only slow the tests.
    capable = settings.llm_provider != "local" and not (settings.llm_provider == "fake" and settings.fake_llm_as_local)
    return ModelCapabilities(
        label=label,
        in_process=not capable,
        rewrites_questions=capable,
        answers_first=capable,
        writes_summaries=capable,
        writes_suggestions=settings.llm_provider == "openai",
    )
