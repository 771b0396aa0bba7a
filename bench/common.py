"""Shared by the benchmarks: where the corpus is, the test helpers they reuse, and table printing."""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

# `rag` comes from the installed package (pip install -e .); sibling modules from this folder, which
# Python puts first on sys.path when it runs bench/x.py.
ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CORPUS = ROOT / "bench" / "corpus"
# The five PDFs the first question sets (bench/qa/manuals.jsonl, heldout.jsonl, followups.jsonl and the
# unanswerable sets) were written on. bench/corpus/ holds more (the unseen sets' manuals, distractors): a library
# of all of them would answer "unanswerable" questions from other manuals and change every figure here.
FIRST_FIVE = ("asymptote.pdf", "CAD.pdf", "asy-latex.pdf", "libtasn1.pdf", "shared-mime-info-spec.pdf")
SHARED = ROOT.parent / "shared" / "corpus"
QUICK_PDF = SHARED / "shared-mime-info-spec.pdf"


def corpus(names: Sequence[str] = ()) -> list[Path]:
    if names:
        return [Path(n) for n in names]
    pdfs = first_five(CORPUS)
    if not pdfs:
        sys.exit("No benchmark corpus: run bench/corpus.sh first, or name PDFs on the command line.")
    return pdfs


def first_five(folder: Path) -> list[Path]:
    """The PDFs of FIRST_FIVE that `folder` has (../shared/corpus has two of them)."""
    return [folder / name for name in sorted(FIRST_FIVE) if (folder / name).is_file()]


def jsonl(path: Path) -> list[dict]:
    """A question file: one JSON object a line, blank lines skipped."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def share(flags: list[bool]) -> str:
    """The share of true flags, two decimals; "-" for none."""
    return f"{sum(flags) / len(flags):.2f}" if flags else "-"


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) if not isinstance(c, float) else f"{c:,.2f}" for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))


def from_checkout(name: str) -> ModuleType:
    """A module of the checkout's tests/ package (e.g. its hostile PDF builders): tests/ is not installed and
    not beside the scripts, so its top package is loaded from ROOT by path rather than by editing sys.path."""
    top = name.partition(".")[0]
    if top not in sys.modules:
        spec = importlib.machinery.PathFinder.find_spec(top, [str(ROOT)])
        if spec is None or spec.loader is None:
            raise ModuleNotFoundError(f"No {top}/ package in {ROOT}")
        sys.modules[top] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return importlib.import_module(name)
