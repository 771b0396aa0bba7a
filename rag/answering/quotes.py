"""Quote mode: the sentences of the retrieved passages that best answer the question, in the documents' words.

A small local model often contradicts the very passage it was given; the passage itself never does. Choosing the
quote is a ranking of its own (issue 30): every piece of the first passages (a sentence, a definition's entry, a
table row, a line of code: rag/answering/sentences.py) is scored on what it shares with the question, its
meaning (MiniLM, which is already loaded), the question's rarer words and names, whether it holds the kind of
thing asked for, and the heading it stands under; the best 1–3 are quoted with their file and page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings

from rag.answering.captions import named_part
from rag.answering.sentences import (
    MIN_CHARS,
    Piece,
    passage_pieces,
    passage_sentences,
    short_lines_joined,
    term_of,
)
from rag.schemas import Quote
from rag.text import TABLE_ROW, about_boilerplate, boilerplate, content_words

__all__ = ["Quote", "answers_question", "extract_quotes", "passage_sentences"]

# What a piece is scored on, each a number in [0, 1] but the rank (0-4):
# meaning   MiniLM cosine between the question and the piece;
# keywords  the share of the question's words the piece holds, each weighted by how rare it is among the pieces;
# names     the share of the question's names (identifiers, options, ALL-CAPS, dotted or slashed words) it holds;
# kind      1 when it holds the kind of thing asked for: a command for "how do I", a number for "how many",
#           a reason for "why", a name for "what is it called", a place for "where";
# heading   the keywords' share in the heading or term the piece stands under (the passage's line above it,
#           or its section);
# rank      the rank of its passage in the search;
# named     1 for the caption of the table or figure the question names ("In Table 2, ..."), and for the rows
#           of that table (the run of rows beside its caption): rag/answering/captions.py;
# numbers   the share of the numbers the question gives ("with 400 observations", "aged 50 to 54") the piece
#           holds: a table's row is found by its label, and a label is often a number.
FEATURES = ("meaning", "keywords", "names", "kind", "heading", "rank", "named", "numbers")
# Chosen on dev alone (bench/quotes.py: two sweeps of each weight over a grid, meaning fixed at 1), then confirmed
# held out. On the same pieces, against the weights before: key fact in the quotes 0.70 -> 0.73 on dev and
# 0.71 -> 0.72 held out; the gold page's answer sentence 0.67 -> 0.70 and 0.67 -> 0.69. A logistic regression on
# the same features, fitted on dev, did worse on both (0.70 five-fold on dev, 0.68 held out): hand weights stay.
# Issue 31, chosen on the layout set's dev questions (bench/layouts.py, quotes alone), see the README. The caption
# and rows of a named table or figure: 0.3 and 0.6 gave the same. The question's numbers: key fact on dev table
# cells 0.53, 0.58, 0.63 and 0.63 at 0, 0.2, 0.3 and 0.4 (held out it stayed 0.53).
NAMED_WEIGHT = 0.3
NUMBERS_WEIGHT = 0.3
WEIGHTS: dict[str, float] = {
    "meaning": 1.0,
    "keywords": 0.5,
    "names": 0.1,
    "kind": 0.15,
    "heading": 0.2,
    "rank": -0.12,
    "named": NAMED_WEIGHT,
    "numbers": NUMBERS_WEIGHT,
}
# Before issue 30 (meaning + 0.5 x keywords - 0.05 x rank): still the score a quote carries, see extract_quotes.
WEIGHTS_BEFORE: dict[str, float] = {"meaning": 1.0, "keywords": 0.5, "rank": -0.05}
# Passages whose sentences are read: the answer's page is among the first five for 0.89 of dev questions,
# among the first three for 0.85.
PASSAGES_READ = 5
MAX_QUOTES = 3
# Pieces quoted after the best one ("The default is:" then the value): one at least, and more until the quote
# holds FILL characters. With the weights before, pieces quoted with the next one only held the key fact for 0.59
# of dev questions; filled to 200, 250 and 300 characters, 0.64, 0.67 and 0.68. 300 held what a sentence and the
# next held when lines were joined (898 characters of quotes a question on dev); merged (OVERLAPS), 200 holds it.
# CROSS: past the end of the piece's paragraph or entry too (within them only: 0.59 -> 0.58 on dev).
# Quotes taken from one page at most: PER_PAGE.
WINDOW = 1
FILL = 200
CROSS = True
# A description quoted under its definition's term, on the line above it ("%(datefmt)T" then "Causes printf to
# output the date-time string..."): key fact 0.71 -> 0.73 on dev, the answer sentence 0.67 -> 0.70.
TERMS = True
PER_PAGE = 3
# Two quotes that would share a piece become one: before, a quote could start a sentence before one given and run
# on into it ("Ctrl-H erase a character... Ctrl-Z temporarily stop program...", after "Ctrl-Z temporarily stop
# program..."), so the same words were read twice. "merge": one quote of both, in the page's order; "skip": the
# second is left out; "keep": both, as before. Key fact on dev (bench/quotes.py, 2026-12-06): keep 0.73 at 937
# characters a question (FILL 300); merge 0.74 at 917 (FILL 200), 0.76 at 1,124 (FILL 300); skip 0.71. The key
# fact follows the characters read more than any ranking: merged with FILL 150, 200, 250 and 300 it is 0.72, 0.74,
# 0.75 and 0.76. FILL 200 keeps what a question's quotes hold to what they held.
OVERLAPS: Literal["merge", "skip", "keep"] = "merge"
# A quote whose first sentence leans on the one before it ("If TRUE, for example, sin(-x) simplifies to -sin(x).",
# "This can be set to one of three values") starts with that one: a quote is read on its own, and those read as
# cut mid-thought (issue 30). The key fact is where it was, at the same length (bench/quotes.py: dev 0.74 both
# ways, held out 0.71 -> 0.72): it reads better, it does not find more.
LEAN_BACK = True
# 0.0: the second and third quotes are always given. Cutting those that scored under 0.85 of the best lost the
# key fact on 12% of dev questions: the best sentence is often about the question, the next one answers it.
KEEP_WITHIN = 0.0
# Below this score the best sentence does not answer the question: the chat says so instead of quoting it.
MIN_QUOTE_SCORE: float | None = None

# --- What a question asks for, and what a piece holds ------------------------------------------------------------

_ASKS = {
    "command": re.compile(
        r"\bhow (do|can|should|would|could|to)\b|\b(which|what) (command|option|function|variable|parameter|"
        r"package|macro|setting|flag|builtin|key|switch|argument|method|environment)",
        re.I,
    ),
    "number": re.compile(
        r"\bhow (many|much|big|large|long|often|wide|high|far|small)\b|\b(size|default|maximum|minimum|limit|"
        r"range|number|version|resolution|width|height|percent|seconds|bytes|lines|depth)\b",
        re.I,
    ),
    "reason": re.compile(r"\bwhy\b|\breason\b|\bwhat for\b|\bpurpose\b", re.I),
    "name": re.compile(r"\b(called|named|name of|what is the name|stands? for)\b", re.I),
    "place": re.compile(r"^\W*where\b|\b(which|what) (file|directory|folder|path)\b|\bwhere (is|are|does|do)\b", re.I),
}
_CODE = (
    r"`[^`]+`|\b\w+\(|(?<![\w-])--?[A-Za-z][\w-]*|\b\w+_\w+|\\[A-Za-z]+|\$\{?\w+|\b[A-Z][A-Z0-9_]{2,}\b"
    r"|\b\w+\.\w+\b|[=;{}<>]"
)
_HOLDS = {
    "command": re.compile(_CODE),
    "number": re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twice|half|zero)\b", re.I),
    "reason": re.compile(
        r"\b(because|since|so that|in order to|due to|reason|therefore|thus|otherwise|to avoid|to prevent|"
        r"this is why|that is why|as a result|so as to|the idea)\b",
        re.I,
    ),
    "name": re.compile(r"[\"'‘“`«][^\"'’”`»]{2,40}[\"'’”`»]|\b(called|named|stands for|short for|name)\b|" + _CODE),
    "place": re.compile(r"\w/\w|/\w|~|\\\w|\b(directory|folder|file|path)\b", re.I),
}
# A name in a question: a word with a mark inside or around it (asn1_create, --prefix, \ref, ${x}, .asy, foo()),
# letters with digits (utf8, x86), or capitals past the first letter (PDF, TeX, ZERR).
_TOKEN = re.compile(r"[\w\\$%.\-/~@#+:(){}\[\]<>=]+")
_NAME = re.compile(r"[_\\$%./~@#(){}\[\]<>=]|(?<=\w)-(?=\w)|^--?\w|[A-Za-z]\d|\d[A-Za-z]|^.+[A-Z]")


def _names(question: str) -> set[str]:
    found = set()
    for token in _TOKEN.findall(question):
        token = token.strip(".,:;?!()'\"")
        if len(token) >= 2 and _NAME.search(token) and not token.endswith("'s"):
            found.add(token.lower())
    return found


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _numbers(question: str) -> set[str]:
    """The numbers a question gives, but the number of the table or figure it names."""
    part = named_part(question)
    return set(_NUMBER.findall(question)) - ({part.number} if part else set())


def _asks(question: str) -> list[str]:
    return [kind for kind, pattern in _ASKS.items() if pattern.search(question)]


# --- The candidates and their features ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A piece of a passage that may be quoted, with the passage it is read from."""

    piece: Piece
    pieces: list[Piece]  # the passage's pieces, for the ones that follow it
    index: int
    doc: LCDocument
    rank: int


def candidates(question: str, docs: Sequence[LCDocument], passages_read: int = PASSAGES_READ) -> list[Candidate]:
    # A licence or copyright notice is the answer only to a question about it: otherwise it is left out, so no
    # quote starts with, or runs on into, "See the GNU General Public License for more details."
    notices = about_boilerplate(question)
    out = []
    for rank, doc in enumerate(docs[:passages_read]):
        pieces = passage_pieces(doc.page_content)
        if doc.metadata.get("unit") == "slide":
            pieces = short_lines_joined(pieces)
        out += [
            Candidate(p, pieces, i, doc, rank)
            for i, p in enumerate(pieces)
            if len(p.text) >= MIN_CHARS and (notices or not boilerplate(p.text))
        ]
    return out


def features(question: str, found: Sequence[Candidate], embeddings: Embeddings) -> np.ndarray:
    """One row per candidate, one column per name in FEATURES."""
    texts = [c.piece.text for c in found]
    words = [content_words(t) for t in texts]
    wanted = content_words(question)
    # A word of the question that most candidate sentences share ("file", "use") tells them apart least.
    weights = {w: math.log(1 + len(texts) / (1 + sum(1 for ws in words if w in ws))) for w in wanted}
    total = sum(weights.values()) or 1.0
    names = _names(question)
    asked = _asks(question)
    named = _named_pieces(question, found)
    numbers = _numbers(question)

    vectors = np.asarray(embeddings.embed_documents([question, *texts]), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    similarity = vectors[1:] @ vectors[0]
    rows = np.zeros((len(found), len(FEATURES)), dtype=np.float32)
    for n, (candidate, text) in enumerate(zip(found, texts, strict=True)):
        lowered = text.lower()
        section = str(candidate.doc.metadata.get("section") or "").rsplit(">", 1)[-1]
        heading = content_words(f"{candidate.piece.heading} {section}")
        rows[n] = (
            similarity[n],
            sum(weights[w] for w in words[n] & wanted) / total,
            sum(1 for name in names if name in lowered) / len(names) if names else 0.0,
            float(any(_HOLDS[kind].search(text) for kind in asked)),
            sum(weights[w] for w in heading & wanted) / total,
            candidate.rank,
            float(n in named),
            len(numbers & set(_NUMBER.findall(text))) / len(numbers) if numbers else 0.0,
        )
    return rows


def _named_pieces(question: str, found: Sequence[Candidate]) -> set[int]:
    """The candidates (by index) that are the caption of the table or figure the question names, and the rows
    of that table: the run of rows after its caption, or before it when the caption is set below."""
    part = named_part(question)
    if part is None:
        return set()
    caption = part.caption()
    at = {(id(c.pieces), c.index): n for n, c in enumerate(found)}
    named: set[int] = set()
    for n, candidate in enumerate(found):
        if not caption.match(candidate.piece.text):
            continue
        named.add(n)
        if part.kind != "Table":
            continue
        pieces, index = candidate.pieces, candidate.index
        for step in (1, -1):
            run = []
            k = index + step
            while 0 <= k < len(pieces) and TABLE_ROW.match(pieces[k].text):
                run.append(k)
                k += step
            named |= {at[(id(pieces), k)] for k in run if (id(pieces), k) in at}
            if run:
                break
    return named


def _following(candidate: Candidate, window: int, fill: int = 0, cross: bool = True) -> list[Piece]:
    """The pieces quoted after the chosen one: `window` of them, and more while the quote is under `fill`
    characters, within its block unless `cross` ("The default is:" and the value; a term's line and its
    description), always past a colon (the code or the list it announces)."""
    kept: list[Piece] = []
    length, block, text = len(candidate.piece.text), candidate.piece.block, candidate.piece.text
    if TABLE_ROW.match(text):
        return kept  # a table's row names its headers: quoted alone, not run on into the rows below it
    for piece in candidate.pieces[candidate.index + 1 :]:
        if len(kept) >= window and length >= fill:
            break
        if piece.block != block and not cross and not text.endswith(":"):
            break
        if boilerplate(piece.text) and not about_boilerplate(candidate.piece.text):
            break
        kept.append(piece)
        length, block, text = length + len(piece.text) + 1, piece.block, piece.text
    return kept


# A piece that leans on the one before it: a pronoun or a connective whose subject is in the previous sentence
# ("If TRUE, for example, sin(-x) simplifies to -sin(x)." after "TRIGSIGN Can be set to TRUE or FALSE.").
_LEANS_BACK = re.compile(
    r"^(this|these|that|those|it|its|they|their|them|such|both|either|neither|otherwise|however|also|then|here|"
    r"in (this|that|such|either) case|for (example|instance)|if (true|false|set|so|not|enabled|disabled|given|"
    r"omitted|present|absent)|when (true|false|set|enabled|disabled|given|omitted)|the (former|latter|same))\b",
    re.I,
)


def _leaned_on(candidate: Candidate) -> Piece | None:
    """The piece before the chosen one, when the chosen one cannot be read without it."""
    if candidate.index == 0 or not _LEANS_BACK.match(candidate.piece.text):
        return None
    before = candidate.pieces[candidate.index - 1]
    return None if boilerplate(before.text) else before


def extract_quotes(
    question: str,
    docs: Sequence[LCDocument],
    embeddings: Embeddings,
    limit: int = MAX_QUOTES,
    *,
    weights: Mapping[str, float] | None = None,
    lexical_weight: float | None = None,
    dense_weight: float | None = None,
    passages_read: int = PASSAGES_READ,
    keep_within: float = KEEP_WITHIN,
    window: int = WINDOW,
    fill: int = FILL,
    cross: bool = CROSS,
    terms: bool = TERMS,
    per_page: int = PER_PAGE,
    overlaps: Literal["merge", "skip", "keep"] = OVERLAPS,
    lean_back: bool = LEAN_BACK,
) -> list[Quote]:
    """The 1–`limit` pieces of the first passages that best answer `question`, best first. The keyword arguments
    exist for the benchmarks (bench/quotes.py, bench/answers.py), which measure the alternatives."""
    found = candidates(question, docs, passages_read)
    if not found:
        return []
    chosen = dict(WEIGHTS if weights is None else weights)
    chosen["keywords"] = chosen["keywords"] if lexical_weight is None else lexical_weight
    chosen["meaning"] = chosen["meaning"] if dense_weight is None else dense_weight
    rows = features(question, found, embeddings)
    ranking = rows @ np.array([chosen.get(name, 0.0) for name in FEATURES], dtype=np.float32)
    # The score a quote carries is its closeness to the question alone, on the scale DOUBT_BELOW and
    # MIN_QUOTE_SCORE were chosen on (rag/answering/policy.py): the other features choose, they do not vouch.
    closeness = rows @ np.array([WEIGHTS_BEFORE.get(name, 0.0) for name in FEATURES], dtype=np.float32)
    order = sorted(range(len(found)), key=lambda n: -ranking[n])
    best = float(ranking[order[0]])
    quotes: list[Quote] = []
    spans: list[tuple[tuple[str, int], int, int]] = []  # (page, first piece, last piece) of each quote
    for n in order:
        if len(quotes) == limit or (quotes and ranking[n] < keep_within * best):
            break
        candidate = found[n]
        # A definition's description is quoted under its term: the entry whole, term and description.
        term = term_of(candidate.pieces, candidate.index) if terms else None
        leaned = _leaned_on(candidate) if lean_back and term is None else None
        before = [term.text] if term is not None else [leaned.text] if leaned is not None else []
        # The sentence leaned on is read instead of as much after the chosen one: the quote holds what it held.
        after = _following(candidate, window, fill - (len(leaned.text) + 1 if leaned else 0), cross)
        text = " ".join([*before, candidate.piece.text, *(p.text for p in after)])
        doc = candidate.doc
        page = (doc.metadata["doc_id"], doc.metadata["page"])
        first, last = candidate.index - len(before), candidate.index + len(after)
        # A page is read from one passage (rag/answering/retrieval.py one_per_page), so pieces are numbered alike
        # on it: a quote that shares a piece with one given repeats it.
        shared = next(
            (k for k, (p, start, end) in enumerate(spans) if p == page and first <= end and start <= last), None
        )
        if overlaps != "keep" and shared is not None:
            _, start, end = spans[shared]
            start, end = min(start, first), max(end, last)
            merged = " ".join(piece.text for piece in candidate.pieces[start : end + 1])
            if overlaps == "merge":  # one quote of both, in the page's order
                spans[shared] = (page, start, end)
                quotes[shared] = replace(quotes[shared], text=merged)
            continue
        if any(text == q.text or candidate.piece.text in q.text for q in quotes):
            continue  # overlapping passages repeat sentences
        if sum(1 for q in quotes if (q.doc_id, q.page) == page) >= per_page:
            continue
        unit = doc.metadata.get("unit", "page")
        place = doc.metadata.get("place", "")
        quotes.append(
            Quote(text, page[0], doc.metadata["filename"], page[1], float(closeness[n]), unit=unit, place=place)
        )
        spans.append((page, first, last))
    return quotes


def answers_question(quotes: Sequence[Quote]) -> bool:
    """Whether the best quote is close enough to the question to be offered as its answer."""
    return bool(quotes) and (MIN_QUOTE_SCORE is None or quotes[0].score >= MIN_QUOTE_SCORE)
