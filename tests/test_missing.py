"""What a test needs and a machine may lack (the shared corpus, PostgreSQL, Chromium): a skip on a developer's
machine, a failure under CI, which has all of it and must never pass by skipping (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests import conftest
from tests.conftest import need_corpus, need_module


class _Marked:
    """A test item as pytest_runtest_setup sees it, marked `corpus(*names)`."""

    def __init__(self, *names: str) -> None:
        self._mark = pytest.mark.corpus(*names).mark

    def iter_markers(self, name: str):  # type: ignore[no-untyped-def]
        return iter([self._mark] if name == "corpus" else [])


@pytest.fixture
def no_corpus(tmp_path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(conftest, "CORPUS", tmp_path / "shared" / "corpus")


def test_under_ci_a_missing_corpus_fails(no_corpus, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="corpus is not beside the checkout"):
        need_corpus()
    with pytest.raises(pytest.fail.Exception, match=r"libtasn1\.pdf"):
        conftest.pytest_runtest_setup(_Marked("libtasn1.pdf"))  # the mark, checked before the test's fixtures


def test_under_ci_a_corpus_without_the_named_file_fails(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "libtasn1.pdf").write_bytes(b"%PDF-1.4")
    monkeypatch.setattr(conftest, "CORPUS", corpus)
    monkeypatch.setenv("CI", "true")
    assert need_corpus("libtasn1.pdf") == corpus
    with pytest.raises(pytest.fail.Exception, match=r"with shared-mime-info-spec\.pdf"):
        need_corpus("libtasn1.pdf", "shared-mime-info-spec.pdf")


def test_on_a_developers_machine_a_missing_corpus_skips(no_corpus, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="corpus is not beside the checkout"):
        conftest.pytest_runtest_setup(_Marked())


def test_under_ci_a_missing_dev_requirement_fails_its_module(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"requirements-dev\.txt"):
        need_module("a_module_nobody_installed")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        need_module("a_module_nobody_installed")
