"""/documents: upload documents (indexed in the background), follow their progress, list and delete them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from api.deps import Authenticated, CallerDep, ServicesDep
from api.errors import ERRORS
from rag.errors import NotFoundError
from rag.schemas import DocumentPublic, IngestResult
from rag.usecases import documents, jobs

router = APIRouter(prefix="/documents", tags=["documents"], dependencies=[Authenticated], responses=ERRORS)

UPLOAD_KINDS = (
    "One or more files: PDF, Word, PowerPoint, Excel, OpenDocument, HTML, Markdown, text, CSV, e-mail (.eml) or "
    "pictures (PNG, JPEG, TIFF)."
)


@router.post("", status_code=202, response_model=list[IngestResult])
async def upload(
    services: ServicesDep,
    caller: CallerDep,
    # At least one, in the schema too: an empty list is a form without the field, which FastAPI refuses itself.
    files: Annotated[
        list[UploadFile],
        File(
            min_length=1,
            description=UPLOAD_KINDS,
        ),
    ],
) -> list[IngestResult]:
    """Answers at once, one record per file: `queued`, `duplicate`, or `failed` with its reason. A queued file
    is indexed in the background: poll `GET /documents/{id}` for `indexing` (with progress), then `indexed`
    or `failed`."""
    uploads = [(file.filename or "document", await file.read()) for file in files]
    return await run_in_threadpool(documents.queue_uploads, services, uploads, caller=caller)


@router.get("", response_model=list[DocumentPublic])
async def list_documents(services: ServicesDep, caller: CallerDep) -> list[DocumentPublic]:
    """Every document but the trash: indexed, queued, being indexed, or failed with its reason."""
    return await run_in_threadpool(documents.list_all_documents, services, caller=caller)


@router.get("/{doc_id}", response_model=DocumentPublic)
async def get_document(doc_id: str, services: ServicesDep, caller: CallerDep) -> DocumentPublic:
    """Its status, progress while indexing, pages and passages. The id may be shortened to its first characters."""
    return await run_in_threadpool(documents.get_document, services, doc_id, caller=caller)


@router.get(
    "/{doc_id}/pages/{page}",
    response_class=Response,
    responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def page_picture(
    doc_id: str,
    page: Annotated[int, Path(ge=1, le=100_000)],
    services: ServicesDep,
    caller: CallerDep,
    highlight: Annotated[str, Query(max_length=2000, description="A passage of the page to highlight.")] = "",
) -> Response:
    """A page of an indexed document of your workspace as a PNG, `highlight` marked in yellow: the cited-page
    preview of the pages. Another workspace's document is not found, whatever its id."""

    def draw() -> bytes:
        document = documents.get_document(services, doc_id, caller=caller)
        if document.status != "indexed":
            raise NotFoundError(f"{document.filename} is not in your library now.")
        if page > document.pages:
            # Not found, as any other page that is not there: the request itself was well formed.
            raise NotFoundError(f"{document.filename} has {document.pages} pages: there is no page {page}.")
        return documents.page_preview(services, document.id, page, highlight, caller=caller).png

    return Response(await run_in_threadpool(draw), media_type="image/png")


@router.post("/{doc_id}/cancel", response_model=DocumentPublic)
async def cancel(doc_id: str, services: ServicesDep, caller: CallerDep) -> DocumentPublic:
    """Withdraws an upload that is queued or being indexed; a running job stops within a second and removes
    what it wrote. Returns the record as it was."""
    return await run_in_threadpool(jobs.cancel_job, services, doc_id, caller=caller)


@router.post("/{doc_id}/retry", status_code=202, response_model=DocumentPublic)
async def retry(doc_id: str, services: ServicesDep, caller: CallerDep) -> DocumentPublic:
    """Queues a failed upload again, from its stored file; poll `GET /documents/{id}` as after an upload."""
    return await run_in_threadpool(jobs.retry_job, services, doc_id, caller=caller)


@router.delete("/{doc_id}", status_code=204, response_class=Response)
async def delete_document(doc_id: str, services: ServicesDep, caller: CallerDep) -> Response:
    """Deletes a document for good: its passages, its file and its record. A failed upload is forgotten."""

    def delete() -> None:
        document = documents.get_document(services, doc_id, caller=caller)
        if document.status == "failed":
            documents.dismiss_failed(services, document.id, caller=caller)
        else:
            documents.delete_document(services, document.id, caller=caller)

    await run_in_threadpool(delete)
    return Response(status_code=204)
