"""The library, as every front end uses it: add PDFs (now, or in the background), list, inspect, remove."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy import select

from rag import library
from rag.cards import DocumentCard
from rag.cleanup import queued_ids
from rag.errors import DocumentBusyError, UnknownDocumentError
from rag.ingest import Progress, accept_bytes, index_accepted, ingest_bytes, ingest_path
from rag.models import Document
from rag.preview import PagePreview, render_file, stored_pdf
from rag.schemas import DocumentPublic, IngestResult
from rag.services import Services

# What a front end gives to be added: a file on disk, or (name, bytes) of an upload.
Upload = tuple[str, bytes]


def _public(document: Document) -> DocumentPublic:
    return DocumentPublic(
        id=document.doc_id,
        filename=document.filename,
        status=document.status,  # type: ignore[arg-type]
        pages=document.pages,
        passages=document.chunks,
        size_bytes=document.size_bytes,
        created_at=document.created_at,
        progress=document.progress,
        progress_message=document.progress_message,
        error=document.error,
    )


def list_documents(services: Services) -> list[DocumentPublic]:
    """The library: indexed documents, newest first."""
    return [_public(d) for d in library.list_documents(services)]


def list_all_documents(services: Services) -> list[DocumentPublic]:
    """Everything but the trash: the library, and uploads queued, being indexed or failed."""
    with services.sessions() as session:
        query = select(Document).where(Document.status != "trashed").order_by(Document.created_at.desc())
        return [_public(d) for d in session.scalars(query)]


def list_trash(services: Services) -> list[DocumentPublic]:
    return [_public(d) for d in library.list_trash(services)]


def get_document(services: Services, doc_id: str) -> DocumentPublic:
    """A document in any state, by its full id or an unambiguous prefix."""
    return _public(library.find_document(services, doc_id, status=None))


def add_files(
    services: Services, files: Sequence[Path | Upload], progress: Progress | None = None
) -> Iterator[IngestResult]:
    """Adds files now, one after the other, each searchable when its result is given; the search index is
    built once, after the last. A file that fails is named with its reason, and the others go on."""
    try:
        for item in files:
            report = progress or (lambda _m, _f: None)
            if isinstance(item, Path):
                if not item.exists():
                    yield IngestResult(file=str(item), doc_id=None, status="failed", error="No such file or folder.")
                    continue
                yield ingest_path(services, item, report)
            else:
                yield ingest_bytes(services, item[1], item[0], report)
    finally:
        # Edge has no background optimizer: one index build per batch, not one per file (rag/store/edge.py).
        services.store.optimize()


def queue_uploads(services: Services, uploads: Sequence[Upload]) -> list[IngestResult]:
    """Checks and stores each upload at once ("queued", "duplicate" or "failed" with its reason), then indexes
    the queued ones in the background, in this process. Their progress is on their records; a client polls
    `get_document`. A process that stops hands the running one back to the queue, and the next start resumes."""
    results = [accept_bytes(services, data, name) for name, data in uploads]
    for result in results:
        if result.status == "queued" and result.doc_id:
            _submit(services, result.doc_id)
    return results


def resume_queued(services: Services) -> int:
    """Queues again what an earlier run accepted but did not index."""
    waiting = queued_ids(services)
    for doc_id in waiting:
        _submit(services, doc_id)
    return len(waiting)


def _submit(services: Services, doc_id: str) -> None:
    worker = services.worker
    worker.submit(
        lambda: index_accepted(services, doc_id, keep_failure=True, stop=worker.stop),
        then=services.store.optimize,
    )


def dismiss_failed(services: Services, doc_id: str) -> None:
    """Forgets an upload that could not be indexed (its file and passages are gone already)."""
    document = get_document(services, doc_id)
    if document.status != "failed":
        raise UnknownDocumentError(f"{document.filename} did not fail; delete it from the library instead.")
    library.remove_document_data(services, document.id)


def trash_document(services: Services, doc_id: str) -> DocumentPublic:
    return _public(library.trash_document(services, doc_id))


def restore_document(services: Services, doc_id: str) -> DocumentPublic:
    return _public(library.restore_document(services, doc_id))


def delete_document(services: Services, doc_id: str) -> DocumentPublic:
    """Deletes a document of the library for good: its passages, its file and its record."""
    try:
        return _public(library.delete_document(services, doc_id))
    except UnknownDocumentError:
        pending = _pending(services, doc_id)
        if pending is not None:
            raise DocumentBusyError(
                f"{pending.filename} is still being added to your library; delete it once it is indexed."
            ) from None
        raise


def _pending(services: Services, doc_id: str) -> DocumentPublic | None:
    try:
        document = get_document(services, doc_id)
    except UnknownDocumentError:
        return None
    return document if document.status in ("queued", "indexing") else None


def empty_trash(services: Services) -> int:
    return library.empty_trash(services)


def document_cards(services: Services, doc_ids: Sequence[str] | None = None) -> dict[str, DocumentCard]:
    return library.document_cards(services, doc_ids)


def page_preview(services: Services, doc_id: str, page: int, snippet: str) -> PagePreview:
    """The cited page as a picture, the passage highlighted; PreviewError (a DocChatError) when it cannot be."""
    return render_file(stored_pdf(services, doc_id), page, snippet)


def library_ids(services: Services) -> set[str]:
    with services.sessions() as session:
        return set(session.scalars(select(Document.doc_id).where(Document.status == "indexed")))
