"""Suggested questions: does each one shown lead to its own section, and never to "not found"?

    .venv/bin/python bench/suggestions.py [--quick]

Indexes the five manuals of the first question sets (bench/common.py FIRST_FIVE; --quick: ../shared/corpus),
then collects the suggestions shown for an empty chat over all documents, for each document alone, and under the
answers to a few questions of bench/qa/manuals.jsonl (near the pages they cite, as the chat shows them). Each
suggestion is then checked again on its own: retrieved afresh, is a page of its section at rank 1-3? And asked
through the full chat (the conversation it would follow included), is the answer "not found"?
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from common import CORPUS, ROOT, SHARED, first_five, table
from langchain_core.messages import AIMessage, HumanMessage

from rag.answering.pipeline import draft_answer
from rag.answering.retrieval import make_retriever
from rag.answering.search import retrieve
from rag.answering.sources import to_sources
from rag.answering.suggestions import Suggestion, suggestions
from rag.config import Settings
from rag.indexing.ingest import ingest_path
from rag.indexing.library_cards import document_cards
from rag.records.library import unsearchable_ids
from rag.services import Services
from rag.usecases.startup import open_services

QA = ROOT / "bench" / "qa" / "manuals.jsonl"
NEAR_QUESTIONS = 2  # per document: the answers whose cited pages the suggestions are drawn near


RETRIEVAL_TIMES: list[float] = []  # of the re-checks: what one retrieval costs on this machine, in this run


def own_section_rank(services: Services, s: Suggestion, scope: list[str] | None) -> int | None:
    """The rank of the first page of the suggestion's section, from a fresh retriever and the card's outline
    (not the suggestion's own page range), or None."""
    card = document_cards(services, [s.doc_id])[s.doc_id]
    ranges = [card.section_pages(e) for e in card.outline if e.title == s.section] or [s.pages]
    retriever = make_retriever(services, scope, unsearchable_ids(services))
    start = time.perf_counter()
    docs = retriever.invoke(s.question)
    RETRIEVAL_TIMES.append(time.perf_counter() - start)
    for rank, d in enumerate(docs, 1):
        if d.metadata["doc_id"] == s.doc_id and any(d.metadata["page"] in r for r in ranges):
            return rank
    return None


def says_not_found(services: Services, question: str, scope: list[str] | None, turn: tuple | None) -> bool:
    """The chat's answer, as the user would get it: after the turn it follows, when there is one."""
    history, cited = [], []
    if turn:
        previous, answer_text, cited = turn
        history = [HumanMessage(previous), AIMessage(answer_text)]
    # "Not found" is decided before the model is asked: its stream is never started.
    answer = draft_answer(services, question, history, scope, cited)
    return answer.mode == "not_found" or not answer.sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the small PDFs of ../shared/corpus")
    args = parser.parse_args()
    corpus = SHARED if args.quick else CORPUS
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(Settings(_env_file=None, storage_dir=Path(tmp)))
        try:
            ids = {}
            for pdf in first_five(corpus):
                result = ingest_path(services, pdf)
                if result.status == "failed":
                    raise SystemExit(f"{pdf.name}: {result.error}")
                ids[pdf.name] = result.doc_id
            services.store.optimize()
            rows, shown = run(services, ids)
        finally:
            services.close()
    for scenario, s, rank, not_found in shown:
        mark = "ok " if rank and rank <= 3 and not not_found else "BAD"
        print(f"{mark} [{scenario}] {s.question}  <- {s.section} pp.{s.pages.start}-{s.pages[-1]} (rank {rank})")
    table(
        "Suggested questions: own section at rank 1-3 (target 100%), answered 'not found' (target 0%); "
        f"one retrieval took {1000 * statistics.mean(RETRIEVAL_TIMES):.0f} ms in this run",
        ["scenario", "calls", "suggestions", "own section top 3", "not found", "ms per call"],
        rows,
    )


def run(services: Services, ids: dict[str, str]) -> tuple[list[list], list[tuple]]:
    calls: list[tuple[str, list[str] | None, list, list[str], tuple | None]] = [("empty chat, all", None, [], [], None)]
    calls += [(f"one document: {name}", [doc_id], [], [], None) for name, doc_id in ids.items()]
    items = [json.loads(line) for line in QA.read_text().splitlines() if line.strip()]
    for name in ids:
        for item in [i for i in items if i["doc"] == name and not i.get("history")][:NEAR_QUESTIONS]:
            # The quotes stand in for the answer's text: the local chat shows them first, and its follow-up
            # search reads only the previous question.
            answer = draft_answer(services, item["question"])
            sources = answer.sources or to_sources(retrieve(services, item["question"])[1])
            text = " ".join(q.text for q in answer.quotes)
            turn = (item["question"], text, list(dict.fromkeys(s.doc_id for s in sources)))
            calls.append(("near the cited pages", None, sources, [item["question"]], turn))
    make_retriever(services).invoke("warm up")  # the first search loads what a running app has loaded already
    records = []  # (scenario, seconds for the call, [(suggestion, rank, not found)])
    for scenario, scope, near, asked, turn in calls:
        start = time.perf_counter()
        found = suggestions(services, scope, near=near, asked=asked)
        elapsed = time.perf_counter() - start
        checked = [
            (s, own_section_rank(services, s, scope), says_not_found(services, s.question, scope, turn)) for s in found
        ]
        records.append((scenario, elapsed, checked))
    labels = dict.fromkeys(r[0].split(":")[0] for r in records)
    rows = [row(label, [r for r in records if r[0].startswith(label)]) for label in labels]
    return [*rows, row("all", records)], [(r[0], *c) for r in records for c in r[2]]


def row(label: str, records: list[tuple]) -> list:
    checked = [c for r in records for c in r[2]]
    top3 = sum(1 for _, rank, _ in checked if rank and rank <= 3) / max(1, len(checked))
    not_found = sum(1 for *_, nf in checked if nf) / max(1, len(checked))
    ms = 1000 * statistics.mean(r[1] for r in records)
    return [label, len(records), len(checked), f"{top3:.0%}", f"{not_found:.0%}", ms]


if __name__ == "__main__":
    main()
