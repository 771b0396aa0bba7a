"""Telling "the documents don't say" from the quotes alone: how often an unanswerable question is told so, and how
often an answerable one is wrongly told so, before any model has written a word.

    .venv/bin/python bench/refusals.py [--cached] [--library DIR]

The questions near a document's topic whose fact it does not hold are the hard case (bench/qa/nearby-unanswerable-*,
written blind from the PDFs): the search finds the right chapter and the quotes read like an answer. Each question is
answered as the chat answers with quotes first (rag/answering/pipeline.draft_answer, the model not asked): "not
found" is then the gates of rag/answering/gates.py (nothing relevant, a name no document mentions, no sentence close
enough, a duration or a date asked for that no passage holds). A rule on the quotes themselves was tried and
dropped: a question asking for a quantity (how many, how big, a limit, a version) whose quotes state no number
beside what it asks about refused 1 more of 27 dev unanswerable questions and 1 more of 97 answerable ones; the
numbers it found were page furniture ("Chapter 15: Parameters 91"), section numbers and versions.
Dev sets (rules chosen on these): nearby-unanswerable-dev, unseen-unanswerable-dev
and unanswerable.jsonl for "not found"; unseen-dev and manuals.jsonl for the answerable. Held out, only ever
reported: their -heldout twins and heldout.jsonl. The first five manuals' sets are asked of those five alone, the
others of the eleven manuals they were written on (bench/corpus.sh), as their README says. --cached reuses the
answers of the last run (bench/.cache/), so a rule can be re-measured in a second.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import CORPUS, FIRST_FIVE, ROOT, table

from rag.answering.pipeline import draft_answer
from rag.config import Settings
from rag.indexing.ingest import ingest_path
from rag.usecases.startup import open_services

QA = ROOT / "bench" / "qa"
CACHE_FILE = ROOT / "bench" / ".cache" / "refusals.json"
# (file, answerable, split, library): the first five manuals' sets, then the eleven manuals'.
SETS = (
    ("unanswerable.jsonl", False, "dev", "five"),
    ("manuals.jsonl", True, "dev", "five"),
    ("unanswerable-heldout.jsonl", False, "held out", "five"),
    ("heldout.jsonl", True, "held out", "five"),
    ("nearby-unanswerable-dev.jsonl", False, "dev", "eleven"),
    ("unseen-unanswerable-dev.jsonl", False, "dev", "eleven"),
    ("unseen-dev.jsonl", True, "dev", "eleven"),
    ("nearby-unanswerable-heldout.jsonl", False, "held out", "eleven"),
    ("unseen-unanswerable-heldout.jsonl", False, "held out", "eleven"),
    ("unseen-heldout.jsonl", True, "held out", "eleven"),
)


def _lines(name: str) -> list[dict]:
    return [json.loads(line) for line in (QA / name).read_text().splitlines() if line.strip()]


def eleven() -> list[str]:
    return sorted({item["doc"] for name, _, _, lib in SETS if lib == "eleven" for item in _lines(name)})


def answers(keep: Path | None = None) -> dict[str, list[dict]]:
    """Per set, each question with whether the gates refused it and its quotes; the libraries kept in `keep` and
    reused when given (bench/quotes.py --library keeps the same two)."""
    found: dict[str, list[dict]] = {}
    for library, names in (("five", sorted(FIRST_FIVE)), ("eleven", eleven())):
        with tempfile.TemporaryDirectory() as tmp:
            storage = keep / library if keep else Path(tmp)
            services = open_services(Settings(_env_file=None, storage_dir=storage, answer_mode="quotes"))
            try:
                for name in names:
                    ingest_path(services, CORPUS / name)
                services.store.optimize()
                for set_name, _, _, lib in SETS:
                    if lib != library:
                        continue
                    rows = found[set_name] = []
                    for item in _lines(set_name):
                        if "history" in item:
                            continue  # the refusal of a follow-up is its first question's
                        draft = draft_answer(services, item["question"], strategy="quotes")
                        rows.append(
                            {
                                "question": item["question"],
                                "refused": draft.mode == "not_found",
                                "quotes": [q.to_dict() for q in draft.quotes],
                            }
                        )
            finally:
                services.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cached", action="store_true", help="the answers of the last run, rules measured again")
    parser.add_argument("--library", metavar="DIR", type=Path, help="keep the libraries in DIR and reuse them")
    args = parser.parse_args()
    if args.cached and CACHE_FILE.exists():
        found = json.loads(CACHE_FILE.read_text())
    else:
        found = answers(args.library)
        CACHE_FILE.parent.mkdir(exist_ok=True)
        CACHE_FILE.write_text(json.dumps(found))
    rows = []
    for split in ("dev", "held out"):
        cells: list[object] = [split]
        for answerable in (False, True):
            for library in ("five", "eleven"):
                said = [
                    row["refused"]
                    for name, ok, s, lib in SETS
                    if (ok, s, lib) == (answerable, split, library)
                    for row in found.get(name, [])
                ]
                cells.append(f"{sum(said)}/{len(said)}" if said else "-")
        rows.append(cells)
    table(
        '"Not found" from the quotes alone (no model)',
        (
            "split",
            "unanswerable, five manuals",
            "unanswerable, eleven (nearby + on-topic)",
            "answerable wrongly refused, five",
            "answerable wrongly refused, eleven",
        ),
        rows,
    )
    nearby = [(split, row) for name, _, split, _ in SETS if name.startswith("nearby") for row in found.get(name, [])]
    table(
        "Near-topic unanswerable questions",
        ("split", "question", "not found"),
        [(split, row["question"][:70], row["refused"]) for split, row in nearby],
    )


if __name__ == "__main__":
    main()
