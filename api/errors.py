"""Every error the API returns is JSON `{"detail": "…"}` with a 4xx or 5xx status, never a traceback."""

from __future__ import annotations

import logging
from http import HTTPMethod

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from rag.errors import (
    ConfigError,
    ConflictError,
    DatabaseUnavailableError,
    DocChatError,
    DocumentBusyError,
    InvalidInputError,
    LLMError,
    NotFoundError,
    PdfError,
    PermissionDeniedError,
    SignInError,
    StoreError,
)

log = logging.getLogger(__name__)

# Most specific first: StoreBusyError is a StoreError, UnknownDocumentError a NotFoundError, ConflictError an
# InvalidInputError.
STATUS = [
    (SignInError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (InvalidInputError, 422),
    (PdfError, 422),
    (DocumentBusyError, 409),
    (DatabaseUnavailableError, 503),
    (StoreError, 503),
    (LLMError, 503),
    (ConfigError, 500),
]


class ErrorDetail(BaseModel):
    detail: str


# Documented on every route, so a client (and schemathesis) knows the shape of each refusal.
ERRORS = {
    code: {"model": ErrorDetail, "description": text}
    for code, text in [
        # FastAPI's own, for a body it cannot read at all (JSON that is not UTF-8, a broken multipart form).
        (400, "The body cannot be read"),
        (401, "Missing, wrong or revoked API key, or a disabled user"),
        (403, "Not allowed: from this address, or for this user's role"),
        (404, "No such document or conversation"),
        (409, "It clashes with what is there now: a name taken, the last admin, a document still being added"),
        (413, "The upload is too large"),
        (422, "The request cannot be used as it is"),
        (429, "Too many requests"),
        (503, "The database, the store or the model is unavailable"),
    ]
}


def status_of(exc: DocChatError) -> int:
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 400)


def readable(exc: RequestValidationError) -> str:
    """Pydantic's errors as one sentence a person can act on: "question: Field required"."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(parts) or "The request is not valid."


def allowed_methods(request: Request) -> str:
    """Every method the API answers at this request's path, for the `Allow` of a 405. Starlette's names only the
    methods of the first route whose path matched, and FastAPI makes a route per operation: a PUT to
    /documents/{id} was told `Allow: GET` though DELETE is there too. Each method is asked of the routes as a
    request would be, since FastAPI nests the routes of an included router."""
    path = {key: request.scope[key] for key in ("type", "path", "root_path") if key in request.scope}
    return ", ".join(
        method.value
        for method in HTTPMethod
        if any(route.matches({**path, "method": method.value})[0] is Match.FULL for route in request.app.router.routes)
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(DocChatError)
    async def _docchat(_request: Request, exc: DocChatError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": readable(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error in the API", exc_info=exc)
        return JSONResponse({"detail": "Something went wrong in DocChat; the details are in its log."}, 500)
