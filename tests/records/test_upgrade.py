"""Upgrading a library built by the release before accounts (tests/fixtures/release-0006, made by
tests/fixtures/build_release_0006.py at commit 8d44368): nothing is lost, and no passage is embedded again."""

from __future__ import annotations

import shutil

import pytest

from rag.config import Settings
from rag.models.embeddings import build_embeddings
from rag.models.fake_chat import FakeChatModel
from rag.store.edge import EdgeStore
from rag.usecases import accounts, asking, conversations, documents
from rag.usecases.accounts import OPERATOR
from rag.usecases.startup import open_services
from tests.conftest import ROOT

RELEASE = ROOT / "tests" / "fixtures" / "release-0006"
PENGUINS = "95289282c5fdfafbf0d0b9d53a70818ce7ba81b1009d49fc90493741bbc627fa"
VOLCANOES = "6f90dc111b6fa1121d61ab908958e360cc562c91c6fabdb5af08bac992b1489f"
RELEASE_PRECISION = "int8"  # as qdrant/docchat-collection.json records it
# The release's passages were embedded by MiniLM, and the question asked of them must be too.
pytestmark = pytest.mark.slow


@pytest.fixture
def upserted(monkeypatch):
    """Every passage written to the store from now on."""
    written: list = []
    upsert = EdgeStore.upsert
    monkeypatch.setattr(
        EdgeStore, "upsert", lambda self, chunks, *a: written.extend(chunks) or upsert(self, chunks, *a)
    )
    return written


@pytest.fixture(scope="module")
def release_embedding():
    # The precision the release's library was embedded in (its store records it): "auto" would choose by the
    # CPU (bfloat16 where it computes it natively), and the store would then rightly refuse the library.
    return build_embeddings(Settings(_env_file=None, embeddings_precision=RELEASE_PRECISION))


@pytest.fixture
def upgraded(tmp_path, release_embedding, upserted):
    storage = tmp_path / "storage"
    shutil.copytree(RELEASE, storage)
    settings = Settings(_env_file=None, storage_dir=storage, auth_mode="local", embeddings_precision=RELEASE_PRECISION)
    svc = open_services(settings, release_embedding, llm=FakeChatModel())
    yield svc
    svc.close()


def test_the_first_admin_gets_the_library_of_before_accounts(upgraded, upserted):
    svc = upgraded
    assert svc.store.count_without_workspaces() == 0  # the payloads were given their workspace at the start
    assert svc.store.count() == 3  # the same passages: none added, none lost
    accounts.add_user(svc, "alice", "correct horse battery", True, caller=OPERATOR)
    accounts.add_user(svc, "bob", "correct horse battery", False, caller=OPERATOR)
    alice = accounts.sign_in(svc, "alice", "correct horse battery")
    assert [d.id for d in documents.list_documents(svc, caller=alice)] == [PENGUINS]
    assert [d.id for d in documents.list_trash(svc, caller=alice)] == [VOLCANOES]
    [conversation] = conversations.list_conversations(svc, caller=alice)
    detail = conversations.get_conversation(svc, conversation.id, caller=alice)
    assert [m.role for m in detail.messages] == ["user", "assistant"]
    assert detail.messages[1].sources[0].doc_id == PENGUINS and not detail.messages[1].sources[0].removed
    assert detail.messages[1].sources[0].unit == "page"  # stored before slides were told apart
    found = asking.retrieve_only(svc, "How long does the male keep the egg warm?", caller=alice)
    assert found.sources[0].doc_id == PENGUINS and found.sources[0].page == 1 and found.sources[0].unit == "page"
    assert upserted == []  # no passage was embedded and written again on the way
    # Bob, a new user, has an empty workspace of his own.
    bob = accounts.sign_in(svc, "bob", "correct horse battery")
    assert documents.list_documents(svc, caller=bob) == conversations.list_conversations(svc, caller=bob) == []
    assert asking.retrieve_only(svc, "How long does the male keep the egg warm?", caller=bob).sources == []


def test_without_accounts_the_upgraded_library_is_the_owners_as_before(tmp_path, release_embedding):
    storage = tmp_path / "storage"
    shutil.copytree(RELEASE, storage)
    settings = Settings(_env_file=None, storage_dir=storage, embeddings_precision=RELEASE_PRECISION)
    svc = open_services(settings, release_embedding, llm=FakeChatModel())
    try:
        assert [d.id for d in documents.list_documents(svc)] == [PENGUINS]
        assert len(conversations.list_conversations(svc)) == 1
        assert asking.retrieve_only(svc, "emperor penguins egg").sources[0].doc_id == PENGUINS
    finally:
        svc.close()
