"""Shared by the benchmarks: the corpus, the textbook LangChain baseline, and table printing."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CORPUS = ROOT / "bench" / "corpus"
SHARED = ROOT.parent / "shared" / "corpus"
QUICK_PDF = SHARED / "shared-mime-info-spec.pdf"


def corpus(names: Sequence[str] = ()) -> list[Path]:
    if names:
        return [Path(n) for n in names]
    pdfs = sorted(CORPUS.glob("*.pdf"))
    if not pdfs:
        sys.exit("No benchmark corpus: run bench/corpus.sh first, or name PDFs on the command line.")
    return pdfs


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) if not isinstance(c, float) else f"{c:,.2f}" for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
