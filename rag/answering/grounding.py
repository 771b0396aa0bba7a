"""Checks each sentence of an answer against the passages it cites, and marks the ones nothing supports.

A sentence counts as supported only when each of its clauses is entailed by one source sentence (or two adjacent
ones, as PDF text breaks a statement across them), which must
- share most of the clause's content words, or be close to it in embedding: the words catch close paraphrases,
  the embedding paraphrases in other words;
- state every number of the clause, with the same unit;
- name every named thing of the clause (identifiers, options, commands, capitalised names, quoted strings), itself
  or in the two sentences before it (a heading, or the sentence that says what it is about);
- keep its polarity: a negation in one and not the other fails ("R is not free" is not "R is free").
Words alone let "R is not free to use for commercial work" pass against "R is free software and can be used
commercially", and let an answer add a clause no document holds (bench/grounding.py --corrupted measures both).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.schemas import SentenceCheck
from rag.text import answer_sentences, content_words, flat

# Chosen on the even lines of bench/qa/grounding.jsonl, reported on the odd ones (bench/grounding.py); now per clause,
# where they kept the dev set's true sentences of bench/qa/grounding-corrupted-dev.jsonl and refused its corruptions.
MIN_OVERLAP = 0.6
MIN_SIMILARITY = 0.7
# Sentences with fewer content words than this ("Sure!", "See page 4.") say nothing to check.
MIN_WORDS = 3
CONTEXT_SENTENCES = 2

_CITATION = re.compile(r"\[\s*(?:p\.?|page)\s*[\d,\s–-]+\]", re.I)


def split_sentences(text: str) -> list[str]:
    """The answer's sentences, each exactly as written, so marks can be placed back into the text."""
    return answer_sentences(text)


# A token of a question that names something: a version or number, an identifier, an acronym, a camel-cased or
# capitalised word, or a file extension. Lower-case words are left out: users paraphrase those freely.
_TOKEN = re.compile(r"\.?[A-Za-z0-9][\w.]*[\w]|\.?[A-Za-z0-9]")
_INNER_PUNCTUATION = re.compile(r"(?<=[a-z0-9])[._-](?=[a-z0-9])")
_SENTENCE_START = re.compile(r"(?:^|[.?!:]\s+)[\"'(¿¡«“]*\s*$")


def named_terms(question: str) -> list[str]:
    """The names in a question: "Vulkan", "MSVC", "TikZ", "4.19.0", "ASN1_MAX_NAME_SIZE", "pptx"."""
    terms = []
    for match in _TOKEN.finditer(question):
        token = re.sub(r"['’]s$", "", match.group().rstrip("."))
        word = token.lstrip(".")
        if len(word) < 2:
            continue
        capitalised = word[0].isupper() and word[1:].islower()
        at_sentence_start = bool(_SENTENCE_START.search(question[: match.start()]))
        if (
            token.startswith(".")  # a file extension
            or any(c.isdigit() for c in word)
            or "_" in word
            or any(c.isupper() for c in word[1:])  # MSVC, TikZ, iPad, macOS
            or (capitalised and not at_sentence_start)
        ):
            terms.append(word)
    return list(dict.fromkeys(terms))


def mentions(text: str, term: str) -> bool:
    """Whether `text` names `term`, as a word prefix, which forgives plurals and suffixes (PDFs, Makefiles)
    but no other name. Case and inner punctuation are ignored: "X.509" is "X509", "pdf" is "PDF"."""
    text = text.lower()
    for term_form, text_form in ((term.lower(), text), (_joined(term.lower()), _joined(text))):
        stem = term_form.removesuffix("s") if len(term_form) > 3 else term_form
        if re.search(r"(?<![a-z0-9])" + re.escape(stem), text_form):
            return True
    return False


def _joined(text: str) -> str:
    return _INNER_PUNCTUATION.sub("", text)


def unmatched_terms(question: str, sources: Sequence[str]) -> list[str]:
    """The names a question asks about that none of the sources mention. An answer from these sources cannot
    be about them: "Does it support Vulkan?" over passages that never say Vulkan is not in the documents."""
    text = " ".join(sources)
    return [term for term in named_terms(question) if not mentions(text, term)]


def check_sentences(answer: str, sources: Sequence[str], embeddings: Embeddings) -> list[SentenceCheck]:
    """Each sentence of `answer`, supported only when every clause of it is entailed by one source sentence."""
    sentences = split_sentences(answer)
    if not sentences:
        return []
    claims = [_CITATION.sub("", s) for s in sentences]
    clauses = [claim_clauses(claim) if len(content_words(claim)) >= MIN_WORDS else [] for claim in claims]
    facts = source_facts(sources)
    judged = list(dict.fromkeys(c for parts in clauses for c in parts))

    similarity: dict[str, np.ndarray] = {}
    if judged and facts:
        vectors = np.asarray(embeddings.embed_documents(judged + [f.text for f in facts]))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
        scores = vectors[: len(judged)] @ vectors[len(judged) :].T
        similarity = dict(zip(judged, scores, strict=True))

    checks = []
    for sentence, parts in zip(sentences, clauses, strict=True):
        if not parts:
            checks.append(SentenceCheck(sentence, None, 0.0, 0.0))
            continue
        # Each clause's best evidence; the sentence is as strong as its weakest clause.
        best = [_support(Fact(part), facts, similarity.get(part)) for part in parts]
        supported = all(ok for ok, _, _ in best)
        overlap = min(o for _, o, _ in best)
        sim = min(s for _, _, s in best)
        checks.append(SentenceCheck(sentence, supported, round(overlap, 3), round(sim, 3)))
    return checks


class Fact:
    """A clause of the answer, or one or two adjacent sentences of a source, read once: stems, numbers, negations."""

    def __init__(self, text: str, context: str = "", parts: Sequence[Fact] = ()) -> None:
        self.text = text
        self.parts = list(parts)
        # The sentences just before: a heading or the sentence that names what this one is about ("2.3 Microsoft
        # Windows ... You will also need Ghostscript"). Names may come from there, nothing else may.
        self.context = context
        self.stems = stems(text)
        self.numbers = numbers(text)
        self.negations = negation_scopes(text)
        self.context_stems = stems(context)

    @property
    def negated(self) -> bool:
        return bool(self.negations)

    @property
    def denied(self) -> set[str]:
        return set().union(*self.negations)

    def closest(self, words: set[str]) -> Fact:
        """The sentence of a pair that shares most of `words`: the one whose polarity the claim must keep, so "Many
        systems lack GNU readline. It needs GNU readline 4.3." does not support "It does not need GNU readline"."""
        return max(self.parts, key=lambda part: len(part.stems & words)) if self.parts else self

    def negates(self, words: set[str]) -> bool:
        """Whether this text negates what `words` say: a negation here governs some of them. "No global variables
        are used and handles may be used in parallel" negates the variables, not the handles."""
        return any(scope & words for scope in self.negations)


def source_facts(sources: Sequence[str]) -> list[Fact]:
    """Each sentence of the sources, and each pair of adjacent ones: PDF text breaks one statement across two."""
    facts: dict[str, Fact] = {}
    for source in sources:
        sentences = split_sentences(flat(source)) or [source]
        for i in range(len(sentences)):
            context = " ".join(sentences[max(0, i - CONTEXT_SENTENCES) : i])
            single = facts.setdefault(sentences[i], Fact(sentences[i], context))
            if i + 1 < len(sentences):
                pair = " ".join(sentences[i : i + 2])
                following = Fact(sentences[i + 1], sentences[i])
                facts.setdefault(pair, Fact(pair, context, [single, following]))
    return list(facts.values())


def _support(claim: Fact, facts: Sequence[Fact], similarity: np.ndarray | None) -> tuple[bool, float, float]:
    names = claim_names(claim.text)
    name_stems = stems(" ".join(names))
    best_overlap = best_similarity = 0.0
    supported = False
    for i, fact in enumerate(facts):
        # A name the sentence before gives ("Libtasn1" in "This document describes the Libtasn1 library") counts.
        known = fact.stems | (name_stems & fact.context_stems)
        overlap = len(claim.stems & known) / len(claim.stems) if claim.stems else 0.0
        sim = float(similarity[i]) if similarity is not None else 0.0
        best_overlap, best_similarity = max(best_overlap, overlap), max(best_similarity, sim)
        if supported or (overlap < MIN_OVERLAP and sim < MIN_SIMILARITY):
            continue
        supported = (
            claim.numbers <= fact.numbers
            and all(_names(fact.text, name) or _names(fact.context, name) for name in names)
            and _same_polarity(claim, fact.closest(claim.stems))
        )
    return supported, best_overlap, best_similarity


def _same_polarity(claim: Fact, fact: Fact) -> bool:
    """A negated claim needs a source that denies the same thing; a plain one, a source that denies none of it."""
    return fact.negates(claim.denied) if claim.negated else not fact.negates(claim.stems)


def _names(text: str, name: str) -> bool:
    """Whether `text` names `name`; a name of several words also as one word ("TeX Live" in "texlive")."""
    return mentions(text, name) or (" " in name and mentions(text.replace(" ", ""), name.replace(" ", "")))


# --- Clauses, polarity, numbers and names ------------------------------------------------------------------------

# Where a clause ends: punctuation inside the sentence, and the words that start another clause. A fragment too short
# to say anything ("Coordinates", "cson") stays with the clause before it, so lists are not cut into words.
_CLAUSE_BREAK = re.compile(
    r"\s*[,;:]\s+|\s+(?=(?:and|but|which|because|while|whereas|although|though|since|so|unless)\s)",
    re.I,
)
MIN_CLAUSE_WORDS = 2

# Words that deny what follows them, and how many content words after one it governs.
_NEGATION = re.compile(
    r"(?<![\w-])(?:not|no|never|none|nothing|nobody|nowhere|neither|nor|cannot|without"
    r"|lacks?|lacking|unable|fails? to)\b"
    r"|n['’]t\b",
    re.I,
)
NEGATION_SCOPE = 3


def claim_clauses(sentence: str) -> list[str]:
    """The clauses of a sentence that carry content, each with enough words to be checked on its own."""
    clauses: list[str] = []
    for part in _CLAUSE_BREAK.split(sentence):
        part = part.strip()
        if not part:
            continue
        if clauses and len(content_words(part)) < MIN_CLAUSE_WORDS:
            clauses[-1] = f"{clauses[-1]}, {part}"
        else:
            clauses.append(part)
    # A short first fragment ("On Windows") belongs with what follows it.
    if len(clauses) > 1 and len(content_words(clauses[0])) < MIN_CLAUSE_WORDS:
        clauses[:2] = [f"{clauses[0]}, {clauses[1]}"]
    return [c for c in clauses if content_words(c)]


def negation_scopes(text: str) -> list[set[str]]:
    """For each negation in `text`, the stems of the few content words that follow it: what it denies."""
    scopes = []
    for match in _NEGATION.finditer(text):
        following = [w for w in _STEM_WORD.findall(text[match.end() :].lower()) if content_words(w)]
        scopes.append(stems(" ".join(following[:NEGATION_SCOPE])) or {""})
    return scopes


_ENDINGS = (
    ("ies", "y"),
    ("ied", "y"),
    ("ing", ""),
    ("ed", ""),
    ("sses", "ss"),
    ("xes", "x"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("s", ""),
)
_STEM_WORD = re.compile(r"[a-z0-9_]{3,}")


# Words that link or qualify a claim without stating it, and the negations, which polarity checks instead.
_LINKS = frozenset(
    "because while whenever since although though unless whereas plus must need needs needed used using uses "
    "lack lacks lacking unable fail fails cannot never none nothing".split()
)


def stems(text: str) -> set[str]:
    """Content words without their English endings, so "weighed" is "weigh" and "Mondays" is "Monday"."""
    out = set()
    for word in content_words(text) - _LINKS:
        for ending, replacement in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3 and not word.endswith("ss"):
                word = word[: -len(ending)] + replacement
                # "tagging" is "tag", "stopped" is "stop".
                if not replacement and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                    word = word[:-1]
                break
        out.add(word)
    return out


_NUMBER_WORDS = dict(
    zip("two three four five six seven eight nine ten eleven twelve".split(), map(str, range(2, 13)), strict=True)
)
_QUANTITY = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?(?![\d])|(?:" + "|".join(_NUMBER_WORDS) + r")\b)\s?(%|[a-zA-Z°]+)?",
    re.I,
)
# Units a number is measured in, each with its other spellings: "4 kB" is not "4 MB", "2 cm" is "2 centimetres".
_UNITS = {
    alias: unit
    for unit, aliases in {
        "bp": "bp",
        "pt": "pt points",
        "cm": "cm centimeter centimeters centimetre centimetres",
        "mm": "mm millimeter millimeters millimetre millimetres",
        "in": "inch inches",
        "px": "px pixel pixels",
        "byte": "byte bytes b",
        "bit": "bit bits",
        "kb": "kb kib kilobyte kilobytes k",
        "mb": "mb mib megabyte megabytes",
        "gb": "gb gib gigabyte gigabytes",
        "%": "% percent",
        "s": "s sec second seconds",
        "ms": "ms millisecond milliseconds",
        "min": "min minute minutes",
        "h": "h hour hours",
        "day": "day days",
        "kg": "kg kilogram kilograms",
        "g": "g gram grams",
        "°": "° degree degrees",
    }.items()
    for alias in aliases.split()
}


def numbers(text: str) -> set[tuple[str, str]]:
    """The numbers a text states, each with its unit if it has one ("" otherwise); number words count as digits."""
    found = set()
    for value, unit in _QUANTITY.findall(text):
        value = _NUMBER_WORDS.get(value.lower(), value)
        # "3.0" is 3, but version 2.10 is not 2.1.
        value = value.partition(".")[0] if re.fullmatch(r"\d+\.0+", value) else value
        found.add((value, _UNITS.get(unit.lower(), "") if unit else ""))
    # A number stated with a unit also supports the bare number.
    return found | {(v, "") for v, _ in found}


# Names beyond named_terms: options, TeX commands, calls, paths and MIME types, quoted strings, and the word that a
# noun such as "option" or "command" names ("the attach option", "the + operator").
_CODE_NAME = re.compile(
    r"(?<![\w-])--?[A-Za-z][\w-]*"  # -nosafe, --prefix
    r"|\\[A-Za-z]+"  # \asyinclude
    r"|\b\w+(?=\(\))"  # system()
    r"|(?<![\w/])/?[\w.+-]+/[\w.*+/-]*[\w*]"  # /usr/share/mime, application/octet-stream
    r"|[`\"“']([^`\"”']{2,40})[`\"”']"  # quoted
)
_NAMED_BY = re.compile(
    r"(?:^|\s)(\S+)\s+(?:configuration\s+)?(?:option|command|variable|attribute|function|package|setting|"
    r"environment|module|element|operator|structure|program|tool|flag)s?\b",
    re.I,
)
# Words that open a sentence without naming anything, though capitalised there.
_COMMON_OPENERS = frozenset(
    "a an the this that these those it its you your we our they their there here each every all any some most many "
    "several few both either neither other another such one if when whenever while once after before since because as "
    "to for in on at by with without from of yes no not also however instead then so but and or note first second "
    "finally only just use set run call add install open pass change enable disable make type press click choose "
    "select see read write check keep try give put get".split()
)


def claim_names(text: str) -> list[str]:
    """The named things of a clause that a supporting sentence must also name."""
    names = list(named_terms(text))
    # "TeX Live", "GNU Lesser General Public License": a name of several words is one name.
    for match in _NAME_RUN.finditer(text):
        run = match.group()
        if run.split()[0].lower() not in _COMMON_OPENERS:
            names = [n for n in names if n not in run.split()] + [run]
    for match in _CODE_NAME.finditer(text):
        name = match.group(1) or match.group()
        # "import/export" and "text/plain" are words joined by a slash; a path or a MIME type has more to it.
        if "/" in name and not re.search(r"^/|[-.\d*+]", name):
            continue
        names.append(name)
    for match in _NAMED_BY.finditer(text):
        word = match.group(1).strip(".,;:()'\"")
        if word and word.lower() not in _COMMON_OPENERS and word.lower() not in _STOP_NAMES:
            names.append(word)
    first = re.match(r"[\"'(]*([A-Z][a-z]+)\b", text)
    # A gerund opening a sentence ("Passing -s to …") is a verb, not a name.
    if first and first.group(1).lower() not in _COMMON_OPENERS and not first.group(1).endswith(("ing", "ly")):
        names.append(first.group(1))
    return list(dict.fromkeys(names))


_NAME_RUN = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w.+-]*(?:\s+[A-Z][\w.+-]*)+")
_STOP_NAMES = frozenset("optional other default main new same separate extended given this that each any".split())


def unsupported_share(checks: Sequence[SentenceCheck]) -> float:
    judged = [c for c in checks if c.supported is not None]
    return sum(1 for c in judged if not c.supported) / len(judged) if judged else 0.0


def verdict(checks: Sequence[SentenceCheck]) -> str | None:
    """ "supported", "partly" or "unsupported" for the answer as a whole; None when nothing could be judged."""
    judged = [c.supported for c in checks if c.supported is not None]
    if not judged:
        return None
    if all(judged):
        return "supported"
    return "partly" if any(judged) else "unsupported"
