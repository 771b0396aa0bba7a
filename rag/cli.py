"""Command line: the same service functions the UI uses. `python -m rag --help`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from rag.chain import retrieve
from rag.chat import ask_in_conversation
from rag.cli_print import print_json, print_sources, print_turn
from rag.config import load_settings
from rag.errors import DocChatError
from rag.ingest import ingest_path
from rag.library import delete_document, index_new_passages, list_documents, purge_incomplete
from rag.services import Services, open_services
from rag.sources import to_sources
from rag.transcripts import (
    create_conversation,
    export_markdown,
    get_conversation,
    history,
    list_conversations,
)


def _fields(record: object, *names: str) -> dict:
    values = {name: getattr(record, name) for name in names}
    return {name: v.isoformat() if isinstance(v, datetime) else v for name, v in values.items()}


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
            print_json(result)
        elif result["status"] == "indexed":
            print(
                f"indexed    {path}  ({result['pages']} pages, {result['chunks']} chunks, id {result['doc_id'][:12]})"
            )
        elif result["status"] == "duplicate":
            print(f"duplicate  {path}  {result['error']}")
        else:
            print(f"failed     {path}  {result['error']}")
    index_new_passages(services)
    return 1 if failed else 0


def cmd_ask(services: Services, args: argparse.Namespace) -> int:
    conversation = get_conversation(services, args.conversation) if args.conversation else None
    if args.retrieve_only:
        past = history(services, conversation.id, services.settings.history_turns) if conversation else []
        standalone, docs = retrieve(services, args.question, past, doc_ids=args.doc)
        if args.json:
            print_json({"standalone_question": standalone, "sources": [s.to_dict() for s in to_sources(docs)]})
        else:
            print_sources(to_sources(docs))
        return 0

    conversation_id = conversation.id if conversation else create_conversation(services, args.doc or ()).id
    turn = ask_in_conversation(services, conversation_id, args.question, args.doc or ())
    try:
        return print_turn(turn, args)
    except KeyboardInterrupt:
        turn.close()
        print("\n(interrupted: the answer so far is saved in the conversation)", file=sys.stderr)
        return 130
    finally:
        turn.close()  # whatever stopped the printing, the model's stream ends now and the answer is stored


def cmd_conversations(services: Services, args: argparse.Namespace) -> int:
    conversations = list_conversations(services)
    if args.json:
        print_json([_fields(c, "id", "title", "created_at", "updated_at") for c in conversations])
    elif not conversations:
        print('No conversations yet. Start one with: python -m rag ask "QUESTION"')
    else:
        for c in conversations:
            print(f"{c.id[:8]}  {c.updated_at:%Y-%m-%d %H:%M}  {c.title}")
    return 0


def cmd_export(services: Services, args: argparse.Namespace) -> int:
    conversation = get_conversation(services, args.conversation_id)
    library = {d.doc_id for d in list_documents(services)}
    print(export_markdown(services, conversation.id, library))
    return 0


def cmd_docs(services: Services, args: argparse.Namespace) -> int:
    documents = list_documents(services)
    if args.json:
        print_json([_fields(d, "doc_id", "filename", "pages", "chunks", "created_at") for d in documents])
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
        print_json({"doc_id": document.doc_id, "filename": document.filename, "status": "deleted"})
    else:
        print(f"Deleted {document.filename} ({document.doc_id[:12]}).")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from rag.evaluation import KS, evaluate

    corpus = (
        Path(args.corpus)
        if args.corpus
        else next((p for p in (Path("bench/corpus"), Path("../shared/corpus")) if p.is_dir()), Path("."))
    )
    report = evaluate(Path(args.qa), corpus, baseline=not args.no_baseline)
    if args.json:
        print_json(report)
        return 0
    columns = [f"recall@{k}" for k in KS] + ["MRR@5", "MRR@10"]
    print(f"{'retriever':<10}" + "".join(f"{c:>11}" for c in columns) + f"{'questions':>11}")
    for name, row in report.items():
        print(f"{name:<10}" + "".join(f"{row[c]:>11.3f}" for c in columns) + f"{int(row['questions']):>11}")
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from rag.reindex import reindex

    def progress(name: str, position: int, total: int) -> None:
        if not args.json:
            print(f"[{position}/{total}] {name}", flush=True)

    result = reindex(load_settings(), progress)
    if args.json:
        print_json({"documents": result.documents, "chunks": result.chunks, "failed": result.failed})
    else:
        print(f"Re-embedded {result.documents} document(s), {result.chunks} passages.")
        for name, reason in result.failed.items():
            print(f"failed     {name}  {reason}")
    return 1 if result.failed else 0


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
    p.add_argument("--conversation", metavar="ID", help="continue a stored conversation (id or its first characters)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("conversations", help="list the stored conversations")
    p.set_defaults(func=cmd_conversations)

    p = sub.add_parser("export", help="print a conversation as Markdown")
    p.add_argument("conversation_id", metavar="ID")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("docs", help="list the documents in the library")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("delete", help="remove a document, its passages and its file")
    p.add_argument("doc_id", metavar="DOC_ID", help="the document id, or its first characters")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("eval", help="page-level retrieval quality on a JSONL question set, beside the baseline")
    p.add_argument("qa", metavar="QA.jsonl")
    p.add_argument("--corpus", metavar="DIR", help="where the PDFs named in the set are (default: bench/corpus)")
    p.add_argument("--no-baseline", action="store_true", help="skip the textbook LangChain baseline")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("reindex", help="embed every document again, e.g. after changing the embedding model")
    p.set_defaults(func=cmd_reindex)

    for name in ("ingest", "ask", "docs", "delete", "conversations", "eval", "reindex"):
        sub.choices[name].add_argument("--json", action="store_true", help="machine-readable output")
    return parser


# Commands that need only the database: they work while another process (the app) holds the embedded store.
READ_ONLY = frozenset({"docs", "conversations", "export"})


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "question", None) is not None and not args.question.strip():
        print("error: the question is empty.", file=sys.stderr)
        return 2
    try:
        return _run(args)
    except DocChatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader left (`… | head`): say nothing more, and keep Python from failing to flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _run(args: argparse.Namespace) -> int:
    if args.command == "eval":
        # Evaluation builds its own throwaway libraries, so it never touches (or locks) the user's.
        from rag.evaluation import QAFileError

        try:
            return cmd_eval(args)
        except (QAFileError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if args.command == "reindex":
        # It must open a store whose recorded model no longer matches, so it opens everything itself.
        return cmd_reindex(args)
    needs_store = args.command not in READ_ONLY
    services = open_services(load_settings(), store=needs_store)
    try:
        if needs_store:
            purge_incomplete(services)
        return args.func(services, args)
    finally:
        services.close()
