"""The words drawn inside a chart, told from the page's prose: its tick numbers, axis titles and legend, which the
text layer holds as short lines just above the figure's caption ("1e-01 1e+01 1e+03", "CDF", "lognormal", "Burr",
then "Figure 4: CDF plot to compare..."). Left among the prose, they were read as a sentence with the caption
("Burr Figure 4: CDF plot...") and quoted. They are put on one line of their own, named as the figure's
("[Figure 4 labels] 1e-01 1e+01 1e+03 CDF lognormal Burr"), searched with the page but never quoted
(rag/text.py FIGURE_LABELS).
"""

from __future__ import annotations

import re

# "Figure 4: ...", "Fig. 8. ...", "Figure 3 - ...": a caption opens its line.
_CAPTION = re.compile(r"^(Figure|Fig\.)\s+(\d+[a-z]?)\b")
# A chart's line is short and ends no sentence; a line of prose or code above the chart is longer, or ends one.
MAX_CHARS = 40
_SENTENCE_END = re.compile(r"[.!?;:,]$|^(R>|>|\+|\$|#)\s")
# At least this many lines above a caption, half of them numbers or words of one or two, or they are a heading and
# a list, not a chart.
MIN_LINES = 3


def _chart_like(line: str) -> bool:
    return any(c.isdigit() for c in line) or len(line.split()) <= 2


def labelled(text: str) -> str:
    """The page's text with the lines drawn in each chart above a figure's caption on one labelled line."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        caption = _CAPTION.match(line.strip())
        if caption:
            start = len(out)
            while (
                start > 0
                and len(out[start - 1].strip()) <= MAX_CHARS
                and not _SENTENCE_END.search(out[start - 1].strip())
            ):
                start -= 1
            drawn = [d.strip() for d in out[start:] if d.strip()]
            if len(drawn) >= MIN_LINES and 2 * sum(_chart_like(d) for d in drawn) >= len(drawn):
                out[start:] = [f"[{caption.group(1)} {caption.group(2)} labels] {' '.join(drawn)}"]
        out.append(line)
    return "\n".join(out)
