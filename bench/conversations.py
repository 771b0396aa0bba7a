"""Conversations with changes of topic: is each question taken as a follow-up only when it is one, and does the
search then find its page? On bench/qa/conversations-dev.jsonl (tuned on) and conversations-heldout.jsonl (only
ever reported), written blind from the PDFs (bench/qa/README.md).

    .venv/bin/python bench/conversations.py [--decision-only | --quick]

Per split: how often a real follow-up is joined to the previous question, and how often a question that stands
alone (a change of topic, or a new question on the same document) is searched alone, by its wording alone
(rag/answering/followups.py) and as the search decides (the wording, or a join that meets the question far
better); then, over the turns after the first, page hit@5 and the key fact in the quotes, searching as the chat did
before (every turn joined to the previous question) and as it does now (decided per question). The earlier turns
are the gold questions, each with the quotes its search found as the answer, as the chat stores them. The retrieval
part indexes the documents the conversations name, from bench/corpus/ (bench/corpus.sh). Figures only, never a
pass/fail.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import CORPUS, ROOT, table
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from rag.answering import followups, search
from rag.answering.quotes import extract_quotes
from rag.answering.search import retrieve
from rag.config import Settings
from rag.indexing.ingest import ingest_path
from rag.usecases.startup import open_services

QA = ROOT / "bench" / "qa"
SPLITS = {"dev": "conversations-dev.jsonl", "held out": "conversations-heldout.jsonl"}


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (QA / name).read_text().splitlines() if line.strip()]


def decisions(conversations: list[dict], joined_turns: set[tuple[str, int]] | None = None) -> tuple[int, int, int, int]:
    """(follow-ups joined, follow-ups, standalone turns searched alone, standalone turns), turns after the first.
    `joined_turns`: (conversation, turn) the search joined; by default, those the wording alone would join."""
    joined = follow = alone = standalone = 0
    for conversation in conversations:
        for n, turn in enumerate(conversation["turns"][1:], 1):
            if joined_turns is None:
                decided = followups.depends_on_conversation(turn["question"])
            else:
                decided = (conversation["id"], n) in joined_turns
            if turn["follow_up"]:
                follow, joined = follow + 1, joined + decided
            else:
                standalone, alone = standalone + 1, alone + (not decided)
    return joined, follow, alone, standalone


def _share(hit: int, n: int) -> str:
    return f"{hit}/{n} = {hit / n:.2f}" if n else "-"


def searched(
    services, conversations: list[dict], decide: bool, joined_turns: set | None = None
) -> dict[str, tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    """Per kind of turn (follow-up, standalone): (page hit@5, key fact in the quotes, turns). The turns the search
    joined to the previous question are added to `joined_turns`."""
    # Before: every turn after the first was joined to the previous question.
    decided = followups.depends_on_conversation if decide else (lambda question: True)
    kept, search.depends_on_conversation = search.depends_on_conversation, decided
    try:
        found: dict[str, list[int]] = {"follow-up": [0, 0, 0], "standalone": [0, 0, 0]}
        for conversation in conversations:
            history: list[BaseMessage] = []
            for n, turn in enumerate(conversation["turns"]):
                question, docs = retrieve(services, turn["question"], history)
                if n and joined_turns is not None and question != turn["question"]:
                    joined_turns.add((conversation["id"], n))
                quotes = extract_quotes(question, docs, services.embedding.embeddings)
                if n:
                    row = found["follow-up" if turn["follow_up"] else "standalone"]
                    pages = {(d.metadata["filename"], d.metadata["page"]) for d in docs[:5]}
                    row[0] += any((turn["doc"], p) in pages for p in turn["pages"])
                    row[1] += any(turn["fact"].lower() in q.text.lower() for q in quotes)
                    row[2] += 1
                history += [HumanMessage(turn["question"]), AIMessage(" ".join(q.text for q in quotes))]
        return {kind: (h, f, n) for kind, (h, f, n) in found.items()}
    finally:
        search.depends_on_conversation = kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--decision-only", "--quick", action="store_true", help="the follow-up decision alone, no search"
    )
    args = parser.parse_args()
    splits = {split: load(name) for split, name in SPLITS.items()}
    rows = []
    for split, conversations in splits.items():
        joined, follow, alone, standalone = decisions(conversations)
        rows.append((split, "the wording alone", _share(joined, follow), _share(alone, standalone)))
    heads = ("split", "decided by", "follow-ups joined", "standalone turns searched alone")
    if args.decision_only:
        table("The follow-up decision", heads, rows)
        return
    names = sorted({t["doc"] for c in (c for cs in splits.values() for c in cs) for t in c["turns"]})
    with tempfile.TemporaryDirectory() as tmp:
        # The local model's capabilities: no rewrites, so the decision is what the chat uses.
        services = open_services(Settings(_env_file=None, storage_dir=Path(tmp)))
        try:
            for name in names:
                ingest_path(services, CORPUS / name)
            services.store.optimize()
            found_rows = []
            for split, conversations in splits.items():
                for label, decide in (("every turn joined (before)", False), ("decided per question", True)):
                    joined_turns: set[tuple[str, int]] = set()
                    found = searched(services, conversations, decide, joined_turns)
                    for kind, (hit, fact, n) in found.items():
                        found_rows.append((split, label, kind, _share(hit, n), _share(fact, n)))
                    if decide:
                        joined, follow, alone, standalone = decisions(conversations, joined_turns)
                        rows.append((split, "the search", _share(joined, follow), _share(alone, standalone)))
            table("The follow-up decision", heads, sorted(rows))
            table(
                "Turns after the first: page hit@5 and the key fact in the quotes",
                ("split", "search", "turn", "page hit@5", "key fact in quotes"),
                found_rows,
            )
        finally:
            services.close()


if __name__ == "__main__":
    main()
