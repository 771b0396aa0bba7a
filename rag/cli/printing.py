"""What the command line prints: JSON lines for scripts, or an answer as a person reads it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rag.presentation import DOUBT, answer_of, cited_at, counted_units, quotes_markdown, words_of
from rag.schemas import ConversationPublic, DocumentPublic, IngestResult, Source, Turn


def print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)


def print_ingested(path: Path, result: IngestResult, as_json: bool) -> None:
    if as_json:
        print_json({**result.model_dump(), "file": str(path)})
    elif result.status == "indexed":
        doc_id = (result.doc_id or "")[:12]
        ocr = f"; {result.ocr_note}" if result.ocr_note else ""
        units = counted_units(result.file, result.pages or 0)
        print(f"indexed    {path}  ({units}, {result.chunks} chunks, id {doc_id}{ocr})", flush=True)
        if result.language_note:
            print(f"           {result.language_note}", flush=True)
    elif result.status == "queued":
        units = counted_units(result.file, result.pages or 0)
        print(f"queued     {path}  ({units}, id {(result.doc_id or '')[:12]})", flush=True)
    else:
        print(f"{result.status:<10} {path}  {result.error}", flush=True)


def print_documents(documents: Sequence[DocumentPublic], as_json: bool) -> None:
    if as_json:
        print_json([{"doc_id": d.id, "chunks": d.passages, **d.model_dump(mode="json")} for d in documents])
    elif not documents:
        print("Your library is empty. Add documents with: python -m rag ingest FILE.pdf (or a folder)")
    else:
        for d in documents:
            added = f"{d.created_at:%Y-%m-%d %H:%M}"
            ocr = f"  ({d.ocr_note})" if d.ocr_note else ""
            print(f"{d.id[:12]}  {d.pages:>5} pages  {d.passages:>6} chunks  {added}  {d.filename}{ocr}")
            if d.language_note:
                print(f"{'':12}  {d.language_note}")


def print_conversations(conversations: Sequence[ConversationPublic], as_json: bool) -> None:
    if as_json:
        fields = {"id", "title", "created_at", "updated_at"}
        print_json([c.model_dump(mode="json", include=fields) for c in conversations])
    elif not conversations:
        print('No conversations yet. Start one with: python -m rag ask "QUESTION"')
    else:
        for c in conversations:
            print(f"{c.id[:8]}  {c.updated_at:%Y-%m-%d %H:%M}  {c.title}")


def print_deleted(document: DocumentPublic, as_json: bool) -> None:
    if as_json:
        print_json({"doc_id": document.id, "filename": document.filename, "status": "deleted"})
    else:
        print(f"Deleted {document.filename} ({document.id[:12]}).")


def print_answer(turn: Turn, args: argparse.Namespace) -> int:
    """Prints an answer as it streams (or, with --json, once finished). Whatever stops the printing, the turn is
    closed: its stream ends now and the answer so far is stored."""
    try:
        if args.json:
            print_json(answer_of(turn, args.question).model_dump(mode="json"))
            return 0
        return print_turn(turn, args)
    except KeyboardInterrupt:
        turn.close()
        print("\n(interrupted: the answer so far is saved in the conversation)", file=sys.stderr)
        return 130
    finally:
        turn.close()


def print_turn(turn: Turn, args: argparse.Namespace) -> int:
    conversation_id = turn.conversation_id
    if turn.standalone_question != args.question:
        print(f"(searched for: {turn.standalone_question})\n")
    if turn.quotes_first:
        print(quotes_markdown(turn.quotes), flush=True)
    printed = False
    for token in turn.tokens:
        if turn.quotes_first and not printed:
            print("\nThe model's short answer, checked against these passages:")
        printed = True
        print(token, end="", flush=True)
    print()
    if turn.doubtful:
        print(f"\n{words_of(args.question)(DOUBT)}")
    unsupported = [c.text for c in turn.grounding if c.supported is False and turn.mode != "quotes"]
    if unsupported:
        print("\nNot found in your documents (check these against the sources):")
        for sentence in unsupported:
            print(f"  ? {sentence}")
    print_sources(turn.sources)
    if turn.suggestions:
        print("\nYou could also ask:")
        for suggestion in turn.suggestions:
            print(f"  - {suggestion}")
    print(f"\nConversation {conversation_id[:8]}: continue it with --conversation {conversation_id[:8]}")
    return 0


def print_sources(sources: Sequence[Source]) -> None:
    if not sources:
        print("No relevant passages found in your documents.")
        return
    print("\nSources:")
    for n, s in enumerate(sources, 1):
        ocr = " (scan, read by OCR)" if s.ocr else ""
        print(f"  [{n}] {s.filename}, {cited_at(s)}{ocr}: {s.snippet}")
