"""The first stage of a turn: what is asked. An ordinary question is searched; a summary of a document, or of a
section ("summarise this", "what does chapter 3 cover"), is answered from the document cards instead
(rag/answering/summaries.py), because a whole document or chapter is not in the five passages most like it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rag.answering.request_words import read_request

_POLITE = re.compile(
    r"^(?:(?:please|ok(?:ay)?|so|now|and|hey|hi|can you|could you|would you|will you|can i (?:get|have)|"
    r"could i (?:get|have)|i(?:'d| would) like|i want|i need|let me (?:see|have))\s+)+"
)
_TRAILING = re.compile(
    r"(?:\s+(?:please|for me|briefly|quickly|in (?:a few|one|two|three|four|five|\d+) "
    r"(?:sentences?|words|lines|paragraphs?|bullets?|bullet points)))+$"
)
_SUMMARISE = r"(?:summari[sz]e|sum up|recap|give (?:me )?(?:the )?gist of|tl;? ?dr(?: of)?)\b\s*(?P<t>.*)"
_A_SUMMARY = (
    r"(?:(?:give|show|get|write|provide|make)\s+(?:me\s+|us\s+)?)?(?:an?\s+|the\s+|some\s+)?(?:(?:brief|short|"
    r"quick|concise|high[- ]level|general|rough)\s+)?(?:summary|summari[sz]ation|overview|synopsis|gist|rundown|"
    r"tl;? ?dr)(?:\s+(?:of|for|on|about)\s+(?P<t>.+))?"
)
_ABOUT = r"what(?:'s| is| are)\s+(?P<t>.+?)\s+(?:all\s+)?about"
_COVER = (
    r"what\s+(?:does|do)\s+(?P<t>.+?)\s+(?:cover|contain|include|describe|discuss|explain|talk about|deal with|"
    r"say|go over|go through)"
)
_TOPICS = r"(?:what|which)\s+(?:topics|subjects|things)\s+(?:does|do)\s+(?P<t>.+?)\s+(?:cover|discuss)"
_INSIDE = r"what(?:'s| is)\s+(?:covered\s+|discussed\s+)?(?:in|inside)\s+(?P<t>.+)"
# Whether any words may follow: "summarise X" says X is what to summarise; "what is X about" only when X is a
# document or a section ("what is the summary option about?" is a question about an option).
_FREE = {_SUMMARISE: True, _A_SUMMARY: True, _ABOUT: False, _COVER: False, _TOPICS: False, _INSIDE: False}
_ASKS = [(re.compile(p), free) for p, free in _FREE.items()]
_NOUN = r"(?:documents?|docs?|manuals?|pdfs?|books?|papers?|guides?|specs?|specifications?|handbooks?|documentation)"
_ITSELF = re.compile(rf"(?:(?:this|that|the|my|these|those|it|all)\s*)*(?:{_NOUN}|files?|texts?)?")
_NAMED = re.compile(rf"(?:the\s+|this\s+|my\s+)?(?:(?P<name>.+?)\s+{_NOUN}|(?P<file>.+\.pdf))")
_KIND = r"(?P<kind>chapter|section|part|appendix)"
_IN_DOCUMENT = r"(?:\s+(?:of|in|from)\s+(?P<doc>.+))?"
_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_ROMAN = "i ii iii iv v vi vii viii ix x".split()
_NUMBER_WORDS = {word: str(n) for words in (_ORDINALS, _ROMAN) for n, word in enumerate(words, 1)}
_SECTION_REFS = [
    re.compile(rf"(?:the\s+)?{_KIND}\s*(?P<number>\d+(?:\.\d+)*|[ivx]+|[a-z]){_IN_DOCUMENT}"),
    re.compile(rf"(?:the\s+)?(?P<number>{'|'.join(_ORDINALS)}|last)\s+{_KIND}{_IN_DOCUMENT}"),
    re.compile(rf"(?:the\s+)?{_KIND}\s+(?:on|about|called|named|titled|for)\s+(?P<words>.+?){_IN_DOCUMENT}"),
    re.compile(rf"(?:the\s+)?(?P<words>.+?)\s+{_KIND}{_IN_DOCUMENT}"),
]
_QUESTION_WORD = re.compile(r"(?:how|why|what|when|where|which|who|whether|if|the difference|differences)\b")


@dataclass(frozen=True)
class SummaryRequest:
    scope: Literal["document", "section"]
    section: str | None = None  # "3", "2.1", "a" (an appendix), "last", or words ("installation")
    kind: str | None = None  # "chapter", "section", "part" or "appendix", as the question says it
    document: str | None = None  # words that may name a document ("libtasn1", "asy-latex.pdf")


def summary_request(question: str) -> SummaryRequest | None:
    """The summary or overview the question asks for, or None for an ordinary question, even one that says
    "summary" ("what does the summary option do?")."""
    asked = " ".join(question.lower().replace("\u2019", "'").replace(",", " ").split()).strip(" ?.!")
    asked = _TRAILING.sub("", _POLITE.sub("", asked))
    for pattern, free in _ASKS:
        if match := pattern.fullmatch(asked):
            return _request((match["t"] or "").strip(), free)
    if (target := read_request(asked)) is not None:
        if target.document:
            return SummaryRequest("document")
        return SummaryRequest("section", _NUMBER_WORDS.get(target.section or "", target.section), target.kind)
    return None


def _request(target: str, free: bool) -> SummaryRequest | None:
    if _ITSELF.fullmatch(target):
        return SummaryRequest("document")
    for pattern in _SECTION_REFS:
        if (match := pattern.fullmatch(target)) and not _QUESTION_WORD.match(match.groupdict().get("words") or ""):
            number = match.groupdict().get("number")
            section = _NUMBER_WORDS.get(number, number) if number else match["words"]
            return SummaryRequest("section", section, match["kind"], _document_words(match["doc"]))
    if (named := _NAMED.fullmatch(target)) and not _QUESTION_WORD.match(target):
        return SummaryRequest("document", document=named["name"] or named["file"])
    # "summarise installation", "an overview of libtasn1": a section or a document, whichever has the name.
    words = re.sub(r"^(?:the|this|my)\s+", "", target)
    if free and 0 < len(words.split()) <= 4 and not _QUESTION_WORD.match(words):
        return SummaryRequest("section", words, document=words)
    return None


def _document_words(text: str | None) -> str | None:
    if not text or _ITSELF.fullmatch(text):
        return None
    named = _NAMED.fullmatch(text)
    return (named["name"] or named["file"]) if named else re.sub(r"^(?:the|this|my)\s+", "", text)
