"""End to end on a real manual, through the CLI a user would run."""

import json
import os
import subprocess
import sys

import pytest

from rag.config import Settings
from rag.usecases.startup import open_services
from tests.conftest import CORPUS, ROOT
from tests.pdfs import make_pdf

LIBTASN1 = CORPUS / "libtasn1.pdf"
# A real manual through the real CLI, one child process per command, and the real SmolLM2.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.corpus("libtasn1.pdf"),
]


def run_cli(storage, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "STORAGE_DIR": str(storage)}
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    storage = tmp_path_factory.mktemp("cli") / "storage"
    proc = run_cli(storage, "ingest", str(LIBTASN1), "--json")
    assert proc.returncode == 0, proc.stderr
    return storage, json.loads(proc.stdout)


def test_ingest_reports_each_file_as_json(library):
    _, result = library
    assert result["status"] == "indexed"
    assert result["pages"] == 36 and result["chunks"] > 36
    assert result["file"].endswith("libtasn1.pdf") and len(result["doc_id"]) == 64


@pytest.mark.parametrize(
    ("question", "page"),
    [
        ("How do I decode the class and tag of DER encoded data?", 21),
        ("How are comments written in ASN.1 definition files?", 5),
        ("Which function creates a new structure of a given type?", 13),
    ],
)
def test_retrieve_only_finds_the_page_of_the_answer(library, question, page):
    storage, _ = library
    proc = run_cli(storage, "ask", "--retrieve-only", "--json", question)
    assert proc.returncode == 0, proc.stderr
    sources = json.loads(proc.stdout)["sources"]
    assert page in [s["page"] for s in sources[:5]]
    assert {"doc_id", "filename", "page", "snippet", "score"} <= sources[0].keys()


def test_ask_with_the_local_model_streams_an_answer_with_sources(library):
    storage, _ = library
    proc = run_cli(storage, "ask", "--json", "How are comments written in ASN.1 definition files?")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["answer"].strip()
    assert out["standalone_question"] == "How are comments written in ASN.1 definition files?"
    assert 5 in [s["page"] for s in out["sources"]]


def test_same_file_again_is_a_duplicate_and_docs_lists_it(library):
    storage, first = library
    proc = run_cli(storage, "ingest", str(LIBTASN1), "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "duplicate"
    docs = json.loads(run_cli(storage, "docs", "--json").stdout)
    assert [d["doc_id"] for d in docs] == [first["doc_id"]]


def test_a_bad_file_in_a_folder_fails_alone_with_exit_1(tmp_path):
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "good.pdf").write_bytes(make_pdf([["Kiwis are flightless birds from New Zealand."]]))
    (folder / "bad.PDF").write_bytes(b"not a pdf at all")
    proc = run_cli(tmp_path / "storage", "ingest", str(folder), "--json")
    assert proc.returncode == 1
    results = {json.loads(line)["file"].rsplit("/", 1)[-1]: json.loads(line) for line in proc.stdout.splitlines()}
    assert results["good.pdf"]["status"] == "indexed"
    assert results["bad.PDF"]["status"] == "failed" and "not a PDF" in results["bad.PDF"]["error"]


def test_cli_beside_the_app_lists_but_does_not_write(tmp_path, embedding):
    holder = open_services(Settings(_env_file=None, storage_dir=tmp_path / "storage"), embedding)
    pdf = tmp_path / "kiwis.pdf"
    pdf.write_bytes(make_pdf([["Kiwis are flightless birds from New Zealand."]]))
    try:
        listed = run_cli(tmp_path / "storage", "docs")  # needs only the database
        refused = run_cli(tmp_path / "storage", "ingest", str(pdf))
    finally:
        holder.close()
    assert listed.returncode == 0 and "Your library is empty" in listed.stdout, listed.stderr
    assert refused.returncode == 2
    assert "open in another DocChat process" in refused.stderr and "Traceback" not in refused.stderr


def test_delete_of_an_unknown_id_is_a_clear_error(tmp_path):
    proc = run_cli(tmp_path / "storage", "delete", "abcdef")
    assert proc.returncode == 1
    assert "No document in your library has the id abcdef" in proc.stderr and "Traceback" not in proc.stderr
