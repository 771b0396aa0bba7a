"""Copies pages FIRST to LAST (1-based, inclusive) of a PDF into a new PDF, for a corpus built from parts of
larger documents (bench/languages-corpus.sh).

    python bench/cut_pages.py IN.pdf FIRST LAST OUT.pdf
"""

from __future__ import annotations

import sys

from pypdf import PdfReader, PdfWriter


def main() -> None:
    source, first, last, target = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    reader, writer = PdfReader(source), PdfWriter()
    for page in reader.pages[first - 1 : last]:
        writer.add_page(page)
    with open(target, "wb") as out:
        writer.write(out)


if __name__ == "__main__":
    main()
