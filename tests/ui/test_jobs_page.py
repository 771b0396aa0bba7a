"""The Documents page with a job queue and no worker yet: a queued upload shows its state and can be cancelled."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from rag.config import load_settings
from rag.models.fake_chat import FakeChatModel
from rag.usecases import documents, jobs, startup
from tests.apptest import MAIN
from tests.conftest import ROOT
from tests.workers import broker_url, varied_pdf

# Redis databases are fixed by number (tests/workers.py broker_url): their tests share one process of the fast tier.
pytestmark = pytest.mark.xdist_group("redis")


@pytest.fixture
def page(tmp_path, monkeypatch, embedding):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.setenv("CELERY_BROKER_URL", broker_url(14))
    monkeypatch.setenv("EDGE_WORKER", "1")  # this process stands for the worker that would own the store
    settings = load_settings()
    svc = startup.adopt_shared(startup.open_services(settings, embedding=embedding, llm=FakeChatModel()))
    yield svc
    startup.release_shared(settings)


def test_a_queued_upload_waits_for_a_worker_and_can_be_cancelled(page):
    [queued] = documents.queue_uploads(page, [("manual.pdf", varied_pdf(5))])
    at = AppTest.from_file(MAIN, default_timeout=120).run()
    at.switch_page("documents.py").run()
    assert not at.exception
    [bar] = at.get("progress")
    assert "manual\\.pdf" in bar.proto.text and "Waiting to be indexed" in bar.proto.text
    assert not at.warning  # the queue is up: nothing is paused
    [cancel] = [b for b in at.button if b.label == "Cancel"]
    cancel.click().run()
    assert not at.exception and not at.get("progress")
    assert jobs.list_jobs(page) == []
    assert not (page.settings.uploads_dir / f"{queued.doc_id}.pdf").exists()
