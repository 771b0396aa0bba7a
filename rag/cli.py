"""Command line: the same service functions the UI uses. `python -m rag --help`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import ValidationError

from rag.chain import LLMError, ask, retrieve, to_sources
from rag.config import Settings
from rag.ingest import ingest_path
from rag.library import UnknownDocumentError, delete_document, list_documents, purge_incomplete
from rag.services import Services, open_services
from rag.vectorstore import StoreError


def _pdf_paths(paths: Sequence[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
        else:
            yield path


def cmd_ingest(services: Services, args: argparse.Namespace) -> int:
    failed = False
    for path in _pdf_paths(args.paths):
        if not path.exists():
            result = {
                "file": str(path),
                "doc_id": None,
                "status": "failed",
                "pages": 0,
                "chunks": 0,
                "error": "No such file or folder.",
            }
        else:
            result = ingest_path(services, path).to_dict()
            result["file"] = str(path)
        failed |= result["status"] == "failed"
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        elif result["status"] == "indexed":
            print(
                f"indexed    {path}  ({result['pages']} pages, {result['chunks']} chunks, id {result['doc_id'][:12]})"
            )
        elif result["status"] == "duplicate":
            print(f"duplicate  {path}  {result['error']}")
        else:
            print(f"failed     {path}  {result['error']}")
    return 1 if failed else 0


def cmd_ask(services: Services, args: argparse.Namespace) -> int:
    if args.retrieve_only:
        standalone, docs = retrieve(services, args.question, doc_ids=args.doc)
        sources, answer = to_sources(docs), None
    else:
        result = ask(services, args.question, doc_ids=args.doc)
        standalone, sources = result.standalone_question, result.sources
        if args.json:
            answer = "".join(result.tokens)
        else:
            for token in result.tokens:
                print(token, end="", flush=True)
            print()
    if args.json:
        payload = {"standalone_question": standalone, "sources": [s.to_dict() for s in sources]}
        if answer is not None:
            payload = {"answer": answer, **payload}
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    if not sources:
        print("No relevant passages found in your documents.")
    else:
        print("\nSources:")
        for n, s in enumerate(sources, 1):
            print(f"  [{n}] {s.filename}, p. {s.page}: {s.snippet}")
    return 0


def cmd_docs(services: Services, args: argparse.Namespace) -> int:
    documents = list_documents(services)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "doc_id": d.doc_id,
                        "filename": d.filename,
                        "pages": d.pages,
                        "chunks": d.chunks,
                        "created_at": d.created_at.isoformat(),
                    }
                    for d in documents
                ],
                ensure_ascii=False,
            )
        )
    elif not documents:
        print("Your library is empty. Add PDFs with: python -m rag ingest FILE.pdf")
    else:
        for d in documents:
            added = f"{d.created_at:%Y-%m-%d %H:%M}"
            print(f"{d.doc_id[:12]}  {d.pages:>5} pages  {d.chunks:>6} chunks  {added}  {d.filename}")
    return 0


def cmd_delete(services: Services, args: argparse.Namespace) -> int:
    document = delete_document(services, args.doc_id)
    if args.json:
        print(json.dumps({"doc_id": document.doc_id, "filename": document.filename, "status": "deleted"}))
    else:
        print(f"Deleted {document.filename} ({document.doc_id[:12]}).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="DocChat: chat with your PDFs.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add PDF files, or every PDF in folders, to the library")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="ask a question about your documents")
    p.add_argument("question")
    p.add_argument("--retrieve-only", action="store_true", help="skip the language model; print the sources")
    p.add_argument("--doc", action="append", metavar="DOC_ID", help="only search this document (repeatable)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("docs", help="list the documents in the library")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("delete", help="remove a document, its passages and its file")
    p.add_argument("doc_id", metavar="DOC_ID", help="the document id, or its first characters")
    p.set_defaults(func=cmd_delete)

    for name in ("ingest", "ask", "docs", "delete"):
        sub.choices[name].add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "question", None) is not None and not args.question.strip():
        print("error: the question is empty.", file=sys.stderr)
        return 2
    try:
        services = open_services(Settings())
    except ValidationError as exc:
        print(f"error: invalid configuration: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if not services.settings.qdrant_url:
            purge_incomplete(services)
        return args.func(services, args)
    except (UnknownDocumentError, LLMError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        services.close()
