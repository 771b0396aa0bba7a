"""The upload size, enforced while the body is read: a 5 GB body is refused at its first byte over the limit,
never read whole into memory or onto disk first."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A multipart body carries its own boundaries and headers beside the file.
MULTIPART_OVERHEAD = 64 * 1024


def too_large(limit_mb: int) -> str:
    return f"The upload is larger than the {limit_mb} MB limit (MAX_UPLOAD_MB); send fewer or smaller files."


class BodyTooLarge(HTTPException):
    """Raised while the body is read, at the chunk over the limit. An HTTPException, because FastAPI turns any
    other error raised while it parses a form into "400 There was an error parsing the body"."""

    def __init__(self, limit_mb: int) -> None:
        super().__init__(413, too_large(limit_mb))


class UploadLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes + MULTIPART_OVERHEAD
        self.limit_mb = max_bytes // (1024 * 1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.limit_mb)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": too_large(self.limit_mb)}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
