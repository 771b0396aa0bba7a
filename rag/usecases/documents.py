"""The library, as every front end uses it: add documents (now, or in the background), list, inspect, remove."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy import select

from rag.accounts import audit
from rag.accounts.access import resolve
from rag.accounts.caller import Caller
from rag.config import Settings
from rag.database.tables import Document
from rag.errors import DocumentBusyError, UnknownDocumentError
from rag.indexing import library_cards
from rag.indexing.cards import DocumentCard
from rag.indexing.ingest import Progress, accept_bytes, ingest_bytes, ingest_path
from rag.indexing.reindex import ReindexProgress, ReindexResult, reindex
from rag.jobs import dispatch as jobs
from rag.reading import preview
from rag.reading.formats.identify import ACCEPTED, WHAT_WE_READ
from rag.reading.page_image import PagePreview
from rag.records import library
from rag.records.cleanup import remove_record
from rag.records.filenames import display_name as display_name
from rag.schemas import DocumentPublic, IngestResult
from rag.services import Services
from rag.usecases._shared import audit_added, document_public, uploader
from rag.usecases._shared import library_ids as library_ids

# What a front end gives to be added: a file on disk, or (name, bytes) of an upload.
Upload = tuple[str, bytes]
# The names an upload widget offers and a folder is searched for; the content decides what a file is.
ACCEPTED_SUFFIXES = ACCEPTED
KINDS_READ = WHAT_WE_READ


def document_files(paths: Sequence[str | Path]) -> Iterator[Path]:
    """The files named, and those of every folder named (its subfolders too) that DocChat reads, by name."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ACCEPTED)
        else:
            yield path


def list_documents(services: Services, *, caller: Caller | None = None) -> list[DocumentPublic]:
    """The caller's workspace's library: indexed documents, newest first."""
    return [
        document_public(services, d) for d in library.list_documents(services, resolve(services, caller).workspace_id)
    ]


def list_all_documents(services: Services, *, caller: Caller | None = None) -> list[DocumentPublic]:
    """Everything of the workspace but the trash: the library, and uploads queued, being indexed or failed."""
    workspace = resolve(services, caller).workspace_id
    with services.sessions() as session:
        query = select(Document).where(Document.workspace_id == workspace, Document.status != "trashed")
        return [document_public(services, d) for d in session.scalars(query.order_by(Document.created_at.desc()))]


def list_trash(services: Services, *, caller: Caller | None = None) -> list[DocumentPublic]:
    return [document_public(services, d) for d in library.list_trash(services, resolve(services, caller).workspace_id)]


def get_document(services: Services, doc_id: str, *, caller: Caller | None = None) -> DocumentPublic:
    """A document of the workspace in any state, by its full id or an unambiguous prefix."""
    workspace = resolve(services, caller).workspace_id
    return document_public(services, library.find_document(services, doc_id, status=None, workspace_id=workspace))


def add_files(
    services: Services,
    files: Sequence[Path | Upload],
    progress: Progress | None = None,
    *,
    caller: Caller | None = None,
) -> Iterator[IngestResult]:
    """Adds files to the caller's workspace now, one after the other, each searchable when its result is given;
    the search index is built once, after the last. A file that fails is named with its reason, the others go on."""
    who = uploader(services, caller)
    scope = {"workspace_id": who.workspace_id, "user_id": who.user_id}
    try:
        for item in files:
            report = progress or (lambda _m, _f: None)
            if isinstance(item, Path):
                if not item.exists():
                    yield IngestResult(file=str(item), doc_id=None, status="failed", error="No such file or folder.")
                    continue
                yield audit_added(services, who, ingest_path(services, item, report, **scope))
            else:
                yield audit_added(services, who, ingest_bytes(services, item[1], item[0], report, **scope))
    finally:
        # Edge has no background optimizer: one index build per batch, not one per file (rag/store/edge.py).
        services.store.optimize()


def queue_uploads(services: Services, uploads: Sequence[Upload], *, caller: Caller | None = None) -> list[IngestResult]:
    """Checks and stores each upload at once ("queued", "duplicate" or "failed" with its reason), then indexes
    the queued ones in the background, in this process. Their progress is on their records; a client polls
    `get_document`. A process that stops hands the running one back to the queue, and the next start resumes."""
    who = uploader(services, caller)
    results = [
        audit_added(
            services, who, accept_bytes(services, data, name, workspace_id=who.workspace_id, user_id=who.user_id)
        )
        for name, data in uploads
    ]
    for result in results:
        if result.status == "queued" and result.doc_id:
            jobs.dispatch(services, result.doc_id)
    return results


def _editor(services: Services, caller: Caller | None, doing: str) -> Caller:
    who = resolve(services, caller)
    who.require_edit(doing)
    return who


def dismiss_failed(services: Services, doc_id: str, *, caller: Caller | None = None) -> None:
    """Forgets an upload that could not be indexed (its file and passages are gone already)."""
    who = _editor(services, caller, "remove documents")
    document = get_document(services, doc_id, caller=who)
    if document.status != "failed":
        raise UnknownDocumentError(f"{document.filename} did not fail; delete it from the library instead.")
    remove_record(services, who.workspace_id, document.id)


def trash_document(services: Services, doc_id: str, *, caller: Caller | None = None) -> DocumentPublic:
    who = _editor(services, caller, "remove documents")
    document = document_public(services, library.trash_document(services, doc_id, who.workspace_id))
    audit.by(services, who, "document.trash", document.filename)
    return document


def restore_document(services: Services, doc_id: str, *, caller: Caller | None = None) -> DocumentPublic:
    who = _editor(services, caller, "restore documents")
    return document_public(services, library.restore_document(services, doc_id, who.workspace_id))


def delete_document(services: Services, doc_id: str, *, caller: Caller | None = None) -> DocumentPublic:
    """Deletes a document of the workspace's library for good: its record, and with the last workspace holding
    the same content, its passages and its file."""
    who = _editor(services, caller, "delete documents")
    try:
        document = document_public(services, library.delete_document(services, doc_id, who.workspace_id))
    except UnknownDocumentError:
        pending = _pending(services, doc_id, who)
        if pending is not None:
            raise DocumentBusyError(
                f"{pending.filename} is still being added to your library: cancel it, or delete it once it is indexed."
            ) from None
        raise
    audit.by(services, who, "document.delete", document.filename)
    return document


def _pending(services: Services, doc_id: str, who: Caller) -> DocumentPublic | None:
    try:
        document = get_document(services, doc_id, caller=who)
    except UnknownDocumentError:
        return None
    return document if document.status in ("queued", "indexing") else None


def empty_trash(services: Services, *, caller: Caller | None = None) -> int:
    who = _editor(services, caller, "delete documents")
    emptied = library.empty_trash(services, who.workspace_id)
    if emptied:
        audit.by(services, who, "document.delete", f"{emptied} document(s) in the trash")
    return emptied


def document_cards(
    services: Services, doc_ids: Sequence[str] | None = None, *, caller: Caller | None = None
) -> dict[str, DocumentCard]:
    return library_cards.document_cards(services, doc_ids, resolve(services, caller).workspace_id)


def page_preview(
    services: Services, doc_id: str, page: int, snippet: str, *, caller: Caller | None = None
) -> PagePreview:
    """The cited page as a picture, the passage highlighted; PreviewError (a DocChatError) when it cannot be,
    and for any document that is not in the caller's workspace, whatever its id."""
    return preview.page_preview(services, doc_id, page, snippet, workspace_id=resolve(services, caller).workspace_id)


def reindex_library(
    settings: Settings, progress: ReindexProgress | None = None, model: str | None = None
) -> ReindexResult:
    """Embeds every document again into a new collection, then switches to it (rag/indexing/reindex.py). Takes
    the settings, not the services: it opens the store itself, while no other process holds it. `model`
    ("minilm" or "multilingual") changes the library's embedding model; EMBEDDINGS_MODEL=auto then keeps it."""
    return reindex(settings, progress, model)
