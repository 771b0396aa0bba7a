"""Sentences and words, for every stage that reads text: the cards, retrieval, quotes, grounding and the fakes.

There is one rule per need, not one for all: each stage's rule was measured where it is used (the benchmarks
named beside it), and a shared rule would change what they measured. Each says in one line why it differs.
"""

from __future__ import annotations

import re

# --- Sentences -------------------------------------------------------------------------------------------------

# Prose for a document's card: a sentence starts like prose, with a capital, a quote or a bracket; a break before
# a digit or a code mark is left whole, since a card's summary sentence must read as prose (bench/cards.py).
# Capitals and opening marks beyond English's, so that "... fini. À la fin" and "... ¿Cómo?" are two sentences.
_OPENS = "\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0410-\u042f\u00bf\u00a1\u00ab\u201e"
PROSE_BREAK = re.compile(rf"(?<=[.!?])\s+(?=[A-Z{_OPENS}\u201c\"(])")
# A passage quoted as an answer: manuals also start sentences with numbers, brackets and commands in backquotes,
# and each of those is a sentence a reader may need (bench/answers.py, key fact in the quotes).
PASSAGE_BREAK = re.compile(rf"(?<=[.!?])\s+(?=[\"'(\[A-Z{_OPENS}0-9`])")
# A model's answer: it also breaks at line ends and before Markdown's list and emphasis marks, and keeps each
# sentence exactly as written, so the grounding marks can be placed back into its text (bench/grounding.py).
ANSWER_BREAK = re.compile(rf"(?<=[.!?])\s+(?=[\"'(\[A-Z{_OPENS}0-9*_`-])|\n+")
# The fake chat model's answer: any full stop, since it only needs a deterministic cut of its context.
ANY_BREAK = re.compile(r"(?<=[.!?])\s+")
# A table's row as the reading sets it (rag/reading/layout.py): "Genotype: AA; In situ: 6; Control: 32" ("n = 200;
# median: 1.581" under a header with no name over its labels), or its header, or a row without one, "AA | 6 | 32".
# A line of its own, quoted whole: never run on into the next row.
TABLE_ROW = re.compile(r"^[^|]+(?: \| [^|]+)+$|^(?:[^;:]{1,60}: )?[^;]*(?:; [^;:]{1,60}: [^;]*)+$")
# A cell of such a row: its value, after its column's name. A value longer than CELL_CHARS is a description, not
# what a row is looked up by.
_CELL_VALUE = re.compile(r"(?:^|; )(?:[^;:]{1,60}: )?([^;]+)")
CELL_CHARS = 40


def cells_named(question: str, row: str) -> int:
    """How many of a table row's cell values the question holds word for word, not inside a longer word or number
    ("4" is not named by "48" nor "4.5"): "sample 48 on Dream island" names two cells of one row of a sheet where
    hundreds say "Dream" and many hold a 48 somewhere."""
    if " | " in row or not TABLE_ROW.match(row):
        return 0
    asked = question.lower()
    values = {value.strip().lower() for value in _CELL_VALUE.findall(row)}
    return sum(
        1
        for value in values
        if value and len(value) <= CELL_CHARS and re.search(rf"(?<![\w.]){re.escape(value)}(?!\w|\.\d)", asked)
    )


# The words drawn in a chart, on one line named as its figure's (rag/reading/figures.py): searched, never quoted.
FIGURE_LABELS = re.compile(r"^\[(?:Figure|Fig\.) \w+ labels\] ")
# Where a snippet window may start: after a clause too, not only a sentence, so it shows the words that matched.
CLAUSE_END = re.compile(r"[.!?:;]\s+")


def flat(text: str) -> str:
    """The text on one line, runs of white space made one space: PDF text breaks lines mid-sentence."""
    return " ".join(text.split())


def answer_sentences(text: str) -> list[str]:
    """A model's answer, sentence by sentence, each exactly as written."""
    return [s for s in (part.strip() for part in ANSWER_BREAK.split(text)) if s]


# Licence, copyright and warranty notices: the first page of many manuals, and no answer to anything but a
# question about them. R-FAQ's card summary opened with "See the GNU General Public License for more details.".
_BOILERPLATE = re.compile(
    r"GNU (Lesser |Library )?General Public Licen[cs]e|GNU Free Documentation Licen[cs]e|WITHOUT ANY WARRANTY|"
    r"MERCHANTABILITY|Permission is granted to (copy|make|distribute)|you can redistribute it|"
    r"under the terms of the|\bCopyright\b|\u00a9|\(C\) ?\d{4}|"
    r"All rights reserved|Invariant Sections|Front-Cover Texts|this permission notice",
    re.I,
)
# A question about those notices, which they then answer: licences, copying, warranty, use in a product.
_ABOUT_BOILERPLATE = re.compile(
    r"licen[cs]|copyright|warrant|redistribut|permission|commercial|proprietary|\bgpl\b", re.I
)


def boilerplate(sentence: str) -> bool:
    """A licence, copyright or warranty notice."""
    return bool(_BOILERPLATE.search(sentence))


def about_boilerplate(question: str) -> bool:
    """Whether a question asks what such a notice says (then a notice may be its answer)."""
    return bool(_ABOUT_BOILERPLATE.search(question))


# --- Words -----------------------------------------------------------------------------------------------------

# Letters of any alphabet: "[a-z]" cut "Größe" to "gro" and "durée" to "dur", and found no word in Greek.
_WORD = re.compile(r"\w{3,}")
_STOP = frozenset(
    "the and for are but not you all any can had her was one our out has him his how its may new now see who did "
    "get use does with from that this what when where which will your into than then them they there these those "
    "about would could should have been were their other some also only just more most such".split()
    # The commonest function words of German, French, Spanish and Italian, leaving out those an English manual uses
    # as words of its own ("des" the cipher, "mit" the licence, "del" the key, "per", "non", "die", "von").
    + "der das dem den und ist nicht ein eine einen auf für wird sind oder auch les une est pour dans que qui "
    "sur avec pas sont aux ces los las una por con para este esta como más sus che della sono gli nel alla "
    "anche".split()
)
_LONG_WORD = re.compile(r"[a-z0-9_]{4,}")


def content_words(text: str) -> set[str]:
    """The words that carry meaning: three letters or more, lower-cased, common function words left out."""
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def long_words(text: str) -> set[str]:
    """Words of four letters or more, with no stop list: the rule the check of a model's follow-up rewrite was
    measured with (bench/followups.py); it is about the topic a rewrite takes from the conversation, not meaning."""
    return set(_LONG_WORD.findall(text.lower()))
