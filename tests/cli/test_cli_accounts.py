"""The command line with accounts: `users`, `keys` and `workspaces` as scripts rely on them, and every library
command acting as the user of DOCCHAT_API_KEY, directly and through a running app's API."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from rag.cli import main as cli
from rag.config import Settings
from rag.models.fake_chat import FakeChatModel
from rag.usecases import accounts
from rag.usecases.startup import open_services
from tests.cli.test_cli_remote import serve
from tests.pdfs import make_pdf

SECRET = "The Zanzibar merger closes on 14 March at 38 dollars a share."
PASSWORD = "correct horse battery"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedding):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.setenv("AUTH_MODE", "local")
    monkeypatch.setenv("LLM_PROVIDER", "fake")
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    # The test's embedding model, loaded once for the session, instead of once per command.
    monkeypatch.setattr("rag.clients.build_embeddings", lambda _settings, _recorded=None: embedding)
    pdf = tmp_path / "merger.pdf"
    pdf.write_bytes(make_pdf([[SECRET], ["The Okavango warehouse teams move to Zanzibar in April."]]))
    return pdf


def run(capsys, monkeypatch, *argv: str, key: str | None = None, stdin: str = "") -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    if key is None:
        monkeypatch.delenv("DOCCHAT_API_KEY", raising=False)
    else:
        monkeypatch.setenv("DOCCHAT_API_KEY", key)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_users_and_keys_and_acting_as_a_user(env, capsys, monkeypatch):
    assert (
        run(capsys, monkeypatch, "users", "add", "alice", "--admin", "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    )
    assert run(capsys, monkeypatch, "users", "add", "bob", "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    code, _, err = run(capsys, monkeypatch, "users", "add", "bob", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 2 and "already a user called bob" in err
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--json")
    assert {u["username"]: u["is_admin"] for u in json.loads(out)} == {"alice": True, "bob": False}
    keys = {}
    for name in ("alice", "bob"):
        code, out, _ = run(capsys, monkeypatch, "keys", "create", name)
        keys[name] = out.strip().splitlines()[-1]  # the key alone on the last line
        assert code == 0 and keys[name].startswith("dc_")

    # Without a key, with accounts on, a library command says what to do.
    code, _, err = run(capsys, monkeypatch, "docs")
    assert code == 3 and "DOCCHAT_API_KEY" in err
    code, out, _ = run(capsys, monkeypatch, "ingest", str(env), "--json", key=keys["alice"])
    secret = json.loads(out)["doc_id"]
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, "ask", "--json", SECRET, key=keys["alice"])
    conversation = json.loads(out)["conversation_id"]

    # Bob sees, finds, deletes and exports nothing of Alice's.
    assert json.loads(run(capsys, monkeypatch, "docs", "--json", key=keys["bob"])[1]) == []
    assert json.loads(run(capsys, monkeypatch, "conversations", "--json", key=keys["bob"])[1]) == []
    code, out, _ = run(capsys, monkeypatch, "ask", "--retrieve-only", "--json", SECRET, key=keys["bob"])
    assert code == 0 and all(s["doc_id"] != secret for s in json.loads(out)["sources"])
    code, _, err = run(capsys, monkeypatch, "delete", secret[:8], key=keys["bob"])
    assert code == 1 and "No document" in err
    code, _, err = run(capsys, monkeypatch, "export", conversation, key=keys["bob"])
    assert code == 1 and "No conversation" in err
    assert len(json.loads(run(capsys, monkeypatch, "docs", "--json", key=keys["alice"])[1])) == 1

    # A disabled user's key, and a revoked key, are refused at once.
    assert run(capsys, monkeypatch, "users", "disable", "bob")[0] == 0
    code, _, err = run(capsys, monkeypatch, "docs", key=keys["bob"])
    assert code == 3 and "not valid" in err
    assert run(capsys, monkeypatch, "users", "enable", "bob")[0] == 0
    assert run(capsys, monkeypatch, "docs", key=keys["bob"])[0] == 0
    assert run(capsys, monkeypatch, "keys", "revoke", keys["bob"][3:11])[0] == 0
    assert run(capsys, monkeypatch, "docs", key=keys["bob"])[0] == 3

    # A shared workspace, by name.
    assert run(capsys, monkeypatch, "workspaces", "create", "Deals")[0] == 0
    assert run(capsys, monkeypatch, "workspaces", "add", "Deals", "alice", "--role", "editor")[0] == 0
    code, out, _ = run(capsys, monkeypatch, "docs", "--json", "--workspace", "Deals", key=keys["alice"])
    assert code == 0 and json.loads(out) == []
    code, _, err = run(capsys, monkeypatch, "docs", "--workspace", "Nowhere", key=keys["alice"])
    assert code == 1 and "not a member" in err
    code, out, _ = run(capsys, monkeypatch, "audit", "--action", "key", "--json")
    assert [e["action"] for e in json.loads(out)] == ["key.revoke", "key.create", "key.create"]


def test_through_the_running_app_the_key_acts_as_its_user(env, capsys, monkeypatch, embedding):
    settings = Settings(_env_file=None, storage_dir=Path(str(env.parent / "storage")), auth_mode="local")
    svc = open_services(settings, embedding, llm=FakeChatModel())
    try:
        for name in ("alice", "bob"):
            accounts.add_user(svc, name, PASSWORD, name == "alice", caller=accounts.OPERATOR)
        alice, bob = (accounts.create_key(svc, n, caller=accounts.OPERATOR).key for n in ("alice", "bob"))
        with serve(svc):
            code, out, err = run(capsys, monkeypatch, "ingest", str(env), "--json", key=alice)
            assert code == 0 and "working through the running app" in err
            secret = json.loads(out)["doc_id"]
            code, out, _ = run(capsys, monkeypatch, "ask", "--json", SECRET, key=bob)
            assert code == 0 and all(s["doc_id"] != secret for s in json.loads(out)["sources"])
            code, _, err = run(capsys, monkeypatch, "delete", secret, key=bob)
            assert code == 1 and "No document" in err
            code, _, err = run(capsys, monkeypatch, "delete", secret, key="dc_0000_wrong")
            assert code != 0 and "not valid" in err
    finally:
        svc.close()
