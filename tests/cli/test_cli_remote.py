"""The CLI beside a running app: this test process holds the store and serves the API on a real port, so
`python -m rag` (rag.cli.main.main, in-process) finds it through app-address.json and works through it."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from api.main import PREFIX, create_api
from rag.cli import main as cli
from rag.config import Settings
from rag.models.embeddings import EmbeddingModel
from rag.models.fake_chat import FakeChatModel
from rag.services import Services
from rag.usecases import startup
from rag.usecases.startup import open_services
from tests.pdfs import make_pdf

SENTENCE = "Kiwis are flightless birds that live in New Zealand."
BUSY = "open in another DocChat process"


@contextmanager
def serve(services: Services) -> Iterator[str]:
    """The API over `services` on a free loopback port, in a thread, published as the running app's address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    api = create_api(services, prefix=PREFIX)  # the paths app.py serves, under /api/v1
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}{PREFIX}"  # as app.py publishes it
    startup.publish_address(services.settings, url)
    try:
        yield url
    finally:
        startup.withdraw_address(services.settings)
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture
def app_url(fake_services: Services, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("STORAGE_DIR", str(settings.storage_dir))
    # The client asks after an upload every 0.25 s; a two-page PDF here is indexed in a fraction of that.
    monkeypatch.setattr(cli.remote, "POLL_SECONDS", 0.02)
    with serve(fake_services) as url:
        yield url


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "pdfs" / "kiwis.pdf"
    path.parent.mkdir()
    path.write_bytes(make_pdf([["Birds of the world."], [SENTENCE, "They are about the size of a chicken."]]))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_the_cli_works_through_the_running_app(app_url, pdf, tmp_path, capsys):
    code, out, err = run(capsys, "ingest", str(pdf), str(tmp_path / "missing.pdf"))
    assert code == 1, err  # the missing file failed, alone
    assert f"(working through the running app at {app_url})" in err
    lines = out.splitlines()
    assert len(lines) == 2, (out, err)
    assert lines[0].startswith(f"indexed    {pdf}  (2 pages, ") and " chunks, id " in lines[0]
    assert lines[1] == f"failed     {tmp_path / 'missing.pdf'}  No such file or folder."

    code, out, _ = run(capsys, "ingest", str(pdf.parent))  # a folder: its PDFs, as the local command finds them
    assert code == 0 and out.startswith(f"duplicate  {pdf}  ")

    code, out, _ = run(capsys, "docs")
    assert code == 0 and "kiwis.pdf" in out and "2 pages" in out
    doc_id = out.split()[0]

    code, out, err = run(capsys, "ask", "Which birds live in New Zealand and cannot fly?")
    assert code == 0, err
    assert SENTENCE in out
    assert "Sources:" in out and "kiwis.pdf, p. 2:" in out
    assert "--conversation " in out
    conversation = out.rsplit("--conversation ", 1)[1].strip()

    code, out, err = run(capsys, "ask", "--conversation", conversation, "How big are kiwis?", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["conversation_id"].startswith(conversation) and answer["question"] == "How big are kiwis?"
    assert answer["answer"] and answer["sources"] and answer["sources"][0]["filename"] == "kiwis.pdf"
    assert {"message_id", "mode", "quotes", "grounding", "suggestions", "standalone_question"} <= answer.keys()

    code, out, _ = run(capsys, "conversations", "--json")
    assert code == 0 and [c["id"] for c in json.loads(out)] == [answer["conversation_id"]]

    code, out, _ = run(capsys, "export", conversation)
    assert code == 0 and out.startswith("#") and "How big are kiwis?" in out and "kiwis.pdf" in out

    code, out, err = run(capsys, "delete", doc_id)
    assert code == 0 and out.strip() == f"Deleted kiwis.pdf ({doc_id})."
    assert "(working through the running app" in err
    code, out, _ = run(capsys, "docs")
    assert "Your library is empty" in out


def test_the_read_commands_of_the_client_match_the_local_ones(app_url, pdf, settings, capsys):
    """docs, conversations and export read the database directly; through the app they print the same."""
    assert run(capsys, "ingest", str(pdf), "--json")[0] == 0
    assert run(capsys, "ask", "Where do kiwis live?")[0] == 0
    for argv in (["docs"], ["docs", "--json"], ["conversations"], ["conversations", "--json"]):
        local = run(capsys, *argv)
        args = cli.build_parser().parse_args(argv)
        assert cli.remote.run(app_url, settings, args) == 0
        assert capsys.readouterr().out == local[1], argv
    conversation = json.loads(run(capsys, "conversations", "--json")[1])[0]["id"]
    local = run(capsys, "export", conversation[:8])
    assert cli.remote.run(app_url, settings, cli.build_parser().parse_args(["export", conversation[:8]])) == 0
    assert capsys.readouterr().out == local[1]


def test_api_errors_are_one_line_without_a_traceback(app_url, capsys):
    code, out, err = run(capsys, "delete", "abcdef0123")
    assert code == 1 and out == ""
    assert err.splitlines()[-1] == "error: No document has the id abcdef0123."

    code, _, err = run(capsys, "ask", "--conversation", "ffffffff", "Anything?")
    assert code == 1 and err.splitlines()[-1].startswith("error: ")

    code, _, err = run(capsys, "ask", "   ")
    assert code == 2 and err.splitlines()[-1].startswith("error: ")

    code, _, err = run(capsys, "ask", "--retrieve-only", "Anything?")
    assert code == 2 and "--retrieve-only is not available while the DocChat app is running" in err


def test_a_store_found_busy_sends_the_command_to_the_app_published_since(app_url, monkeypatch, capsys):
    answers = iter([None, app_url])  # no app before opening the store; the store is busy, and now there is one
    monkeypatch.setattr(startup, "running_app", lambda _settings: next(answers))
    code, out, err = run(capsys, "docs")  # read-only: the database directly, no address asked
    assert code == 0 and "Your library is empty" in out and "working through" not in err
    code, out, err = run(capsys, "delete", "abcdef0123")
    assert f"(working through the running app at {app_url})" in err
    assert code == 1 and err.splitlines()[-1] == "error: No document has the id abcdef0123."


def test_an_app_that_does_not_answer_is_a_clear_error(fake_services, settings, monkeypatch, pdf, capsys):
    monkeypatch.setenv("STORAGE_DIR", str(settings.storage_dir))
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    startup.publish_address(settings, f"http://127.0.0.1:{port}/api/v1")
    code, _, err = run(capsys, "ingest", str(pdf))
    assert code == 1
    assert err.splitlines()[-1].startswith(f"error: The running DocChat app at http://127.0.0.1:{port}/api/v1 cannot")


def test_without_a_running_app_the_busy_store_is_still_refused(fake_services, settings, monkeypatch, pdf, capsys):
    monkeypatch.setenv("STORAGE_DIR", str(settings.storage_dir))
    code, _, err = run(capsys, "ingest", str(pdf))
    assert code == 2 and BUSY in err and "working through" not in err


def test_the_api_key_is_sent(tmp_path: Path, embedding: EmbeddingModel, monkeypatch, capsys):
    settings = Settings(_env_file=None, storage_dir=tmp_path / "keyed", api_keys=["k-one", "k-two"])
    services = open_services(settings, embedding, llm=FakeChatModel())
    monkeypatch.setenv("STORAGE_DIR", str(settings.storage_dir))
    try:
        with serve(services):
            monkeypatch.setenv("API_KEYS", "k-one")
            code, _, err = run(capsys, "delete", "abcdef0123")
            assert code == 1 and err.splitlines()[-1] == "error: No document has the id abcdef0123."
            monkeypatch.setenv("API_KEYS", "wrong")
            code, _, err = run(capsys, "delete", "abcdef0123")
            assert code == 1 and "error: Wrong API key." in err
    finally:
        services.close()
