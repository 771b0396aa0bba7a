"""Retrieval quality: page-level recall@1/3/5/10 and MRR, DocChat beside the textbook baseline.

    .venv/bin/python bench/retrieval.py [QA.jsonl] [--corpus DIR] [--quick]

The same measures as `bench/eval.py QA.jsonl`. Default set: bench/qa/manuals.jsonl over bench/corpus/.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from common import CORPUS, ROOT, SHARED, table
from scoring import KS, evaluate

QUICK_QA = [
    {"question": "How do I decode the class and tag of DER encoded data?", "doc": "libtasn1.pdf", "pages": [21]},
    {"question": "How are comments written in ASN.1 definition files?", "doc": "libtasn1.pdf", "pages": [5]},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("qa", nargs="?", type=Path, default=ROOT / "bench" / "qa" / "manuals.jsonl")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--quick", action="store_true", help="two questions on one small PDF: a smoke test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.quick:
            args.qa, args.corpus = Path(tmp) / "quick.jsonl", SHARED
            args.qa.write_text("\n".join(json.dumps(q) for q in QUICK_QA))
        start = time.perf_counter()
        report = evaluate(args.qa, args.corpus)
    columns = [f"recall@{k}" for k in KS] + ["MRR@5", "MRR@10"]
    rows = [[name, *(row[c] for c in columns), int(row["questions"])] for name, row in report.items()]
    table(
        f"Page-level retrieval on {args.qa.name} ({time.perf_counter() - start:.0f} s)",
        ["retriever", *columns, "questions"],
        rows,
    )


if __name__ == "__main__":
    main()
