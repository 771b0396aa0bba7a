"""Command line: the same service functions the UI uses. `python -m rag --help`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from rag.cli import accounts as account_commands
from rag.cli import jobs as job_commands
from rag.cli import remote
from rag.cli.printing import (
    print_answer,
    print_conversations,
    print_deleted,
    print_documents,
    print_ingested,
    print_json,
    print_sources,
)
from rag.config import load_settings, secret
from rag.errors import DocChatError, SignInError, StoreBusyError
from rag.usecases import accounts, asking, conversations, documents, jobs, startup
from rag.usecases.startup import Services


def cmd_ingest(services: Services, args: argparse.Namespace) -> int:
    failed = False
    paths = list(documents.document_files(args.paths))
    add = jobs.queue_files if args.queue else documents.add_files
    for path, result in zip(paths, add(services, paths, caller=args.caller), strict=True):
        failed |= result.status == "failed"
        print_ingested(path, result, args.json)
    if args.queue and not args.json and services.settings.celery_broker_url is None:
        print("(queued: the running app indexes them, or the next one to start; `python -m rag jobs` follows them)")
    return 1 if failed else 0


def cmd_ask(services: Services, args: argparse.Namespace) -> int:
    if args.retrieve_only:
        found = asking.retrieve_only(services, args.question, args.conversation, args.doc, caller=args.caller)
        if args.json:
            print_json(found.model_dump(mode="json"))
        else:
            print_sources(found.sources)
        return 0
    return print_answer(asking.ask(services, args.question, args.conversation, args.doc, caller=args.caller), args)


def cmd_conversations(services: Services, args: argparse.Namespace) -> int:
    print_conversations(conversations.list_conversations(services, caller=args.caller), args.json)
    return 0


def cmd_export(services: Services, args: argparse.Namespace) -> int:
    print(conversations.export_conversation(services, args.conversation_id, caller=args.caller))
    return 0


def cmd_docs(services: Services, args: argparse.Namespace) -> int:
    print_documents(documents.list_documents(services, caller=args.caller), args.json)
    return 0


def cmd_delete(services: Services, args: argparse.Namespace) -> int:
    print_deleted(documents.delete_document(services, args.doc_id, caller=args.caller), args.json)
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    def progress(name: str, position: int, total: int) -> None:
        if not args.json:
            print(f"[{position}/{total}] {name}", flush=True)

    result = documents.reindex_library(load_settings(), progress, args.model)
    if args.json:
        print_json({"documents": result.documents, "chunks": result.chunks, "failed": result.failed})
    else:
        print(f"Re-embedded {result.documents} document(s), {result.chunks} passages.")
        for name, reason in result.failed.items():
            print(f"failed     {name}  {reason}")
    return 1 if result.failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="DocChat: chat with your documents.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "ingest",
        help="add files (PDF, Word, PowerPoint, Excel, web pages, text, e-mail, pictures), or every such file in "
        "folders",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--queue",
        action="store_true",
        help="record each file and hand it to the workers (or the running app), returning at once; "
        "`python -m rag jobs` follows them",
    )
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

    p = sub.add_parser("reindex", help="embed every document again, e.g. after changing the embedding model")
    p.add_argument(
        "--model",
        choices=("minilm", "multilingual"),
        help="embed with this local model from now on: multilingual searches documents in other languages "
        "than English; minilm (English) is faster",
    )
    p.set_defaults(func=cmd_reindex)

    for name in ("ingest", "ask", "docs", "delete", "conversations", "reindex"):
        sub.choices[name].add_argument("--json", action="store_true", help="machine-readable output")
    for name in ("ingest", "ask", "docs", "delete", "conversations", "export"):
        sub.choices[name].add_argument(
            "--workspace", metavar="NAME", help="act in this workspace (its name or id); default: your personal one"
        )
    account_commands.add_parsers(sub)
    job_commands.add_parser(sub)
    return parser


# Commands that need only the database: they work while another process (the app) holds the embedded store.
READ_ONLY = frozenset({"docs", "conversations", "export", "users", "keys", "workspaces", "audit", "jobs"})


def _caller(services: Services, args: argparse.Namespace) -> accounts.Caller:
    """Who the command acts as: the user of DOCCHAT_API_KEY, or without accounts the owner."""
    key = secret(services.settings.docchat_api_key)
    if key:
        return accounts.caller_for_key(services, key, args.workspace, "cli")
    if services.settings.auth_mode != "none":
        raise SignInError(
            f"Accounts are on (AUTH_MODE={services.settings.auth_mode}): set DOCCHAT_API_KEY to one of your API "
            "keys (`python -m rag keys create NAME` makes one) to act as your user."
        )
    return accounts.local_caller(services, args.workspace)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
    if args.command == "reindex":
        # It must open a store whose recorded model no longer matches, so it opens everything itself.
        return cmd_reindex(args)
    settings = load_settings()
    # `ingest --queue` only records files and sends their jobs: the workers, or the running app, index them.
    needs_store = args.command not in READ_ONLY and not getattr(args, "queue", False)
    # A running app on this STORAGE_DIR holds the store: work through its API rather than be refused. Asked
    # first, so the models are not loaded for nothing; asked again if the store turns out busy (the app may
    # have started meanwhile). Read-only commands need no store, so they keep using the database directly.
    address = startup.running_app(settings) if needs_store else None
    if address is None:
        try:
            services = startup.open_services(settings, store=needs_store)
        except StoreBusyError:
            address = startup.running_app(settings)
            if address is None:
                raise
        else:
            try:
                if not getattr(args, "accounts", False):
                    args.caller = _caller(services, args)
                return args.func(services, args)
            finally:
                services.close()
    print(f"(working through the running app at {address})", file=sys.stderr)
    files = list(documents.document_files(args.paths)) if args.command == "ingest" else []
    return remote.run(address, settings, args, files)
