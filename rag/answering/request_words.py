"""Summary and section requests in German, French, Spanish and Italian ("Fasse das Dokument zusammen", "résume le
chapitre 3", "¿De qué trata el capítulo 2?"): the same requests rag/answering/request.py reads in English, read
with each language's words. The question is lower-cased and its punctuation dropped before it comes here.

A question that is not such a request returns None and is searched as any question is: the patterns read whole
requests only, and a target must be the document or a section, so "Wie fasse ich zwei Tabellen zusammen?" (how do
I merge two tables) is not one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Words:
    # Whole requests; each names what to summarise as the group "t" (empty: the document itself).
    asks: tuple[str, ...]
    # What "the document" is called, with its articles and demonstratives, all optional.
    itself: str
    # Section kinds, in the English names summaries.py knows them by.
    kinds: dict[str, str]
    # "of the X" between a section and the document it is in.
    within: str
    ordinals: tuple[str, ...]


_GERMAN = Words(
    asks=(
        r"(?:bitte\s+)?fass(?:e|en sie)?\s+(?P<t>.*?)\s*(?:kurz\s+)?zusammen(?:\s+bitte)?",
        r"(?:gib\s+mir\s+|ich\s+hätte\s+gern\s+|ich\s+möchte\s+)?(?:eine\s+)?(?:kurze\s+)?"
        r"(?:zusammenfassung|übersicht|überblick)(?:\s+(?:über|von|zu)\s+(?P<t>.+?)|\s+(?P<t2>(?:des|der)\s+.+?))?",
        r"worum\s+geht\s+es\s+(?:in|im|bei)\s+(?P<t>.+)",
        r"was\s+(?:steht|behandelt|beschreibt|enthält)\s+(?:in\s+|im\s+)?(?P<t>.+?)(?:\s+drin)?",
        r"was\s+(?:behandelt|beschreibt|enthält)\s+(?P<t>.+)",
    ),
    itself=r"(?:(?:das|dies(?:es)?|den|dem|des|der|die|mein(?:em|en)?)\s+)?"
    r"(?:dokument(?:s|es)?|text(?:es|s)?|handbuch(?:s|es)?|anleitung|datei|pdf)?",
    kinds={"kapitel": "chapter", "abschnitt": "section", "teil": "part", "anhang": "appendix"},
    within=r"(?:des|der|im|in|aus|von)",
    ordinals=("erste", "zweite", "dritte", "vierte", "fünfte", "sechste", "siebte", "achte", "neunte", "zehnte"),
)
_FRENCH = Words(
    asks=(
        r"(?:peux-tu\s+|pouvez-vous\s+)?résume[zr]?(?:-moi)?\s+(?P<t>.*)",
        r"(?:donne(?:z)?(?:-moi)?\s+|fais(?:-moi)?\s+|faites(?:-moi)?\s+)?(?:un\s+|le\s+)?"
        r"(?:bref\s+|court\s+)?(?:résumé|aperçu|synthèse)(?:\s+(?:de\s+la|de\s+l'|du|des|de)\s*(?P<t>.+))?",
        r"de\s+quoi\s+(?:parle|traite)(?:-t-)?(?:il|elle)?\s*(?P<t>.+)",
        r"que\s+(?:couvre|contient|traite|décrit)\s+(?P<t>.+)",
    ),
    itself=r"(?:(?:le|la|l'|ce|cet|cette|mon|ma|du|de\s+la|de\s+l')\s*)?"
    r"(?:document|texte|manuel|guide|fichier|pdf)?",
    kinds={"chapitre": "chapter", "section": "section", "partie": "part", "annexe": "appendix"},
    within=r"(?:du|de\s+la|de\s+l'|de|dans\s+le|dans\s+la)",
    ordinals=("premier", "deuxième", "troisième", "quatrième", "cinquième", "sixième", "septième", "huitième",
              "neuvième", "dixième"),
)  # fmt: skip
_SPANISH = Words(
    asks=(
        r"(?:¿)?(?:puedes\s+|podrías\s+)?resum(?:e|ir|eme|irme)\s+(?P<t>.*)",
        r"(?:dame\s+|haz(?:me)?\s+|quiero\s+)?(?:un\s+|el\s+)?(?:breve\s+)?(?:resumen|sinopsis|panorama)"
        r"(?:\s+(?:del|de\s+la|de)\s+(?P<t>.+))?",
        r"(?:¿)?de\s+qué\s+(?:trata|habla)\s+(?P<t>.+)",
        r"(?:¿)?qué\s+(?:cubre|contiene|trata|describe)\s+(?P<t>.+)",
    ),
    itself=r"(?:(?:el|la|este|esta|mi|del|de\s+la)\s+)?(?:documento|texto|manual|guía|archivo|pdf)?",
    kinds={"capítulo": "chapter", "sección": "section", "parte": "part", "apéndice": "appendix"},
    within=r"(?:del|de\s+la|de\s+los|de\s+las|de|en\s+el|en\s+la)",
    ordinals=("primer", "segundo", "tercer", "cuarto", "quinto", "sexto", "séptimo", "octavo", "noveno", "décimo"),
)
_ITALIAN = Words(
    asks=(
        r"(?:puoi\s+)?riassum(?:i|ere|imi)\s+(?P<t>.*)",
        r"(?:dammi\s+|fammi\s+|fai\s+)?(?:un\s+|il\s+)?(?:breve\s+)?(?:riassunto|sintesi|panoramica)"
        r"(?:\s+(?:del|della|dell'|di)\s*(?P<t>.+))?",
        r"di\s+(?:cosa|che\s+cosa)\s+(?:parla|tratta)\s+(?P<t>.+)",
        r"cosa\s+(?:copre|contiene|tratta|descrive)\s+(?P<t>.+)",
    ),
    itself=r"(?:(?:il|la|lo|l'|questo|questa|mio|mia|del|della|dell')\s*)?(?:documento|testo|manuale|guida|file|pdf)?",
    kinds={"capitolo": "chapter", "sezione": "section", "parte": "part", "appendice": "appendix"},
    within=r"(?:del|della|dell'|dello|dei|degli|delle|di|nel|nella)",
    ordinals=("primo", "secondo", "terzo", "quarto", "quinto", "sesto", "settimo", "ottavo", "nono", "decimo"),
)
LANGUAGES = {"de": _GERMAN, "fr": _FRENCH, "es": _SPANISH, "it": _ITALIAN}
_ARTICLE = r"(?:(?:the|das|dem|den|der|des|die|le|la|l'|el|il|lo|del|du|de\s+la|de|im|in|al|au)\s*)*"


@dataclass(frozen=True)
class Target:
    """What a request asks to summarise: the document itself, or a section of it."""

    document: bool
    kind: str | None = None  # in English: "chapter", "section", "part", "appendix"
    section: str | None = None  # "3", "2.1", "last", or its words


def read_request(asked: str) -> Target | None:
    """The target of a summary request in one of these languages, or None when `asked` is not one. Every language
    is tried, not the one detected: "résume le document" has too few letters to be told apart reliably, and each
    language's request words are its own."""
    for words in LANGUAGES.values():
        for pattern in words.asks:
            if match := re.fullmatch(pattern, asked):
                target = (match.groupdict().get("t") or match.groupdict().get("t2") or "").strip()
                return _target(target, words)
    return None


def _target(target: str, words: Words) -> Target | None:
    if re.fullmatch(words.itself, target):
        return Target(document=True)
    kinds = "|".join(words.kinds)
    ordinals = "|".join(words.ordinals)
    numbered = re.fullmatch(
        rf"{_ARTICLE}(?P<kind>{kinds})\s*(?P<number>\d+(?:\.\d+)*|[ivx]+|[a-z])(?:\s+{words.within}\s+.+)?", target
    )
    if numbered:
        return Target(False, words.kinds[numbered["kind"]], numbered["number"])
    ordinal = re.fullmatch(rf"{_ARTICLE}(?P<number>{ordinals})[a-z]*\s+(?P<kind>{kinds})(?:\s+.+)?", target)
    if ordinal:
        position = next(n for n, word in enumerate(words.ordinals, 1) if ordinal["number"].startswith(word))
        return Target(False, words.kinds[ordinal["kind"]], str(position))
    # "das Kapitel über Netzwerke": a few words that name it, never a number (that is the numbered form above).
    named = re.fullmatch(
        rf"{_ARTICLE}(?P<kind>{kinds})\s+(?:über|sur|sobre|su|zu)\s+(?P<words>[^\d\s]\S*(?:\s+\S+){{0,3}})", target
    )
    if named:
        return Target(False, words.kinds[named["kind"]], named["words"])
    return None
