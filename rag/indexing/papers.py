"""What a paper says about itself: the title, authors and abstract its first page prints, and its conclusions.

PDFium gives lines of text without their type size, so the title is not found by how large it is printed but by
what follows it: the names of its authors. A line is read as names only when every part of it is shaped like a
name (capitalised words and initials, a few particles), and as a title only on a first page that goes on with the
paper itself; a manual's title page (a title, its authors, nothing else) keeps the title it had.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.reading.page import Page
from rag.text import boilerplate

# The first page's lines read for the title and the authors: JSS puts three authors with their affiliations under
# a two-line title (9 lines); Elsevier a masthead, a title, authors, affiliations and dates (9).
OPENING_LINES = 20
# An abstract is a paragraph or two: the longest of the layout set (rgenoud, JSS) has 19 lines.
ABSTRACT_LINES = 40
# The conclusions read for the summary: a section runs over a page break more often than not.
CONCLUSION_PAGES = 2

_ABSTRACT = re.compile(r"(Abstract|ABSTRACT|Summary|SUMMARY)\s*[.:\u2014\u2013-]?\s*(.*)")
_KEYWORDS = re.compile(r"(key\s*words?|index terms|keywords and phrases|subject classification|JEL|MSC|AMS)\b", re.I)
_NUMBERED = re.compile(r"(?:\d{1,2}(?:\.\d{1,2}){0,2}\.?|[IVX]{1,4}\.)\s+[A-Z][^\d\s]*(?:\s+[^\d\s]+){0,7}")
_UNNUMBERED = re.compile(
    r"(?:\d{1,2}\.?\s+)?(introduction|contents|table of contents|preface|overview|background|motivation)", re.I
)
_BACK_MATTER = re.compile(
    r"(?:\d{1,2}\.?\s+|[A-Z]\.?\s+)?(references|bibliography|literature cited|acknowledge?ments?|appendix\b.*|notes)",
    re.I,
)
_CONCLUDING = re.compile(
    r"(?:(?:\d{1,2}(?:\.\d{1,2}){0,2}|[IVX]{1,4})\.?\s+)?"
    r"((?:summary|conclusions?|concluding remarks|final remarks|discussion)"
    r"(?:\s+and\s+(?:conclusions?|discussion|future work|outlook|perspectives?))?)",
    re.I,
)
# A journal's masthead, an address, a date or a version: lines of a first page that are neither title nor names.
# A year alone is not one: titles name years ("A re-evaluation of ... Pollet & Nettle (2009)").
_ASIDE = re.compile(
    r"https?:|www\.|\S@\S|\bdoi\b|10\.\d{4,}/|\bvol(?:ume|\.)\s*\d|\bno\.\s*\d|copyright|\u00a9|"
    r"\b(?:version|release|edition|revision|draft)\b\s*v?\d|^v?\d+(?:\.\d+)+\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:\d{1,2},?\s+)?(?:19|20)\d\d\b|"
    r"\b(?:19|20)\d\d[/-]\d\d[/-]\d\d\b",
    re.I,
)
# A masthead's numbers: "Pattern Recognition 40 (2007) 2730 – 2741", "274 TUGboat, Volume 18 (1997), No. 4".
_MASTHEAD_NUMBERS = 3
_MARKS = re.compile(r"[\u2217*\u2020\u2021\u00a7\u00b6\u22c6]+")  # footnote marks: ∗ * † ‡ § ¶ ⋆
_INITIALS = re.compile(r"(?:[A-Z]\.-?){1,3}")  # "R.", "P.K.", "J.-P."
_PARTICLES = frozenset("van von de der den da di du del della des le la dos das ter ten bin ibn zu y".split())
_SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})
# Where people work, wherever it stands in a word ("Wirtschaftsuniversität Wien", "Debian Project"), and words that
# start a title's words but no one's name ("Description Conventions", the second line of a title).
_ORGANISATION = re.compile(
    r"universit|institut|college|school|academy|department|laborator|corporation|consortium|foundation|gmbh|"
    r"\b(?:dept|labs?|corp|inc|ltd|project|group|team|society|center|centre|workgroup|association|council|agency|"
    r"ministry|hospital|clinic|research|press)\b",
    re.I,
)
_TITLE_WORDS = re.compile(
    r"\b(?:software|systems?|technolog|organi[sz]ation|committee|journal|volume|abstract|summary|introduction|"
    r"contents|chapter|manual|guide|handbook|tutorial|edition|version|release|standard|specification|package|"
    r"library|reference|convention|description|analys[ie]s|approach|method|model|learning|network|regression|"
    r"estimat|inference|algorithm|data\b|theory|application|overview|study|survey|design|programming|language|"
    r"protocol|security|computing|processing|optimi[sz]ation|graphics|curves?\b|machines?\b|distribution|"
    r"interpolation|notes\b|report|paper|proceedings)",
    re.I,
)
# Title words that join a line to the next: a title's first line ends with one, and the next is more title.
_JOINING = frozenset("a an and the of for in on to with from by via using at or its their our your".split())
# TeX prints an accent as its own character before the letter ("M¨uller", "Lu´ıs" with a dotless i) and a cedilla
# before or after it ("Gon¸calves", "Franc¸ois").
_ACCENTS = {"\u00b4": "\u0301", "\u00a8": "\u0308", "`": "\u0300", "\u02c6": "\u0302", "\u02dc": "\u0303"}
_ACCENT_BEFORE = re.compile(r"([\u00b4\u00a8`\u02c6\u02dc])\s?([A-Za-z\u0131])")
_CEDILLA = re.compile(r"\u00b8([CcSs])|([CcSs])\u00b8")


@dataclass(frozen=True)
class Passage:
    """A part of a document: what its heading says, and its text, page by page."""

    heading: str
    parts: tuple[tuple[int, str], ...]  # (page, its lines of the passage)

    @property
    def text(self) -> str:
        """The passage as one paragraph: lines joined, words hyphenated across a line joined again."""
        return readable(" ".join(joined_lines([line for _, text in self.parts for line in text.splitlines()])))


@dataclass(frozen=True)
class FrontMatter:
    title: str | None  # the lines above the authors, when the first page opens a paper
    authors: tuple[str, ...] = ()
    abstract: Passage | None = None
    body_on_first_page: bool = False  # the text starts under the title: a paper or a note, not a title page

    @property
    def paper(self) -> bool:
        return self.abstract is not None or (bool(self.authors) and self.body_on_first_page)


def front_matter(pages: Sequence[Page], declared_title: str | None = None) -> FrontMatter:
    """The title, authors and abstract the first pages print. `declared_title` (the PDF's own) names lines that
    belong to the title, so that its second line is not read as a person."""
    if not pages:
        return FrontMatter(None)
    lines, body = _opening(pages[0])
    declared = _squashed(declared_title or "")
    found: list[tuple[int, list[str]]] = []  # (line, names on it)
    for n, line in enumerate(lines):
        if n == 0 or (declared and _squashed(line) in declared):
            continue  # the first line is the title's, whatever it looks like: "Adjusted Survival Curves"
        names = _names(line)
        if names and (found or _first_authors(line, names, lines[n - 1])):
            found.append((n, names))
    if not found:
        return FrontMatter(None, (), _abstract(pages[:2], allow_summary=False), body)
    authors = _unmarked([name for _, names in found for name in names], lines[found[0][0] :])
    title = _title(lines[: found[0][0]]) if body else None
    return FrontMatter(title, tuple(dict.fromkeys(authors)), _abstract(pages[:2], allow_summary=True), body)


def useful_title(title: str | None) -> bool:
    """Whether a PDF's declared title names the document: not a file name ("tb57roeg.dvi") or a DOI."""
    if not title or not any(c.isalpha() for c in title):
        return False
    return not (re.fullmatch(r"\S+\.[A-Za-z0-9]{1,5}", title) or re.search(r"\bdoi\b|10\.\d{4,}/", title, re.I))


def conclusions(pages: Sequence[Page], outline_titles: Sequence[tuple[str, int]]) -> Passage | None:
    """The last "Conclusion(s)", "Summary" or "Discussion" section after the first page: by the outline when it
    names one, else by a heading line in the second half of the document."""
    by_number = {page.number: page for page in pages}
    named = [(title, page) for title, page in outline_titles if page > 1 and _concluding(title)]
    if named:
        title, start = named[-1]
        later = [t for t, p in outline_titles if p >= start and t != title]
        return _section(by_number, start, lambda line: _concluding(line) == _concluding(title), later, title)
    half = max(2, len(pages) // 2 + 1)
    starts = [page.number for page in pages if page.number >= half and any(map(_concluding, _lines(page)))]
    return _section(by_number, starts[-1], _concluding, []) if starts else None


def readable(text: str) -> str:
    """TeX's loose accents put back on their letters, runs of spaces made one."""
    text = _ACCENT_BEFORE.sub(lambda m: _accented(m[2].replace("\u0131", "i"), _ACCENTS[m[1]]), text)
    text = _CEDILLA.sub(lambda m: _accented(m[1] or m[2], "\u0327"), text)
    return " ".join(text.split())


def _accented(letter: str, accent: str) -> str:
    return unicodedata.normalize("NFC", letter + accent)


def joined_lines(lines: Sequence[str]) -> list[str]:
    """Lines with a word hyphenated at a line's end made whole ("combina-" "torial"); a hyphen that belongs to the
    word ("C++-" "implementation", "Peng-" "Huang") stays, without the space."""
    out: list[str] = []
    for line in (" ".join(line.split()) for line in lines):
        if out and out[-1].endswith("-") and line:
            hyphenated = out[-1][-2:-1].islower() and line[0].islower()
            out[-1] = (out[-1][:-1] if hyphenated else out[-1]) + line
        elif line:
            out.append(line)
    return out


def _lines(page: Page) -> list[str]:
    return [" ".join(line.split()) for line in page.text.splitlines() if line.strip()]


def _opening(page: Page) -> tuple[list[str], bool]:
    """The first page's lines above its text (its running heads first: a title printed on every page was taken
    off as one), and whether the text starts on that page."""
    lines = [*page.heads, *_lines(page)]
    for n, line in enumerate(lines[:OPENING_LINES]):
        if line.lower() in ("contents", "table of contents") or boilerplate(line):
            return lines[:n], False
        if _body_starts(line):
            return lines[:n], True
    return lines[:OPENING_LINES], False


def _body_starts(line: str) -> bool:
    """An abstract, keywords, a section heading, or a line of running prose."""
    words = line.split()
    lower = sum(w[:1].islower() for w in words)
    return bool(
        _abstract_heading(line, allow_summary=True)
        or _KEYWORDS.match(line)
        or (_NUMBERED.fullmatch(line) and not line.endswith("."))
        or _UNNUMBERED.fullmatch(line)
        or (len(words) >= 12 and lower * 2 >= len(words))
        or (len(words) >= 8 and line.endswith(".") and lower * 2 >= len(words))
    )


def _unmarked(names: list[str], below: Sequence[str]) -> list[str]:
    """The names without the letter that ties each to an affiliation ("Dirk Eddelbuettela" over "aDebian and R
    Projects"): taken off only when an affiliation below starts so and every name ends with such a letter."""
    markers = {m[1] for line in below for m in re.finditer(r"(?:^|\s)([a-h])(?=[A-Z][A-Za-z])", line)}
    if not markers or not all(name[-1] in markers and _word(name.split()[-1][:-1]) for name in names):
        return names
    return [name[:-1] for name in names]


def _names(line: str) -> list[str] | None:
    """The people a line names, when it is a line of authors: "by A, B and C", "A∗ B† The X Project‡", "A, X
    Consortium" (names, then where they work). None for any other line."""
    text = re.sub(r"^(?:\S+\s+){0,3}?by\s+", "", line)  # "by ...", "Edited by ...", "Updated for X.Org by ..."
    text = re.sub(r"\([^)]*\)|<[^>]*>|\u27e8[^\u27e9]*\u27e9|\S+@\S+", " ", text)  # e-mail addresses
    text = re.sub(r",?\s+et\s+al\.?\s*$", "", text)  # "Per Cederqvist et al"
    text = _MARKS.sub(",", re.sub(r"[\x00-\x1f\x7f-\x9f]", "", text))  # marks, and glyphs read as control codes
    text = re.sub(r"(?<=[a-z])\d+(?:,\d+)*", ",", text)  # affiliation numbers: "Smith1,2"
    parts = [re.sub(r"^and\s+", "", p.strip()) for p in re.split(r",|;|&|\s+and\s+|\s+und\s+", text)]
    names: list[str] = []
    affiliation = False
    for part in filter(None, parts):
        if part in _SUFFIXES and names and not affiliation:
            names[-1] = f"{names[-1]}, {part}"
        elif (name := _name(part)) and not affiliation:
            names.append(name)
        elif names and (_ORGANISATION.search(part) or _TITLE_WORDS.search(part) or re.fullmatch(r"[A-Z]\w+", part)):
            affiliation = True  # what follows the names may be where they work: "X Consortium", "Germany"
        else:
            return None
    return names or None


def _name(part: str) -> str | None:
    """A person's name as printed: "Walter R. Mebane", "P.K. Biswas", "Terry M Therneau", "Ludwig van Beethoven"."""
    tokens = part.split()
    if not 2 <= len(tokens) <= 5 or _ORGANISATION.search(part) or _TITLE_WORDS.search(part):
        return None
    first = _word(tokens[0]) or bool(_INITIALS.fullmatch(tokens[0]))
    middle = all(
        _word(t) or _INITIALS.fullmatch(t) or re.fullmatch(r"[A-Z]", t) or t in _PARTICLES for t in tokens[1:-1]
    )
    if not (first and middle and _word(tokens[-1])) or any(t.lower() in _JOINING for t in tokens):
        return None
    if sum(map(_word, tokens)) > 3:
        return None  # "Marcel Turino Martin Gasbichler": two people, printed without a comma between them
    return readable(part)


def _word(token: str) -> bool:
    """A capitalised word of a name: "Koenker", "Delignette-Muller", "O'Brien", "François", "M¨uller"."""
    plain = re.sub(r"[\u00b4\u00a8`\u02c6\u02dc\u00b8]", "", token)
    return (
        bool(re.fullmatch(r"[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*", plain))
        and plain[0].isupper()
        and any(c.islower() for c in plain[1:])
    )


def _first_authors(line: str, names: list[str], before: str) -> bool:
    """Whether the first line that reads as names is the authors' and not the title's second line: several
    names, a "by", a comma or an initial on it; or one name under a line that does not run on into it."""
    if len(names) > 1 or re.search(r"\bby\s", line) or "," in line or re.search(r"\b[A-Z]\.?\s", line):
        return True
    end = before.split()[-1].lower() if before.split() else ""
    return not (end in _JOINING or before.endswith((":", "-", "\u2013", "\u2014")))


def _title(lines: Sequence[str]) -> str | None:
    """The lines above the authors, without the journal's masthead and the dates: one to three lines of title.
    A footnote mark ends the title, and what follows it is its subtitle ("Support Vector Machines∗" "The
    Interface to libsvm in package e1071")."""
    kept = [line for line in lines if not _aside(line)]
    if len(kept) >= 2 and len(kept) < len(lines) and len(kept[0].split()) <= 3 and not kept[0].endswith(":"):
        if any(len(re.findall(r"\d+", line)) >= _MASTHEAD_NUMBERS for line in lines):
            kept = kept[1:]  # the rubric between a journal's masthead and the title: TUGboat's "Graphics Applications"
    if not 1 <= len(kept) <= 3 or any(line.endswith((".", ";", ",")) for line in kept):
        return None
    title, subtitle = "", False
    for line in kept:
        text = _MARKS.sub("", line).strip()
        title = f"{title}{': ' if subtitle else ' '}{text}" if title else text
        subtitle = bool(_MARKS.search(line[-2:]))
    title = readable(title)
    letters = sum(c.isalpha() for c in title)
    return title if 3 <= len(title) <= 200 and letters >= 0.6 * len(title.replace(" ", "")) else None


def _aside(line: str) -> bool:
    return bool(_ASIDE.search(line)) or len(re.findall(r"\d+", line)) >= _MASTHEAD_NUMBERS


def _abstract_heading(line: str, allow_summary: bool) -> re.Match[str] | None:
    """ "Abstract" on a line of its own, or opening the paragraph ("Abstract We present ..."); not a title that
    starts with the word ("Abstract Syntax Notation One")."""
    match = _ABSTRACT.fullmatch(line)
    if not match or (match[1].lower() == "summary" and (not allow_summary or match[2])):
        return None
    rest = match[2].split()
    if rest and not (rest[0][:1].isupper() and any(w[:1].islower() for w in rest[1:4])):
        return None
    return match


def _abstract(pages: Sequence[Page], allow_summary: bool) -> Passage | None:
    """The abstract of the first or second page: from its heading to the keywords, the next heading, a notice,
    or the end of the page. "Summary" counts only on the first page of a paper whose authors were found."""
    for page in pages:
        lines = _lines(page)
        for n, line in enumerate(lines):
            heading = _abstract_heading(line, allow_summary and page.number == 1)
            if not heading:
                continue
            body = ([heading[2]] if heading[2] else []) + _until_next_heading(lines[n + 1 :], ABSTRACT_LINES)
            passage = Passage(heading[1].capitalize(), ((page.number, "\n".join(body)),))
            text = passage.text
            return passage if len(text) >= 40 and "." in text else None
    return None


def _until_next_heading(lines: Sequence[str], limit: int, headings: Sequence[str] = ()) -> list[str]:
    """The lines of a section's text: up to the keywords, a heading, a notice or a back-matter heading."""
    taken: list[str] = []
    for line in lines[:limit]:
        ends = (
            _KEYWORDS.match(line)
            or (_NUMBERED.fullmatch(line) and not line.endswith("."))
            or _UNNUMBERED.fullmatch(line)
            or _BACK_MATTER.fullmatch(line)
            or boilerplate(line)
            or line.startswith(("Permission ", "All trademarks", "\u00a9"))
            or line in headings
            # A short capitalised line after a full stop: an unnumbered heading ("Introduction", "Basic concept").
            or (taken and taken[-1].endswith(".") and _short_heading(line))
        )
        if ends:
            break
        taken.append(line)
    return taken


def _short_heading(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 4 and line[0].isupper() and not line.endswith((".", ",", ";", ":")) and line[-1].isalpha()


def _concluding(line: str) -> str | None:
    """The concluding section's name, when the line is its heading: "7. Conclusion", "Summary and discussion"."""
    match = _CONCLUDING.fullmatch(line.strip())
    return match[1].lower() if match and match[1][0].isupper() else None


def _section(
    by_number: dict[int, Page],
    start: int,
    is_heading: Callable[[str], object],
    later: Sequence[str],
    name: str = "",
) -> Passage | None:
    """A section's text from its heading on page `start` (the page's top when the heading is not printed as a
    line), over at most CONCLUSION_PAGES pages, up to the next heading; named `name` or as its heading prints."""
    parts: list[tuple[int, str]] = []
    heading = name
    for number in range(start, start + CONCLUSION_PAGES):
        if number not in by_number:
            break
        lines = _lines(by_number[number])
        if number == start:
            at = next((n for n, line in enumerate(lines) if is_heading(line)), None)
            heading = heading or (lines[at] if at is not None else "")
            lines = lines[at + 1 :] if at is not None else lines
        taken = _until_next_heading(lines, len(lines), later)
        if taken:
            parts.append((number, "\n".join(taken)))
        if len(taken) < len(lines):
            break
    return Passage(heading, tuple(parts)) if parts else None


def _squashed(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()
