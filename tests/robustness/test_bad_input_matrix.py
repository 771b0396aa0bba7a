"""Every bad input, through each front end's path (the service layer, the CLI, the UI), each with its exact message;
after each, the library, the stored passages, the uploads folder and the database still agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from rag.config import Settings, load_settings
from rag.database.tables import Document
from rag.indexing.ingest import ingest_bytes
from rag.reading.checks import CERTIFICATE, DAMAGED, OPEN_MEMORY
from rag.reading.formats.archives import BOMB, HUGE_PICTURE
from rag.reading.formats.identify import LOCKED_OFFICE, NOT_A_DOCUMENT, NOT_CLAIMED
from rag.reading.pdf import BLANK, NOTHING_READ, PAGE_CHARS, PAGE_MEMORY, TOO_MANY_PASSAGES
from rag.records.library import list_documents
from rag.services import Services
from rag.usecases.startup import open_services, release_shared
from tests.apptest import open_app, upload
from tests.conftest import ROOT
from tests.office_files import encrypted_office, pptx_with_huge_picture, xlsx_empty_rows, zip_bomb_docx
from tests.pdfs import encrypt, make_pdf
from tests.robustness.hostile_pdfs import (
    blank_pdf,
    certificate_encrypted_pdf,
    deep_page_tree_pdf,
    flate_bomb,
    image_only_pdf,
    many_chars_pdf,
    object_stream_bomb,
    object_stream_of_another_type,
)

# Small limits, so each case is quick: the defaults are measured in rag/config.py.
LIMITS = {"max_upload_mb": 1, "max_pdf_memory_mb": 64, "max_page_chars": 1_000, "max_passages": 20}
GOOD = make_pdf([["Kiwis are flightless birds from New Zealand; they sleep in burrows by day."]])
_WHY = "; DocChat does not read it, to protect the server. If the file is genuine, split or re-save (print to PDF) it."


def _too_large() -> bytes:
    # A valid PDF with a comment after it, 1.5 MB in all: readers ignore what follows %%EOF.
    return GOOD + b"%" + b"0" * (3 * 1024 * 1024 // 2 - len(GOOD) - 1)


# (file name, its bytes, the exact message)
CASES: list[tuple[str, Callable[[], bytes], str]] = [
    ("empty.pdf", lambda: b"", "The file is empty (0 bytes)."),
    ("notes.pdf", lambda: b"Notes.", "This is not a PDF file (its content is not PDF, whatever its name says)."),
    ("locked.pdf", lambda: encrypt(GOOD), "The PDF is password-protected; remove the password and upload it again."),
    ("truncated.pdf", lambda: GOOD[: len(GOOD) // 2], "The PDF is damaged or truncated and cannot be read."),
    ("blank.pdf", blank_pdf, BLANK),
    ("scan.pdf", lambda: image_only_pdf(""), NOTHING_READ),  # a scan of a blank page: OCR finds nothing
    ("bomb.pdf", lambda: flate_bomb(mib=256), PAGE_MEMORY.format(page=2, mb=64)),
    ("dense.pdf", lambda: many_chars_pdf(5_000), PAGE_CHARS.format(page=2, limit=1_000)),
    ("long.pdf", lambda: make_pdf([[f"Page {p}, topic {p}."] for p in range(30)]), TOO_MANY_PASSAGES.format(limit=20)),
    ("huge.pdf", _too_large, "The file is 1.5 MB, over the 1 MB limit."),
    # What opening the file meets, before any page is read: pypdf's own limits, and what is past them.
    ("deep.pdf", lambda: deep_page_tree_pdf(3000), DAMAGED),
    ("certificate.pdf", certificate_encrypted_pdf, CERTIFICATE),
    ("not-an-object-stream.pdf", object_stream_of_another_type, DAMAGED),  # found by bench/fuzz_intake.py
    # Object streams each under pypdf's 75 MB cap (tests/api/test_bad_requests.py has one past it), and past the
    # opening child's memory (one of 80 MiB is refused the same under these limits).
    ("streams.pdf", lambda: object_stream_bomb(70, pages=2), OPEN_MEMORY.format(mb=64)),
    # Files that are not PDFs: an Office file is a ZIP archive, checked before a byte of it is unpacked.
    ("bomb.docx", zip_bomb_docx, BOMB.format(what="a part packed 1,028 times")),
    # A million empty rows as a program can write them (<row/>): unpacked, 6 MB of a 6 KB part.
    ("rows.xlsx", lambda: xlsx_empty_rows(1_000_000, numbered=False), BOMB.format(what="a part packed 674 times")),
    ("picture.pptx", pptx_with_huge_picture, HUGE_PICTURE.format(mp=100)),
    ("locked.docx", encrypted_office, LOCKED_OFFICE),
    ("page.html", lambda: bytes(range(256)) * 8, NOT_A_DOCUMENT.format(what="binary data")),
    ("report.docx", lambda: b"Quarterly report: sales rose.", NOT_CLAIMED.format(claimed="an Office", what="text")),
]  # fmt: skip


def assert_consistent(services: Services) -> None:
    """The database, the store and the uploads folder tell one story, with nothing half-written."""
    with services.sessions() as session:
        every = list(session.scalars(select(Document)))
    # A background upload that failed keeps its record, with its reason, for the user who was not watching,
    # and its file, for a retry (`jobs retry`); its passages are gone.
    failed = [d for d in every if d.status == "failed"]
    assert all(d.error and services.store.count(d.doc_id) == 0 for d in failed), [d.filename for d in failed]
    documents = [d for d in every if d.status != "failed"]
    assert all(d.status in ("indexed", "trashed") for d in documents), [(d.filename, d.status) for d in documents]
    files = (
        sorted(p.name for p in services.settings.uploads_dir.glob("*"))
        if services.settings.uploads_dir.exists()
        else []
    )
    assert files == sorted(Path(d.stored_path).name for d in [*documents, *failed])
    assert all(Path(d.stored_path).stem == d.doc_id for d in [*documents, *failed])
    for document in documents:
        assert services.store.count(document.doc_id) == document.chunks > 0
    assert services.store.count() == sum(d.chunks for d in documents)


@pytest.fixture
def limited(tmp_path, embedding):
    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "storage", **LIMITS), embedding)
    yield services
    services.close()


@pytest.mark.parametrize(
    ("name", "make", "message"),
    # The scan is read by RapidOCR: the slow tier's.
    [pytest.param(*case, id=case[0], marks=[pytest.mark.slow] if case[0] == "scan.pdf" else []) for case in CASES],
)
def test_service_layer_refuses_with_its_message_and_keeps_the_library_whole(limited, name, make, message):
    assert ingest_bytes(limited, GOOD, "good.pdf").status == "indexed"
    result = ingest_bytes(limited, make(), name)
    assert (result.status, result.error) == ("failed", message)
    assert [d.filename for d in list_documents(limited)] == ["good.pdf"]
    assert_consistent(limited)


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        # "*" is one of the characters no file system takes everywhere; the Markdown stays, to be shown as text.
        ("**bold** [link](x) ![i](x).pdf", "bold_ [link](x) ![i](x).pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        # Line and paragraph separators, and the C1 controls (NEL): a name on one line, as every control.
        ("two\u2028lines\u2029and\u0085more.pdf", "two_lines_and_more.pdf"),
    ],
)
def test_hostile_names_are_stored_as_plain_text_and_the_file_under_its_hash(limited, given, shown):
    result = ingest_bytes(limited, GOOD, given)
    assert (result.status, result.file) == ("indexed", shown)
    assert [p.name for p in limited.settings.uploads_dir.iterdir()] == [f"{result.doc_id}.pdf"]
    assert_consistent(limited)


HOSTILE_NAME = "![i](steal.png) [link](away.html).pdf"  # a file system's name has no "/" for a full URL


def _write_cases(folder: Path) -> None:
    folder.mkdir()
    (folder / "good.pdf").write_bytes(GOOD)
    (folder / HOSTILE_NAME).write_bytes(make_pdf([["Penguins eat herring and krill in the southern ocean."]]))
    for name, make, _ in CASES:
        (folder / name).write_bytes(make())


@pytest.mark.slow  # a child process that loads the models, then reads every hostile file
def test_cli_reports_every_file_with_its_message(tmp_path, embedding):
    folder = tmp_path / "pdfs"
    _write_cases(folder)
    env = {**os.environ, "STORAGE_DIR": str(tmp_path / "storage"), **{k.upper(): str(v) for k, v in LIMITS.items()}}
    proc = subprocess.run(
        [sys.executable, "-m", "rag", "ingest", str(folder), "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    results = {Path(r["file"]).name: r for r in map(json.loads, proc.stdout.splitlines())}
    assert results.pop("good.pdf")["status"] == "indexed"
    assert results.pop(HOSTILE_NAME)["status"] == "indexed"
    assert {name: (r["status"], r["error"]) for name, r in results.items()} == {
        name: ("failed", message) for name, _, message in CASES
    }
    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "storage", **LIMITS), embedding)
    try:
        assert sorted(d.filename for d in list_documents(services)) == sorted(["good.pdf", HOSTILE_NAME])
        assert_consistent(services)
    finally:
        services.close()


@pytest.mark.slow  # every hostile file through the pages, the scan read by RapidOCR
def test_ui_names_each_refused_file_and_keeps_the_library_whole(tmp_path, monkeypatch, embedding):
    folder = tmp_path / "pdfs"
    _write_cases(folder)
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    for key, value in LIMITS.items():
        monkeypatch.setenv(key.upper(), str(value))
    monkeypatch.chdir(ROOT)
    at = open_app(timeout=600)
    at = upload(at, [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())], timeout=600)
    assert not at.exception
    errors = [str(e.value).replace("\\", "") for e in at.error]
    for name, _, message in CASES:
        assert any(f"**{name}** could not be added. {message}" in e for e in errors), (name, errors)
    assert any("good.pdf** was added" in str(s.value).replace("\\", "") for s in at.success)
    # The library row, its delete prompt and its card: the hostile name as text, so neither its image nor its
    # link can form.
    rows = [m.value for m in at.markdown if "steal" in m.value]
    assert len(rows) == 3 and all("](" not in row and "![" not in row for row in rows), rows
    release_shared(load_settings())  # closes the app's services, and with them the store's lock
    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "storage", **LIMITS), embedding)
    try:
        assert_consistent(services)
    finally:
        services.close()


def test_a_web_page_with_scripts_and_remote_pictures_is_read_as_text_and_nothing_of_its_code_is_stored(limited):
    # Not refused: nearly every saved web page has scripts. Read as text, never rendered: no script, style, hidden
    # text or remote picture reaches a passage, and nothing is fetched (tests/reading/test_formats.py).
    from tests.office_files import HTML

    result = ingest_bytes(limited, HTML, "club.html")
    assert result.status == "indexed", result.error
    passages = limited.store.passages(result.doc_id, range(result.chunks))
    stored = " ".join(f"{chunk.context} {chunk.text}" for chunk in passages)
    assert len(passages) == result.chunks and "first Tuesday" in stored
    for unseen in ("secret", "tracker", "Hidden text", "color", "Contact"):
        assert unseen not in stored
    assert_consistent(limited)
