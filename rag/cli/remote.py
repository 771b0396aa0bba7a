"""The command line through the running app's HTTP API: while the app holds the embedded store, `python -m rag`
asks it to ingest, answer and delete, and prints what the local commands print (rag/cli/main.py,
rag/cli/printing.py)."""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from rag.cli.printing import print_answer, print_conversations, print_deleted, print_documents, print_ingested
from rag.config import Settings, secret
from rag.errors import DocChatError, InvalidInputError, NotFoundError
from rag.schemas import CHECKS, QUOTES, SOURCES, ConversationPublic, DocumentPublic, IngestResult, Turn

# Connecting is instant on this computer; an answer's next word, or a large upload, may take minutes.
TIMEOUT = httpx.Timeout(600.0, connect=5.0)
POLL_SECONDS = 0.25
Events = Generator[tuple[str, Any], None, None]  # (name, data) of each server-sent event
ENDED = "The app stopped sending the answer before it was finished; what came is stored in the conversation."


class NotThroughAppError(DocChatError):
    """What the running app's API cannot do for the command line."""

    exit_code = 2


def _segment(value: str) -> str:
    return quote(value.strip(), safe="")


class App:
    """A client of the running app's API at `url`, with DOCCHAT_API_KEY (a user's key), else the first of
    API_KEYS when keys are configured, in `workspace` when one is given."""

    def __init__(self, url: str, settings: Settings, workspace: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.address_file = settings.storage_dir / "app-address.json"
        self.settings = settings
        key = secret(settings.docchat_api_key) or (settings.api_keys[0] if settings.api_keys else None)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        if workspace:
            headers["X-Workspace"] = workspace
        # trust_env=False: a proxy configured for the internet must not stand between us and this computer.
        self.client = httpx.Client(base_url=self.url, headers=headers, timeout=TIMEOUT, trust_env=False)

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def unreachable(self, exc: Exception) -> DocChatError:
        if isinstance(exc, httpx.TimeoutException):
            return DocChatError(f"The running DocChat app at {self.url} did not answer in time. Try again later.")
        return DocChatError(
            f"The running DocChat app at {self.url} cannot be reached ({str(exc) or type(exc).__name__}). If it is "
            f"starting or stopping, try again in a moment; if it is not running, remove {self.address_file}."
        )

    def request(self, method: str, path: str, *, check: bool = True, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, path, **kwargs)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise self.unreachable(exc) from None
        return _checked(response) if check else response

    def events(self, path: str, body: dict) -> Events:
        """The server-sent events of a streamed answer, (name, data) as they come. Closing the iterator closes
        the connection: the app stores the answer so far, marked interrupted."""
        try:
            with self.client.stream("POST", path, json=body) as response:
                _checked(response)
                name, data = "", []
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].removeprefix(" "))
                    elif not line and name:
                        yield name, json.loads("\n".join(data))
                        name, data = "", []
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise self.unreachable(exc) from None


def _checked(response: httpx.Response) -> httpx.Response:
    """The response, or its `{"detail": …}` as the DocChatError the local command would have raised."""
    if response.status_code < 400:
        return response
    kind = {404: NotFoundError, 422: InvalidInputError}.get(response.status_code, DocChatError)
    raise kind(_detail(response))


def _detail(response: httpx.Response) -> str:
    response.read()
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail or f"The app answered {response.status_code} {response.reason_phrase}.")


def cmd_ingest(app: App, paths: Sequence[Path], args: argparse.Namespace) -> int:
    """Uploads each file, then follows it until it is indexed or failed, one after the other."""
    failed = False
    try:
        for path in paths:
            result = _ingest_one(app, path)
            failed |= result.status == "failed"
            print_ingested(path, result, args.json)
    except KeyboardInterrupt:
        print("\n(interrupted: the app goes on indexing what it has received)", file=sys.stderr)
        return 130
    return 1 if failed else 0


def _ingest_one(app: App, path: Path) -> IngestResult:
    def failure(reason: str | None) -> IngestResult:
        return IngestResult(file=str(path), doc_id=None, status="failed", error=reason)

    # The local command's checks and words (rag/usecases add_files, rag/indexing/ingest.py ingest_path).
    if not path.exists():
        return failure("No such file or folder.")
    try:
        size, limit = path.stat().st_size, app.settings.max_upload_mb
        if size > app.settings.max_upload_bytes:
            return failure(f"The file is {size / 1_048_576:.1f} MB, over the {limit} MB limit.")
        data = path.read_bytes()
    except OSError as exc:
        return failure(f"Cannot read the file: {exc.strerror}")
    files = [("files", (path.name, data, mimetypes.guess_type(path.name)[0] or "application/octet-stream"))]
    response = app.request("POST", "/documents", files=files, check=False)
    if response.status_code == 413:  # the app's own limit refuses this file alone; the others go on
        return failure(_detail(response))
    accepted = IngestResult.model_validate(_checked(response).json()[0])
    if accepted.status != "queued" or not accepted.doc_id:
        return accepted.model_copy(update={"file": str(path)})
    while True:
        document = DocumentPublic.model_validate(app.request("GET", f"/documents/{accepted.doc_id}").json())
        if document.status not in ("queued", "indexing"):
            break
        time.sleep(POLL_SECONDS)
    if document.status != "indexed":
        return failure(document.error or f"The app left it {document.status}.").model_copy(
            update={"doc_id": document.id}
        )
    return IngestResult(
        file=str(path), doc_id=document.id, status="indexed", pages=document.pages, chunks=document.passages
    )


def cmd_ask(app: App, args: argparse.Namespace) -> int:
    if args.retrieve_only:
        raise NotThroughAppError(
            "--retrieve-only is not available while the DocChat app is running (it holds the document store). "
            "Ask without --retrieve-only, or stop the app and run the command again."
        )
    path = f"/conversations/{_segment(args.conversation)}/messages" if args.conversation else "/ask"
    # Closing the turn closes the connection: the app stores what came, marked interrupted if unfinished.
    return print_answer(_remote_turn(app.events(path, {"question": args.question, "doc_ids": args.doc})), args)


def _remote_turn(events: Events) -> Turn:
    """A Turn like the local one: the `start` event now, the words as they come, and the `done` event's grounding
    marks, mode and suggestions once the words end, so rag/cli/printing.py and `answer_of` read it unchanged."""
    name, start = next(events, ("", None))
    if name == "error":
        raise DocChatError(start["detail"])
    if name != "start":
        events.close()
        raise DocChatError(ENDED)
    turn = Turn(
        start["conversation_id"],
        start["message_id"],
        start["standalone_question"],
        SOURCES.validate_python(start["sources"]),
        iter(()),
        QUOTES.validate_python(start["quotes"]),
        bool(start["quotes_first"]),
    )
    turn.tokens = _tokens(turn, events)
    return turn


def _tokens(turn: Turn, events: Events) -> Generator[str, None, None]:
    try:
        for name, data in events:
            if name == "token":
                yield data["text"]
            elif name == "error":
                raise DocChatError(data["detail"])
            elif name == "done":
                turn.mode, turn.doubtful = data["mode"], bool(data["doubtful"])
                turn.grounding = CHECKS.validate_python(data["grounding"])
                turn.suggestions = list(data["suggestions"])
                return
        raise DocChatError(ENDED)
    finally:
        events.close()


def cmd_conversations(app: App, args: argparse.Namespace) -> int:
    print_conversations(
        [ConversationPublic.model_validate(c) for c in app.request("GET", "/conversations").json()], args.json
    )
    return 0


def cmd_export(app: App, args: argparse.Namespace) -> int:
    print(app.request("GET", f"/conversations/{_segment(args.conversation_id)}/export").text)
    return 0


def cmd_docs(app: App, args: argparse.Namespace) -> int:
    # The API lists uploads still queued or failed too; the library, as the local command lists it, is the indexed.
    listed = [DocumentPublic.model_validate(d) for d in app.request("GET", "/documents").json()]
    print_documents([d for d in listed if d.status == "indexed"], args.json)
    return 0


def cmd_delete(app: App, args: argparse.Namespace) -> int:
    document = DocumentPublic.model_validate(app.request("GET", f"/documents/{_segment(args.doc_id)}").json())
    app.request("DELETE", f"/documents/{document.id}")
    print_deleted(document, args.json)
    return 0


COMMANDS: dict[str, Callable[[App, argparse.Namespace], int]] = {
    "ask": cmd_ask,
    "conversations": cmd_conversations,
    "export": cmd_export,
    "docs": cmd_docs,
    "delete": cmd_delete,
}


def run(url: str, settings: Settings, args: argparse.Namespace, files: Sequence[Path] = ()) -> int:
    """Runs a parsed command of rag/cli/main.py through the app at `url`; `files` are the files `ingest` adds."""
    with App(url, settings, getattr(args, "workspace", None)) as app:
        if args.command == "ingest":
            return cmd_ingest(app, files, args)
        if args.command not in COMMANDS:
            raise NotThroughAppError(f"'{args.command}' cannot run while the DocChat app is running: stop it first.")
        return COMMANDS[args.command](app, args)
