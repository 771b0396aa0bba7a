"""Grounding and "not in your documents": the sentence check's precision, and how the chat answers
questions the documents cannot answer.

    .venv/bin/python bench/grounding.py [--quick | --corrupted]

Uses bench/qa/grounding.jsonl (labelled sentences), bench/qa/grounding-corrupted-*.jsonl (true sentences and
corrupted variants of them), bench/qa/unanswerable.jsonl and the standalone questions of bench/qa/manuals.jsonl,
over bench/corpus/. Answers come from the configured model (the local SmolLM2 by default), so this takes a few
minutes; --corrupted runs only the corrupted sentences, without the model.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from common import CORPUS, ROOT, SHARED, table
from scoring import evaluate_corrupted, evaluate_grounding, evaluate_not_found

QA = ROOT / "bench" / "qa"
# True sentences and their corruptions (negated, a number changed, a clause added, another named thing), split by
# source sentence: the check's rules were chosen on dev only.
CORRUPTED = {"dev": QA / "grounding-corrupted-dev.jsonl", "held out": QA / "grounding-corrupted-heldout.jsonl"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few items of each set, on the small PDFs")
    parser.add_argument("--corrupted", action="store_true", help="only the corrupted-sentence sets (seconds, no chat)")
    args = parser.parse_args()
    if args.corrupted:
        corrupted_table(CORRUPTED, CORPUS)
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.quick:
            run(*quick_inputs(Path(tmp)))
        else:
            run(
                QA / "grounding.jsonl",
                QA / "unanswerable.jsonl",
                QA / "manuals.jsonl",
                CORPUS,
                QA / "unanswerable-heldout.jsonl",
                CORRUPTED,
            )


def quick_inputs(tmp: Path) -> tuple[Path, Path, Path, Path]:
    """A few items of each set, over the small PDFs in ../shared/corpus (bench/corpus may not be fetched)."""
    available = {p.name for p in SHARED.glob("*.pdf")}
    paths = []
    for name, keep in (("grounding.jsonl", 6), ("unanswerable.jsonl", 3), ("manuals.jsonl", 3)):
        lines = [line for line in (QA / name).read_text().splitlines() if line.strip()]
        lines = [line for line in lines if json.loads(line).get("doc", next(iter(available))) in available]
        (tmp / name).write_text("\n".join(lines[:keep]))
        paths.append(tmp / name)
    return paths[0], paths[1], paths[2], SHARED


def run(
    grounding_set: Path,
    unanswerable: Path,
    answerable: Path,
    corpus: Path,
    held_out: Path | None = None,
    corrupted: dict[str, Path] | None = None,
) -> None:
    start = time.perf_counter()
    grounding = evaluate_grounding(grounding_set, corpus)
    table(
        f"Grounding check: the 'not found in your documents' mark ({time.perf_counter() - start:.0f} s)",
        ["sentences", "precision", "recall", "accuracy", "count"],
        [[split, r["precision"], r["recall"], r["accuracy"], int(r["sentences"])] for split, r in grounding.items()],
    )
    if corrupted:
        corrupted_table(corrupted, corpus)

    start = time.perf_counter()
    report = evaluate_not_found(unanswerable, answerable, corpus, held_out)
    columns = ["says not found", "refused", "answer wholly unsupported"]
    table(
        f"Says 'not in your documents' ({time.perf_counter() - start:.0f} s)",
        ["questions", *columns, "count"],
        [[label, *(r[c] for c in columns), int(r["questions"])] for label, r in report.items()],
    )


def corrupted_table(paths: dict[str, Path], corpus: Path) -> None:
    start = time.perf_counter()
    report = evaluate_corrupted(paths, corpus)
    columns = ["precision", "true shown", "negated shown", "number shown", "clause shown", "subject shown"]
    table(
        f"Grounding check: true sentences and corrupted ones shown as checked ({time.perf_counter() - start:.0f} s)",
        ["split", *columns, "count"],
        [[split, *(r.get(c, 0.0) for c in columns), int(r["sentences"])] for split, r in report.items()],
    )


if __name__ == "__main__":
    main()
