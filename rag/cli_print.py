"""What the command line prints: JSON lines for scripts, or an answer as a person reads it."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from rag.schemas import Source
from rag.usecases import DOUBT, Turn, quotes_markdown


def print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)


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
        print(f"\n{DOUBT}")
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
        print(f"  [{n}] {s.filename}, p. {s.page}: {s.snippet}")
