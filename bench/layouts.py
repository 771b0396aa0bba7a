"""Documents as people write them (issue 31): papers with tables, two-column articles, slide decks, licences and
standards, not manuals. Page recall and the key fact in what the user reads first, per kind of question.

    bash bench/layout-corpus.sh                  # the 23 PDFs, into bench/corpus-layout/ (git-ignored)
    .venv/bin/python bench/layouts.py [--model] [--split dev|held out] [--quick]

The questions (bench/qa/layout-{dev,heldout}.jsonl) were written blind from the PDFs, split by document; each is
marked with its kind: prose, table cell, two-column, slide, caption, follow-up, unanswerable. Every PDF is indexed
in one throwaway library, and each question is asked as the chat asks it (rag/answering/pipeline.draft_answer):
- without --model, with quotes alone (ANSWER_MODE=quotes): no model is needed, so a change is measured in minutes;
- with --model, the local default (quotes first, then SmolLM2's answer if the check passes), as bench/answers.py
  measures it: "not found" then also counts the caution shown under weak quotes.
Recall@k: a gold page among the first k sources. Key fact: its literal text in what the user reads (the quotes, and
the model's answer when it is shown). Ingestion speed is reported for the set's PDFs.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from common import ROOT, SHARED, jsonl, share, table
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from rag.answering.pipeline import draft_answer
from rag.answering.search import retrieve
from rag.config import Settings
from rag.indexing.ingest import ingest_path
from rag.presentation import quotes_markdown
from rag.services import Services
from rag.text import flat
from rag.usecases.startup import open_services

CORPUS = ROOT / "bench" / "corpus-layout"
QA = ROOT / "bench" / "qa"
SPLITS = {"dev": QA / "layout-dev.jsonl", "held out": QA / "layout-heldout.jsonl"}
KINDS = ("prose", "table cell", "two-column", "slide", "caption", "follow-up")


@dataclass
class Outcome:
    split: str
    kind: str
    rank: int | None  # 1-based rank of the first gold page among the sources; None: not among them
    fact: bool
    not_found: bool
    item: dict
    read: str  # what the user reads first


def _history(item: dict) -> list[BaseMessage]:
    return [
        HumanMessage(m["content"]) if m["role"] == "user" else AIMessage(m["content"]) for m in item.get("history", [])
    ]


def ask(services: Services, item: dict, split: str, with_model: bool) -> Outcome:
    history = _history(item)
    previous: list[str] = []
    if history:  # the documents the previous answer cited, as the chat passes them
        previous = list(dict.fromkeys(d.metadata["doc_id"] for d in retrieve(services, history[0].content)[1]))
    if with_model:
        from answers import answer, shown  # bench/answers.py: the model's answer, checked and shown as the chat does
        from scoring import QAItem

        history_pairs = tuple((m["role"], m["content"]) for m in item.get("history", []))
        qa = QAItem(item["question"], item["doc"], tuple(item.get("pages", ())), history_pairs)
        run = answer(services, item["question"], qa, None)
        text, not_found, _ = shown(run, "quotes_first")
        sources = [(d.metadata["filename"], d.metadata["page"]) for d in run.docs]
    else:
        draft = draft_answer(services, item["question"], history, None, previous, strategy="quotes")
        not_found = draft.mode == "not_found"
        text = "" if not_found else quotes_markdown(draft.quotes)
        sources = [(s.filename, s.page) for s in draft.sources]
    rank = next(
        (n for n, (name, page) in enumerate(sources, 1) if name == item.get("doc") and page in item.get("pages", ())),
        None,
    )
    fact = bool(item.get("fact")) and re.search(re.escape(flat(item["fact"])), flat(text), re.I) is not None
    return Outcome(split, item.get("kind", "prose"), rank, fact, not_found, item, text)


def report(outcomes: list[Outcome]) -> None:
    rows = []
    for split in SPLITS:
        mine = [o for o in outcomes if o.split == split]
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in mine:
            groups[o.kind].append(o)
        answerable = [o for o in mine if o.kind != "unanswerable"]
        for kind in (*KINDS, "all answerable"):
            group = answerable if kind == "all answerable" else groups.get(kind, [])
            if not group:
                continue
            rows.append(
                [
                    split,
                    kind,
                    len(group),
                    share([o.rank == 1 for o in group]),
                    share([o.rank is not None and o.rank <= 5 for o in group]),
                    share([o.fact for o in group]),
                    share([o.not_found for o in group]),
                ]
            )
        unanswerable = groups.get("unanswerable", [])
        if unanswerable:
            rows.append(
                [split, "unanswerable", len(unanswerable), "", "", "", share([o.not_found for o in unanswerable])]
            )
    table(
        'Per kind: page recall, the key fact in what is read first, and "not found"',
        ["split", "kind", "n", "recall@1", "recall@5", "key fact", "not found"],
        rows,
    )


def write_misses(path: Path, outcomes: list[Outcome]) -> None:
    """What was read first instead of the key fact, question by question: read on dev only, to choose changes."""
    with path.open("w") as out:
        for o in outcomes:
            if o.kind != "unanswerable" and not o.fact:
                item = o.item
                out.write(f"## [{o.split} / {o.kind}] {item['doc']} p{item.get('pages')} rank {o.rank}\n")
                out.write(f"Q: {item['question']}\nfact: {item.get('fact')}\n{o.read[:600]}\n\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="store_true", help="the local default with SmolLM2 (slow)")
    parser.add_argument("--split", choices=list(SPLITS), help="one split only")
    parser.add_argument("--quick", action="store_true", help="a smoke test: three questions on ../shared/corpus")
    parser.add_argument("--misses", metavar="FILE", help="write each answerable question whose key fact was not read")
    parser.add_argument(
        "--library", metavar="DIR", help="keep the library in DIR and reuse it (a change to reading needs a new one)"
    )
    args = parser.parse_args()
    pdfs = sorted((SHARED if args.quick else CORPUS).glob("*.pdf"))
    if not pdfs:
        raise SystemExit("No layout corpus: run bash bench/layout-corpus.sh first.")
    splits = {args.split: SPLITS[args.split]} if args.split else SPLITS
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(Settings(_env_file=None, storage_dir=Path(args.library or tmp)))
        try:
            started, pages = time.perf_counter(), 0
            for pdf in pdfs:
                result = ingest_path(services, pdf)
                if result.status not in ("indexed", "duplicate"):
                    print(f"({pdf.name}: {result.status} {result.error or ''})")
                pages += result.pages if result.status == "indexed" else 0
            seconds = time.perf_counter() - started
            services.store.optimize()
            if pages:
                print(f"(indexed {len(pdfs)} PDFs, {pages} pages, in {seconds:.0f} s: {pages / seconds:.1f} pages/s)")
            outcomes = []
            for split, path in splits.items():
                items = jsonl(path)
                if args.quick:  # two of the manuals' questions on the shared PDFs, and one they cannot answer
                    items = [i for i in jsonl(QA / "manuals.jsonl") if (SHARED / i["doc"]).is_file()][:2]
                    items += [{**jsonl(QA / "unanswerable.jsonl")[1], "kind": "unanswerable"}]
                    for item in items:
                        item.setdefault("fact", None)
                outcomes += [ask(services, item, split, args.model) for item in items]
                if args.quick:
                    break
            report(outcomes)
            if args.misses:
                write_misses(Path(args.misses), outcomes)
        finally:
            services.close()


if __name__ == "__main__":
    main()
