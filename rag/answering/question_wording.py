"""How a section title or a summary sentence becomes a question a non-technical reader would ask:
"Installing Asymptote" -> "How do I install Asymptote?", "asn1_der_coding" -> "What does asn1_der_coding do?".
Used by rag/answering/suggestions.py, which checks every question against the retriever before showing it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.indexing.cards import DocumentCard

MAX_TITLE_WORDS, MAX_TITLE_CHARS = 8, 70

# Front and back matter: a question about them says nothing about the document.
_JUNK = re.compile(
    r"(?:table of )?contents|.*\bindex|index of .*|preface|foreword|acknowledge?ments?|.*\blicen[cs]e|copying.*|"
    r"copyright.*|bibliography|references|glossary|appendix(?: \w+)?|list of (?:figures|tables|listings)|credits|"
    r"authors|contributors|colophon|(?:revision|change) ?(?:history|log)|changelog|news|version|title page|cover|"
    r"notes?|about this (?:document|manual|book)",
    re.I,
)
_NUMBERING = re.compile(r"^(?:(?i:chapter|section|part)\s+[\w.]+\s*[:.-]?\s*|\d+(?:\.\d+)*\.?\s+|[IVX]+\.\s+)")
# An appendix letter ("A Copying Information") looks like an article, so it is dropped only to spot junk.
_APPENDIX_LETTER = re.compile(r"^[A-H]\.?\s+(?=[A-Z])")
# Titles that stand for the whole document, or for what every reader wants to do with it.
_INTRO = frozenset("introduction overview description about summary abstract".split())
_WHOLE = {
    "installation": "How do I install {}?", "installing": "How do I install {}?", "uninstall": "How do I uninstall {}?",
    "configuration": "How do I configure {}?", "configuring": "How do I configure {}?", "usage": "How do I use {}?",
    "getting started": "How do I get started with {}?", "help": "Where can I get help with {}?",
    "requirements": "What do I need to use {}?", "troubleshooting": "What can I do when {} does not work?",
    "example": "Is there an example of using {}?", "examples": "Is there an example of using {}?",
}  # fmt: skip
# After a gerund, these start what it acts on ("Drawing in batch mode"); a plain noun makes the gerund an
# adjective ("Drawing commands" is about commands, not how to draw them).
_OBJECT_START = frozenset("a an the your my it them with in on from to into for by up out over".split())
_NOT_GERUNDS = frozenset("string thing nothing something everything anything during ceiling morning evening".split())
_IRREGULAR = {"us": "use", "reus": "reuse", "caus": "cause", "writ": "write", "creat": "create", "delet": "delete",
              "complet": "complete", "stor": "store", "restor": "restore", "ignor": "ignore", "explor": "explore",
              "tun": "tune", "clon": "clone", "shap": "shape", "escap": "escape", "pip": "pipe", "scal": "scale",
              "controll": "control", "labell": "label", "modell": "model", "cancell": "cancel"}  # fmt: skip
_DOUBLED = re.compile(r"[^aeiou][aeiou]([bdgmnprt])\1$")  # running, embedding, debugging, formatting
_TAKES_E = re.compile(  # compiling, encoding, changing, handling, saving, parsing, optimizing
    r"(?:[^aeiou][aeiou][cgkmvz]|[^aeiou](?:at|ut|ur|ar|od|ud|id|il|in|ad)|(?:[^aeiou]|u)ir|yp|ys|yz|eiv|lv|rv|os"
    r"|eas|ras|ang|eng|dg|rg|nc|rc|rs|ps|[bcdfgkptz]l)$"
)
_CODE = re.compile(r"\w_\w|\w\(\)|::")
_CODE_PARENT = re.compile(r"\b(command|function|module|operator|keyword|macro|routine|method|option)s\b", re.I)
_CAPITALISED = re.compile(r"[A-Z][a-z]+(?:-[A-Za-z][a-z]*)*")  # "Drawing", "Command-line"; not "MIME", "LaTeX"
_NAME = re.compile(r"\d|_|\.\w|.[A-Z]")  # "Libtasn1", "CAD.asy", "MIME", "LaTeX"
_FUNCTION_WORDS = frozenset("the a an that which who whose this these of to in on for with by".split())
_PRONOUNS = frozenset("it this these those they there that we you he she here each all some one such which".split())
_DEFINITION = re.compile(
    r"^(?P<subj>(?:The |An? )?[\w.+#-]+(?: [\w.+#-]+){0,3}?) (?P<verb>is|are|provides|supports|describes|defines|"
    r"contains|lets you|allows you to|allows|enables) "
)
_KINDS = (("spec", "specification"), ("manual", "manual"), ("reference", "manual"), ("guide", "guide"),
          ("tutorial", "tutorial"), ("handbook", "handbook"), ("paper", "paper"))  # fmt: skip


@dataclass(frozen=True)
class Doc:
    """How questions name a document: "Asymptote", "the Shared MIME-info Database", "the manual"."""

    name: str
    kind: str  # "manual", "specification", ..., "document"

    @property
    def the_name(self) -> str:
        return f"the {self.name}" if re.fullmatch(r".+ [A-Za-z]+", self.name) else self.name  # not "the GNU Libtasn1"


def describe(card: DocumentCard) -> Doc:
    kind = next((k for word, k in _KINDS if word in card.title.lower()), "document")
    name = re.split(r"\s*[:(—–]\s*|\s+-\s+", card.title.strip())[0]
    name = re.sub(r"^the\s+|\b(?:v(?:ersion)?\s*)?\d+(?:\.\d+)+\b", "", name, flags=re.I)
    name = re.sub(r"\s+(?:reference manual|user'?s? guide|manual|guide|spec\w*|documentation)$", "", name, flags=re.I)
    words = name.split()[:5] or ["the", "document"]
    if all(w.islower() for w in words):  # a title made from a file name: "shared mime info spec"
        words = [w[0].upper() + w[1:] for w in words]
    return Doc(" ".join(words), kind)


def base_verb(gerund: str) -> str | None:
    """ "Installing" -> "install", "Compiling" -> "compile", "Running" -> "run"; None for what is not a gerund."""
    word = gerund.lower()
    if not word.endswith("ing") or len(word) < 5 or word in _NOT_GERUNDS or not word.isalpha():
        return None
    stem = word[:-3]
    if stem in _IRREGULAR:
        return _IRREGULAR[stem]
    if _DOUBLED.search(stem):
        return stem[:-1]
    return stem + "e" if _TAKES_E.search(stem) else stem


def clean_title(title: str) -> str | None:
    """The title without its numbering, or None when it is front or back matter, a number or too long."""
    title = _NUMBERING.sub("", " ".join(title.split())).strip(" .:;-")
    # "What is this spec?", "Language used in this specification": out of place in a chat.
    deictic = {"this", "these"} & set(title.lower().split())
    junk = not re.search(r"[A-Za-z]{2}", title) or _JUNK.fullmatch(_APPENDIX_LETTER.sub("", title))
    return None if junk or deictic or len(title) > MAX_TITLE_CHARS or len(title.split()) > MAX_TITLE_WORDS else title


def _phrase(words: Sequence[str], doc: Doc) -> str:
    """Title words as they read in a sentence: "Drawing commands" -> "drawing commands"; "Microsoft Windows",
    "MIME", "LaTeX" and the document's name are kept, a capital before a capital being a name's."""
    lower = _CAPITALISED.fullmatch(words[0]) and not (words[1:] and words[1][0].isupper())
    lower = (lower and words[0].lower() not in {w.lower() for w in doc.name.split()}) or words[0] in ("The", "A", "An")
    mine = {"your": "my", "yourself": "myself"}
    return " ".join(mine.get(w, w) for w in [words[0].lower() if lower else words[0], *words[1:]])


def title_question(title: str, doc: Doc, several: bool, parent: str = "") -> tuple[str, int] | None:
    """The question a section title invites, and its tier; None for a junk title."""
    clean = clean_title(title)
    if clean is None:
        return None
    words, lowered = clean.split(), clean.lower()
    if lowered in _INTRO:
        return f"What is {doc.the_name}?", 0
    if lowered in _WHOLE:
        return _WHOLE[lowered].format(doc.the_name), 1
    if clean.endswith("?"):
        return _named(clean, doc, several), 1
    if lowered.startswith("how to ") and len(words) > 2:
        return _named(f"How do I {_phrase(words[2:], doc)}?", doc, several), 1
    verb, following = base_verb(words[0]), words[1] if len(words) > 1 else ""
    if verb and following and (following.lower() in _OBJECT_START or not following.islower()):
        return _named(f"How do I {verb} {_phrase(words[1:], doc)}?", doc, several), 1
    if len(words) == 1 and _CODE.search(clean):
        return f"What does {clean} do?", 1
    code = _CODE_PARENT.search(parent)
    if len(words) == 1 and code and re.fullmatch(r"\w+", clean):  # "draw" under "Drawing commands"
        return _named(f"What does the {clean} {code.group(1).lower()} do?", doc, several), 2
    about = (
        doc.the_name if doc.kind == "document" or doc.name.lower().endswith(doc.kind) else f"the {doc.name} {doc.kind}"
    )
    return f"What does {about if several else 'the ' + doc.kind} say about {_phrase(words, doc)}?", 2


def sentence_question(text: str, doc: Doc, several: bool) -> str | None:
    """ "Asymptote is a vector graphics language..." -> "What is Asymptote?"; None when no pattern fits."""
    match = _DEFINITION.match(" ".join(text.split()))
    words = match.group("subj").split() if match else []
    # A name, or "the/a" and a noun phrase; not "Search the structure that is...", whose first word is a verb.
    named = words and (words[0] in ("The", "A", "An") or _NAME.search(words[0]) or words[0].lower() in doc.name.lower())
    if not named or {w.lower() for w in words[1:]} & _FUNCTION_WORDS or words[0].lower() in _PRONOUNS:
        return None
    subject, verb = re.sub(r"^(The|An?) ", lambda m: m.group().lower(), match.group("subj")), match.group("verb")
    if verb in ("is", "are"):
        return _named(f"What {verb} {subject}?", doc, several)
    if verb.startswith(("lets", "allows", "enables")):
        return _named(f"What can I do with {subject}?", doc, several)
    return _named(f"What does {subject} {verb.removesuffix('s')}?", doc, several)


def _named(question: str, doc: Doc, several: bool) -> str:
    """With several documents in scope, a question that names neither its document nor anything specific would
    be answered from whichever document ranks first: it says which one it is about."""
    words = set(re.findall(r"[a-z0-9]+", question.lower()))
    specific = re.search(r"\w_\w|\d|[a-z][A-Z]", question)
    if not several or specific or {w for w in re.findall(r"[a-z0-9]+", doc.name.lower()) if len(w) > 2} & words:
        return question
    return f"In {doc.the_name}, {question[0].lower()}{question[1:]}"


# A section's question in a document's own language, where the wording rules above (English grammar) do not apply:
# one plain form that names the section as its title does. Other languages get no suggestion from the outline.
_ABOUT_SECTION = {
    "de": "Was sagt das Dokument über „{title}“?",
    "fr": "Que dit le document sur « {title} » ?",
    "es": "¿Qué dice el documento sobre «{title}»?",
    "it": "Cosa dice il documento su «{title}»?",
    "pt": "O que diz o documento sobre «{title}»?",
}


def section_question_in(language: str, title: str) -> str | None:
    """The question about a section of a document in `language` (not English), or None."""
    template, clean = _ABOUT_SECTION.get(language), clean_title(title)
    return template.format(title=clean) if template and clean else None
